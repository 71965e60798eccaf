import Daemon
import FileStore
import Foundation
import Hub
import HubClient
import Logging
import NodeSync
import ReformsyncConfig
import Replica
import ServiceLifecycle

/// The provincial hub's uplink to the national hub (Protocol/README.md §20), run inside
/// `reformsync hub`: the daemon's own sync engine — ``SyncSession`` (handshake, push, pull, live
/// pulls), ``FileSync`` (evidence files) and ``SyncLoop`` (interval, debounce, backoff) — on the
/// uplink's node replica, `DATA_DIR/uplink/replica.sqlite`, with its own site id and cursors.
/// Writes to that replica by other processes (`reformsync record put --uplink`) start a round
/// as they do at a district. After each round and each live pull that brought something, the
/// province's national results are copied into the hub's `external_indices` (``NationalRank``).
enum HubUplink {
    /// The services to add to the hub's group (none without an `uplink:` section).
    /// - Throws: ``ConfigError`` naming the `uplink.*` key that is wrong.
    static func services(configuration: ReformsyncConfiguration, hubReplica: Replica, signal: HubChangeSignal, file: String?,
                         logger: Logger) throws -> [any Service] {
        guard let uplink = configuration.uplink, let node = configuration.uplinkConfiguration() else { return [] }
        _ = try configuration.uplinkToken()  // a missing or unreadable uplink.token_file stops the hub at start, naming the key
        let replica = try openReplica(node, uplink: uplink, file: file ?? "configuration")
        let client: HubHTTPClient
        do {
            client = try NodeClientFactory.client(node)
        } catch {
            throw ConfigError(file: file ?? "configuration", key: "uplink.url", message: "\(error)")
        }
        let logger = { var tagged = logger; tagged[metadataKey: "uplink"] = "\(uplink.unit) at \(uplink.url)"; return tagged }()
        let session = SyncSession(replica: replica, client: client, batchChanges: node.sync.batchChanges,
                                  batchBytes: node.sync.batchBytes, logger: logger)
        let files = FileSync(replica: replica, client: client, store: FileStore(dataDirectory: node.dataDirectory),
                             requestSeconds: node.files.requestSeconds, retentionDays: node.files.retentionDays, logger: logger)
        let ranks = NationalRank(uplink: replica, hub: hubReplica, index: uplink.index, source: "national hub \(uplink.url)")
        let copy: @Sendable () -> Void = {
            do {
                let years = try ranks.copy(logger: logger)
                if !years.isEmpty {
                    signal.notify()  // the districts' live pulls carry the new rank at once
                    logger.notice("uplink: national results of \(years.map(String.init).joined(separator: ", ")) recorded in external_indices")
                }
            } catch {
                logger.error("uplink: cannot record the national results in external_indices: \(error)")
            }
        }
        let trigger = SyncTrigger()
        let loop = SyncLoop(session: session, settings: node.sync, trigger: trigger, metrics: nil, logger: logger, files: files,
                            onRound: { result in
            switch result {
            case .success(let report):
                copy()
                if report.refusedChanges > 0 {
                    logger.warning("uplink: the national hub refused \(report.refusedChanges) change(s): `reformsync quarantine list --uplink`")
                }
            case .failure(let error):
                logger.warning("uplink: \(error.message)")
            }
        }, onLivePull: { _ in copy() })
        logger.notice("uplink: syncing unit \(uplink.unit) with the national hub \(uplink.url) every \(Int(uplink.intervalSeconds)) s")
        return [loop, ExternalWriteWatcher(writer: replica.writer, trigger: trigger, logger: logger)]
    }

    /// Opens the uplink replica, creating it on first start (a node replica of `uplink.unit`).
    static func openReplica(_ node: ReformsyncConfiguration, uplink: UplinkSettings, file: String) throws -> Replica {
        if !FileManager.default.fileExists(atPath: node.replicaPath) {
            try FileManager.default.createDirectory(atPath: node.dataDirectory, withIntermediateDirectories: true)
            _ = try Replica.create(path: node.replicaPath, unit: uplink.unit, role: .node)
        }
        let replica = try Replica.open(path: node.replicaPath, maxClockSkewMillis: node.maxClockSkewMillis)
        guard replica.role == .node, replica.unit == uplink.unit else {
            throw ConfigError(file: file, key: "uplink.unit", message: "\(node.replicaPath) serves unit \(replica.unit), not \(uplink.unit): "
                + "a province keeps one unit code at the national hub; if the code really changed, move that folder aside first")
        }
        return replica
    }
}
