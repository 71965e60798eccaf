import FileStore
import Foundation
import ReformData
import NodeSync
import ReformsyncConfig
import Replica
import WireProtocol

/// What `reformsync status` reports: whether a node is healthy and in sync, at a glance.
///
/// Gathered from the replica file and the daemon's state file, so it works whether or not the
/// daemon runs (and says which).
public struct NodeStatus: Codable, Sendable {
    public enum Health: String, Codable, Sendable {
        case healthy, degraded, error

        /// The exit code monitoring relies on: 0 healthy, 1 degraded, 2 error.
        public var exitCode: Int32 {
            switch self {
            case .healthy: return 0
            case .degraded: return 1
            case .error: return 2
            }
        }
    }

    public var health: Health
    /// Why the node is not healthy (empty when healthy).
    public var problems: [String]
    public var unit: String?
    public var site: String?
    public var role: String?
    public var hubURL: String?
    /// Whether the hub answered at the last attempt (nil: never tried).
    public var hubReachable: Bool?
    public var lastSyncAt: String?
    public var lastSyncAgeSeconds: Double?
    public var pendingChanges: Int?
    public var pendingBytes: Int?
    public var hubVersion: Int64?
    public var pulledPosition: Int64?
    /// Hub versions not yet pulled (as of the last contact).
    public var hubLag: Int64?
    public var quarantined: Int?
    /// Fields this replica stamped beyond wall clock + skew (refused by the hub until `clock repair`).
    public var ownChangesAhead: Int?
    /// When `reformsync clock repair` last ran, and how many fields it re-stamped.
    public var clockRepairedAt: String?
    public var clockRepairRestamped: Int?
    public var lastError: String?
    public var lastErrorAt: String?
    public var clockOffsetMs: Int64?
    public var clockWarning: String?
    public var protocolVersion: Int
    public var schemaVersion: Int?
    public var replicaBytes: Int64?
    public var daemonRunning: Bool
    public var daemonPID: Int32?
    public var daemonUptimeSeconds: Double?
    public var daemonAPI: String?
    /// This binary's version (``ReformsyncVersion``), and the running daemon's (from daemon.json):
    /// they differ after the binary was replaced but before the daemon was restarted.
    public var software: String = ReformsyncVersion.software
    public var daemonSoftware: String?
    /// The unit's assessment season: phase, next deadline, days left (Protocol §17).
    public var season: SeasonStatus?
    /// Evidence files still to send or receive, and refused ones (Protocol §16).
    public var files: EvidenceBacklog?

    enum CodingKeys: String, CodingKey {
        case health, problems, unit, site, role, hubURL = "hub_url", hubReachable = "hub_reachable", lastSyncAt = "last_sync_at"
        case lastSyncAgeSeconds = "last_sync_age_seconds", pendingChanges = "pending_changes", pendingBytes = "pending_bytes"
        case hubVersion = "hub_version", pulledPosition = "pulled_position", hubLag = "hub_lag", quarantined
        case ownChangesAhead = "own_changes_ahead", clockRepairedAt = "clock_repaired_at", clockRepairRestamped = "clock_repair_restamped"
        case lastError = "last_error", lastErrorAt = "last_error_at", clockOffsetMs = "clock_offset_ms", clockWarning = "clock_warning"
        case protocolVersion = "protocol_version", schemaVersion = "schema_version", replicaBytes = "replica_bytes"
        case daemonRunning = "daemon_running", daemonPID = "daemon_pid", daemonUptimeSeconds = "daemon_uptime_seconds", daemonAPI = "daemon_api"
        case software, daemonSoftware = "daemon_software", season, files
    }

