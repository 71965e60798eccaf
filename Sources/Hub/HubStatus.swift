import Foundation
import GRDB
import ReformData
import Replica
import WireProtocol

/// What `reformsync status` reports at the hub: the hub process itself (from `hub.json`) and its
/// node registry — each node's unit, site, last contact, clock offset, refused changes, software.
///
/// Read from the replica and the state file, so it works whether or not the hub runs (and says
/// which). Health: `healthy`; `degraded` (exit 1) when the hub is not running or a node's clock is
/// off by more than the skew bound; `error` (exit 2) when the replica cannot be read.
public struct HubStatus: Encodable, Sendable {
    public enum Health: String, Codable, Sendable {
        case healthy, degraded, error

        public var exitCode: Int32 {
            switch self {
            case .healthy: return 0
            case .degraded: return 1
            case .error: return 2
            }
        }
    }

    /// One node of the registry, as the hub last saw it.
    public struct NodeLine: Encodable, Sendable, Equatable {
        public var unit: String
        public var site: String
        public var lastSeenAt: String?
        public var lastSeenAgeSeconds: Double?
        public var clockOffsetMs: Int64?
        public var changesReceived: Int64
        public var changesRefused: Int64
        public var software: String?

        enum CodingKeys: String, CodingKey {
            case unit, site, lastSeenAt = "last_seen_at", lastSeenAgeSeconds = "last_seen_age_seconds", clockOffsetMs = "clock_offset_ms"
            case changesReceived = "changes_received", changesRefused = "changes_refused", software
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(unit, forKey: .unit)
            try c.encode(site, forKey: .site)
            try c.encode(lastSeenAt, forKey: .lastSeenAt)
            try c.encode(lastSeenAgeSeconds, forKey: .lastSeenAgeSeconds)
            try c.encode(clockOffsetMs, forKey: .clockOffsetMs)
            try c.encode(changesReceived, forKey: .changesReceived)
            try c.encode(changesRefused, forKey: .changesRefused)
            try c.encode(software, forKey: .software)
        }
    }

    public var health: Health
    public var problems: [String]
    public var role = "hub"
    public var unit: String?
    public var site: String?
    public var hubVersion: Int64?
    public var protocolVersion: Int
    public var schemaVersion: Int?
    public var replicaBytes: Int64?
    public var hubRunning: Bool
    public var hubPID: Int32?
    public var hubUptimeSeconds: Double?
    public var listening: String?
    public var software: String?
    public var nodes: [NodeLine]

    enum CodingKeys: String, CodingKey {
        case health, problems, role, unit, site, hubVersion = "hub_version", protocolVersion = "protocol_version", schemaVersion = "schema_version"
        case replicaBytes = "replica_bytes", hubRunning = "hub_running", hubPID = "hub_pid", hubUptimeSeconds = "hub_uptime_seconds"
        case listening, software, nodes
    }

    /// Every key is always present (`null` when unknown), as for the node's status.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(health, forKey: .health)
        try c.encode(problems, forKey: .problems)
        try c.encode(role, forKey: .role)
        try c.encode(unit, forKey: .unit)
        try c.encode(site, forKey: .site)
        try c.encode(hubVersion, forKey: .hubVersion)
        try c.encode(protocolVersion, forKey: .protocolVersion)
        try c.encode(schemaVersion, forKey: .schemaVersion)
        try c.encode(replicaBytes, forKey: .replicaBytes)
        try c.encode(hubRunning, forKey: .hubRunning)
        try c.encode(hubPID, forKey: .hubPID)
        try c.encode(hubUptimeSeconds, forKey: .hubUptimeSeconds)
        try c.encode(listening, forKey: .listening)
        try c.encode(software, forKey: .software)
        try c.encode(nodes, forKey: .nodes)
    }

    /// How long before the last token of a unit expires `status` starts warning: a week, the
    /// default grace of `hub token rotate`.
    public static let tokenWarningSeconds: TimeInterval = 7 * 86_400

    /// Units whose every active node token expires within ``tokenWarningSeconds``: their nodes
    /// stop syncing then (401), so the operator is told while there is time to rotate. A unit
    /// in the middle of a rotation has a new token that outlives the old one, and is not listed.
    static func expiringUnits(_ tokens: [TokenAuthority.Token], now: Date) -> [String] {
        let active = tokens.filter { $0.kind == .node && $0.revokedAt == nil && !$0.isExpired(at: now) }
        return Dictionary(grouping: active, by: \.unit).sorted { $0.key < $1.key }.compactMap { unit, tokens in
            let expiries = tokens.map { $0.expiresAt.flatMap(Timestamp.date) }
            guard !expiries.contains(where: { $0 == nil }), let last = expiries.compactMap({ $0 }).max(),
                  last.timeIntervalSince(now) < tokenWarningSeconds else { return nil }
            return "every token of \(unit) expires by \(Timestamp.string(last)): its node stops syncing then; issue a new one with `reformsync hub token rotate --unit \(unit)`"
        }
    }

    /// Reads everything; never throws: a replica that cannot be read is itself the status (error).
    /// - Parameter maxClockSkewMillis: a node whose clock is further off is a problem (degraded).
    public static func gather(replicaPath: String, dataDirectory: String, maxClockSkewMillis: Int64, now: Date = Date()) -> HubStatus {
        let hub = HubStateFile.running(dataDirectory: dataDirectory)
        var status = HubStatus(health: .healthy, problems: [], protocolVersion: ProtocolVersion.current, hubRunning: hub != nil,
                               hubPID: hub?.pid, hubUptimeSeconds: hub.map { max(0, now.timeIntervalSince($0.startedAt)) },
                               listening: hub?.listening, software: hub?.software, nodes: [])
        do {
            let replica = try Replica.open(path: replicaPath)
            status.unit = replica.unit
            status.site = replica.site.rawValue
            status.schemaVersion = replica.schema.version
            status.replicaBytes = ["", "-wal", "-shm"].compactMap {
                (try? FileManager.default.attributesOfItem(atPath: replicaPath + $0))?[.size] as? Int64
            }.reduce(0, +)
            status.hubVersion = try replica.writer.read { db in try Int64.fetchOne(db, sql: "SELECT version FROM _rs_state") }
            status.problems += try expiringUnits(TokenAuthority(writer: replica.writer).list(), now: now)
            status.nodes = try NodeRegistry(writer: replica.writer).nodes().map { node in
                NodeLine(unit: node.unit, site: node.site, lastSeenAt: node.lastSeenAt,
                         lastSeenAgeSeconds: node.lastSeenAt.flatMap(Timestamp.date).map { max(0, now.timeIntervalSince($0)) },
                         clockOffsetMs: node.clockOffsetMs, changesReceived: node.changesReceived, changesRefused: node.changesRefused,
                         software: node.software)
            }
        } catch {
            status.health = .error
            status.problems.append("cannot read the hub's replica at \(replicaPath): \(error)")
            return status
        }
        if !status.problems.isEmpty { status.health = .degraded }
        if !status.hubRunning {
            status.health = .degraded
            status.problems.append("the hub is not running (status read from the replica directly): start it with `reformsync hub`")
        }
        for node in status.nodes {
            if let offset = node.clockOffsetMs, offset.magnitude > maxClockSkewMillis.magnitude {
                status.health = .degraded
                status.problems.append("the clock of \(node.unit) (site \(node.site)) is off by \(offset / 1000) s: its changes stamped ahead are refused; fix its NTP")
            }
        }
        return status
    }
}
