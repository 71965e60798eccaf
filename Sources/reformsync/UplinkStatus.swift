import Daemon
import Foundation
import Hub
import ReformsyncConfig

/// The uplink's health in `reformsync status` at a provincial hub (Protocol §20.5): the node
/// status of its replica (last sync, waiting changes, refusals), judged as the hub's own problem.
struct UplinkStatus: Encodable {
    var nationalHub: String
    var unit: String
    /// The uplink replica's node status (`status --uplink` prints it whole).
    var node: NodeStatus
    var problems: [String]

    enum CodingKeys: String, CodingKey { case nationalHub = "national_hub", unit, node, problems }

    static func gather(_ configuration: ReformsyncConfiguration) -> UplinkStatus? {
        guard let uplink = configuration.uplink, let nodeConfiguration = configuration.uplinkConfiguration() else { return nil }
        let node = NodeStatus.gather(configuration: nodeConfiguration)
        var problems: [String] = []
        if node.role == nil {
            problems.append("uplink: no replica yet at \(nodeConfiguration.replicaPath): the hub creates it when it starts")
        } else {
            if let error = node.lastError {
                problems.append("uplink: the last sync with the national hub failed (\(node.lastErrorAt ?? "")): \(error)" + Self.hint(error, uplink))
            }
            if node.lastSyncAt == nil {
                problems.append("uplink: never synced with the national hub \(uplink.url)")
            } else if let age = node.lastSyncAgeSeconds, age > configuration.status.maxSyncAgeSeconds {
                problems.append("uplink: no sync with the national hub for \(StatusCommand.age(age)) (status.max_sync_age)")
            }
            if let quarantined = node.quarantined, quarantined > 0 {
                problems.append("uplink: \(quarantined) change(s) refused by the national hub: `reformsync quarantine list --uplink`")
            }
            if let refused = node.files?.refused, !refused.isEmpty {
                problems.append("uplink: \(refused.count) evidence file(s) refused: `reformsync files list --uplink`")
            }
        }
        return UplinkStatus(nationalHub: uplink.url, unit: uplink.unit, node: node, problems: problems)
    }

    /// What to check in the configuration for the usual refusals of a new uplink.
    static func hint(_ error: String, _ uplink: UplinkSettings) -> String {
        if error.contains("but the node says it is") {
            return " — check uplink.unit (\(uplink.unit)): it must be the unit the national hub issued the token for"
        }
        if error.contains("HTTP 401") {
            return " — check uplink.token_file: ask the national hub for a token (`reformsync hub token create --unit \(uplink.unit)` there)"
        }
        return ""
    }

    /// `status --uplink`: the uplink has no daemon, the provincial hub runs its loop; judged by the
    /// hub's process (DATA_DIR/hub.json) instead of a daemon's.
    static func ranByHub(_ node: NodeStatus, options: ReplicaOptions) throws -> NodeStatus {
        var hubOptions = options
        hubOptions.uplink = false
        let hub = HubStateFile.running(dataDirectory: try hubOptions.configuration().dataDirectory)
        var status = node
        status.problems.removeAll { $0.hasPrefix("the daemon is not running") }
        if let hub {
            status.daemonRunning = true
            status.daemonPID = hub.pid
            status.daemonUptimeSeconds = Date().timeIntervalSince(hub.startedAt)
            status.daemonSoftware = hub.software
        } else {
            status.problems.append("the provincial hub is not running, so neither is its uplink: start it with `reformsync hub`")
        }
        if status.health == .degraded && status.problems.isEmpty { status.health = .healthy }
        if status.health == .healthy && !status.problems.isEmpty { status.health = .degraded }
        return status
    }

    /// The rows `status` prints under the hub's.
    var lines: [String] {
        var text = "  uplink        \(unit) at \(nationalHub): "
        text += node.lastSyncAt.map { "last sync \($0) (\(StatusCommand.age(node.lastSyncAgeSeconds ?? 0)) ago)" } ?? "never synced"
        text += ", \(node.pendingChanges ?? 0) change(s) waiting, \(node.quarantined ?? 0) refused"
        if let files = node.files { text += ", \(files.waitingUpload) evidence file(s) to send" }
        if let error = node.lastError { text += "; LAST ERROR: \(error)" }
        return [text]
    }
}

/// `status --json` at a provincial hub: the hub's status with its uplink's beside it.
struct HubStatusWithUplink<Status: Encodable>: Encodable {
    var status: Status
    var uplink: UplinkStatus

    enum CodingKeys: String, CodingKey { case uplink }

    func encode(to encoder: any Encoder) throws {
        try status.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(uplink, forKey: .uplink)
    }
}