    /// Every key is always present (`null` when unknown), so monitoring scripts see one stable shape.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(health, forKey: .health)
        try c.encode(problems, forKey: .problems)
        try c.encode(unit, forKey: .unit)
        try c.encode(site, forKey: .site)
        try c.encode(role, forKey: .role)
        try c.encode(hubURL, forKey: .hubURL)
        try c.encode(hubReachable, forKey: .hubReachable)
        try c.encode(lastSyncAt, forKey: .lastSyncAt)
        try c.encode(lastSyncAgeSeconds, forKey: .lastSyncAgeSeconds)
        try c.encode(pendingChanges, forKey: .pendingChanges)
        try c.encode(pendingBytes, forKey: .pendingBytes)
        try c.encode(hubVersion, forKey: .hubVersion)
        try c.encode(pulledPosition, forKey: .pulledPosition)
        try c.encode(hubLag, forKey: .hubLag)
        try c.encode(quarantined, forKey: .quarantined)
        try c.encode(ownChangesAhead, forKey: .ownChangesAhead)
        try c.encode(clockRepairedAt, forKey: .clockRepairedAt)
        try c.encode(clockRepairRestamped, forKey: .clockRepairRestamped)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(lastErrorAt, forKey: .lastErrorAt)
        try c.encode(clockOffsetMs, forKey: .clockOffsetMs)
        try c.encode(clockWarning, forKey: .clockWarning)
        try c.encode(protocolVersion, forKey: .protocolVersion)
        try c.encode(schemaVersion, forKey: .schemaVersion)
        try c.encode(replicaBytes, forKey: .replicaBytes)
        try c.encode(daemonRunning, forKey: .daemonRunning)
        try c.encode(daemonPID, forKey: .daemonPID)
        try c.encode(daemonUptimeSeconds, forKey: .daemonUptimeSeconds)
        try c.encode(daemonAPI, forKey: .daemonAPI)
        try c.encode(software, forKey: .software)
        try c.encode(daemonSoftware, forKey: .daemonSoftware)
        try c.encode(season, forKey: .season)
        try c.encode(files, forKey: .files)
    }

    /// Reads everything; never throws: a replica that cannot be read is itself the status (error).
    public static func gather(configuration: ReformsyncConfiguration, now: Date = Date()) -> NodeStatus {
        let daemon = DaemonStateFile.running(dataDirectory: configuration.dataDirectory)
        var status = NodeStatus(health: .healthy, problems: [], unit: configuration.unit, hubURL: configuration.hub.url,
                                protocolVersion: ProtocolVersion.current, daemonRunning: daemon != nil, daemonPID: daemon?.pid,
                                daemonUptimeSeconds: daemon.map { now.timeIntervalSince($0.startedAt) }, daemonAPI: daemon?.api)
        status.daemonSoftware = daemon?.software
        // The files' size even when the replica cannot be opened (e.g. not writable by this user).
        status.replicaBytes = ["", "-wal", "-shm"].compactMap {
            (try? FileManager.default.attributesOfItem(atPath: configuration.replicaPath + $0))?[.size] as? Int64
        }.reduce(0, +)
        let replica: Replica
        do {
            replica = try Replica.open(path: configuration.replicaPath, maxClockSkewMillis: configuration.maxClockSkewMillis)
        } catch {
            status.health = .error
            status.problems.append("cannot open the replica: \(error)")
            return status
        }
        status.unit = replica.unit
        status.site = replica.site.rawValue
        status.role = replica.role.rawValue
        status.schemaVersion = replica.schema.version
        do {
            let meta = try replica.allMeta()
            status.lastSyncAt = meta["last_sync_ok_at"]
            let lastSync = meta["last_sync_ok_at"].flatMap(Timestamp.date)
            status.lastSyncAgeSeconds = lastSync.map { now.timeIntervalSince($0) }
            status.lastError = meta["last_error"]
            status.lastErrorAt = meta["last_error_at"]
            status.clockOffsetMs = meta["clock_offset_ms"].flatMap { Int64($0) }
            status.clockWarning = meta["clock_warning"]
            status.hubVersion = meta["hub_version"].flatMap { Int64($0) }
            status.pulledPosition = try replica.cursor("pull").position
            if let hub = status.hubVersion, let pulled = status.pulledPosition { status.hubLag = max(0, hub - pulled) }
            if meta["last_handshake_at"] != nil || status.lastError != nil { status.hubReachable = status.lastError.map { $0.contains("hub answered HTTP") } ?? true }
            status.quarantined = try replica.quarantineCount()
            status.ownChangesAhead = try replica.ownChangesAhead()
            status.clockRepairedAt = meta["clock_repaired_at"]
            status.clockRepairRestamped = meta["clock_repair_restamped"].flatMap { Int($0) }
            if replica.role == .node {
                status.season = try SeasonStatus.of(replica, unit: replica.unit, now: Replica.systemMillis())
            }
            if replica.role == .node {
                let pending = try SyncSession.pending(replica, measuringBytes: true)
                status.pendingChanges = pending.count
                status.pendingBytes = pending.bytes
                status.files = try EvidenceBacklog.measure(replica: replica, store: FileStore(dataDirectory: configuration.dataDirectory), now: now)
            }
        } catch {
            status.health = .error
            status.problems.append("cannot read the replica's sync state: \(error)")
            return status
        }
        if let message = daemon?.lastError, let at = daemon?.lastErrorAt {
            status.adopt(FailureMemory.Failure(message: message, at: at))
        }
        status.assess(configuration: configuration)
        return status
    }

    /// Takes the daemon's own record of a failed round when the replica holds none as recent:
    /// the failure may be the replica's (disk full), which then could not record it.
    mutating func adopt(_ failure: FailureMemory.Failure?) {
        guard let failure else { return }
        if let lastSync = lastSyncAt.flatMap(Timestamp.date), lastSync > failure.at { return }
        if let recorded = lastErrorAt.flatMap(Timestamp.date), recorded >= failure.at.addingTimeInterval(-1), lastError != nil { return }
        lastError = failure.message
        lastErrorAt = Timestamp.string(failure.at)
        hubReachable = nil
    }

    /// ``adopt(_:)`` then assess again (the daemon's `GET /status`, with its failure in memory).
    public mutating func include(_ failure: FailureMemory.Failure?, configuration: ReformsyncConfiguration) {
        adopt(failure)
        assess(configuration: configuration)
    }

    /// Healthy, degraded or error, with the reasons.
    mutating func assess(configuration: ReformsyncConfiguration) {
        var problems: [String] = []
        var health = Health.healthy
        func degrade(_ problem: String) {
            problems.append(problem)
            if health == .healthy { health = .degraded }
        }
        if role == "node" {
            if configuration.hub.url == nil { degrade("no hub.url configured: this node never syncs") }
            if let error = lastError {
                problems.append("last sync failed: \(error)")
                health = .error
            }
            if lastSyncAt == nil {
                degrade("never synced with the hub")
            } else if let age = lastSyncAgeSeconds, age > configuration.status.maxSyncAgeSeconds {
                degrade("no successful sync for \(Int(age)) s (threshold \(Int(configuration.status.maxSyncAgeSeconds)) s)")
            }
            if !daemonRunning { degrade("the daemon is not running (status read from the replica directly)") }
        }
        if let quarantined, quarantined > 0 { degrade("\(quarantined) change(s) refused by the hub are in quarantine: reformsync quarantine list") }
        if let clockWarning { degrade(clockWarning) }
        if let refused = files?.refused, let first = refused.first {
            degrade("\(refused.count) evidence file(s) cannot travel: \(first.sha256.prefix(12))… \(first.code): \(first.reason) (reformsync files list)")
        }
        if let ownChangesAhead, ownChangesAhead > 0 {
            degrade("\(ownChangesAhead) field(s) written here are stamped ahead of this server's clock and the hub refuses them: "
                    + "fix the clock (NTP), then run `reformsync clock repair`")
        }
        self.health = health
        self.problems = problems
    }
}
