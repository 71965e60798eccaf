import Foundation
import GRDB
import ReformData

/// Each node's acknowledged position (Protocol/README.md §19.2): the hub version through which the
/// node has pulled and committed — the cursor it sends with a pull, which it saves only with the
/// page before. The watermark of compaction is the lowest of the nodes seen within the retention.
extension NodeRegistry {
    static func addAcknowledgedColumn(_ db: Database) throws {
        let columns = Set(try db.columns(in: "_hub_nodes").map(\.name))
        if !columns.contains("schema_version") {
            // The schema each node's last handshake declared: pulls of older nodes are narrowed to it.
            try db.execute(sql: "ALTER TABLE _hub_nodes ADD COLUMN schema_version INTEGER")
        }
        if !columns.contains("acknowledged_position") {
            try db.execute(sql: "ALTER TABLE _hub_nodes ADD COLUMN acknowledged_position INTEGER")
            // Nodes that pulled before the column existed acknowledged something, but not what: 0.
            try db.execute(sql: "UPDATE _hub_nodes SET acknowledged_position = 0 WHERE pulled_position IS NOT NULL")
        }
    }

    func recordSchema(_ db: Database, site: String, schema: Int) throws {
        try db.execute(sql: "UPDATE _hub_nodes SET schema_version = ? WHERE site = ?", arguments: [schema, site])
    }

    func schema(_ db: Database, site: String) throws -> Int? {
        try Int.fetchOne(db, sql: "SELECT schema_version FROM _hub_nodes WHERE site = ?", arguments: [site])
    }

    /// Records that `site` has committed everything through `position` (never goes back).
    func recordAcknowledged(_ db: Database, site: String, position: Int64) throws {
        try db.execute(sql: "UPDATE _hub_nodes SET acknowledged_position = MAX(COALESCE(acknowledged_position, 0), ?) WHERE site = ?",
                       arguments: [position, site])
    }

    /// The site's acknowledged position; nil for a site that never pulled (new, or started from a
    /// snapshot: it holds nothing older than the snapshot) or that the hub never saw.
    func acknowledged(_ db: Database, site: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT acknowledged_position FROM _hub_nodes WHERE site = ?", arguments: [site])
    }

    /// A node as compaction sees it.
    public struct Acknowledgement: Sendable, Codable, Equatable {
        public var site: String
        public var unit: String
        public var acknowledged: Int64
        public var lastSeenAt: String?
        /// Seen within the retention: its acknowledgement holds the watermark back.
        public var active: Bool

        enum CodingKeys: String, CodingKey { case site, unit, acknowledged, lastSeenAt = "last_seen_at", active }
    }

    /// Every node with its acknowledged position, active when seen since `since` (ISO 8601).
    func acknowledgements(_ db: Database, since: String) throws -> [Acknowledgement] {
        try Row.fetchAll(db, sql: """
            SELECT site, unit, COALESCE(acknowledged_position, 0),
                   MAX(COALESCE(last_handshake_at, ''), COALESCE(last_push_at, ''), COALESCE(last_pull_at, '')) FROM _hub_nodes ORDER BY unit, site
            """).map { row in
            let seen: String = row[3]
            return Acknowledgement(site: row[0], unit: row[1], acknowledged: row[2], lastSeenAt: seen.isEmpty ? nil : seen, active: seen >= since)
        }
    }
}
