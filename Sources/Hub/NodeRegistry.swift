import Foundation
import ReformData
import GRDB

/// What the hub knows of each node: when it last synced, its clock offset, how far it pushed.
///
/// Kept beside the replica (not replicated): `reformsync status` at the hub and the dashboard's
/// sync-freshness table read it.
public struct NodeRegistry: Sendable {
    public let writer: any DatabaseWriter

    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try writer.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS _hub_nodes (
                    site TEXT PRIMARY KEY, unit TEXT NOT NULL, software TEXT,
                    last_handshake_at TEXT, last_push_at TEXT, last_pull_at TEXT,
                    clock_offset_ms INTEGER, pushed_through INTEGER, pulled_position INTEGER,
                    changes_received INTEGER NOT NULL DEFAULT 0, changes_refused INTEGER NOT NULL DEFAULT 0)
                """)
            try Self.addAcknowledgedColumn(db)
        }
    }

    public struct Node: Sendable, Equatable, Codable {
        public var site: String
        public var unit: String
        public var software: String?
        public var lastHandshakeAt: String?
        public var lastPushAt: String?
        public var lastPullAt: String?
        public var clockOffsetMs: Int64?
        public var pushedThrough: Int64?
        public var pulledPosition: Int64?
        public var changesReceived: Int64
        public var changesRefused: Int64

        /// The latest of handshake, push and pull.
        public var lastSeenAt: String? { [lastHandshakeAt, lastPushAt, lastPullAt].compactMap { $0 }.max() }
    }

    static func now() -> String { Timestamp.string() }

    /// Binds `site` to `unit` the first time the hub sees it; afterwards only that unit may use
    /// it (Protocol/README.md §7.4). Another unit's claim throws 403 `site_taken` — which, inside
    /// the request's transaction, also undoes whatever the request had done.
    ///
    /// Without this, any unit could write its handshakes under another node's site and take over
    /// its line on the dashboard and in `status`. A site is only ever re-bound by an operator
    /// deleting the registry row (a replaced server uses a new site anyway).
    public func bind(_ db: Database, site: String, unit: String) throws {
        try db.execute(sql: "INSERT INTO _hub_nodes(site, unit) VALUES (?, ?) ON CONFLICT(site) DO NOTHING", arguments: [site, unit])
        let bound = try String.fetchOne(db, sql: "SELECT unit FROM _hub_nodes WHERE site = ?", arguments: [site]) ?? unit
        guard bound == unit else {
            throw HubError(status: 403, code: "site_taken",
                           message: "site \(site) belongs to unit \(bound) at this hub, not to \(unit): a node keeps the site id `reformsync init` gave it; if this server was reinstalled for another unit, run `reformsync init` again to get a new site")
        }
    }

    func recordHandshake(_ db: Database, site: String, unit: String, software: String?, clockOffsetMs: Int64) throws {
        try bind(db, site: site, unit: unit)
        try db.execute(sql: "UPDATE _hub_nodes SET last_handshake_at = ?, software = ?, clock_offset_ms = ? WHERE site = ?",
                       arguments: [Self.now(), software, clockOffsetMs, site])
    }

    func recordPush(_ db: Database, site: String, unit: String, through: Int64, received: Int, refused: Int) throws {
        try bind(db, site: site, unit: unit)
        try db.execute(sql: """
            UPDATE _hub_nodes SET last_push_at = ?, pushed_through = MAX(COALESCE(pushed_through, 0), ?), changes_received = changes_received + ?,
                changes_refused = changes_refused + ? WHERE site = ?
            """, arguments: [Self.now(), through, received, refused, site])
    }

    /// How far the hub has recorded `site`'s pushes (`through.position`); nil when never.
    func pushedThrough(_ db: Database, site: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT pushed_through FROM _hub_nodes WHERE site = ?", arguments: [site])
    }

    func recordPull(_ db: Database, site: String, unit: String, position: Int64) throws {
        try bind(db, site: site, unit: unit)
        try db.execute(sql: "UPDATE _hub_nodes SET last_pull_at = ?, pulled_position = ? WHERE site = ?", arguments: [Self.now(), position, site])
    }

    public func nodes() throws -> [Node] {
        try writer.read(Self.allNodes)
    }

    /// ``nodes()`` for request handlers: awaits a connection instead of blocking a thread.
    public func nodes() async throws -> [Node] {
        try await writer.read(Self.allNodes)
    }

    @Sendable static func allNodes(_ db: Database) throws -> [Node] {
            try Row.fetchAll(db, sql: """
                SELECT site, unit, software, last_handshake_at, last_push_at, last_pull_at, clock_offset_ms,
                       pushed_through, pulled_position, changes_received, changes_refused FROM _hub_nodes ORDER BY unit, site
                """).map {
                Node(site: $0[0], unit: $0[1], software: $0[2], lastHandshakeAt: $0[3], lastPushAt: $0[4], lastPullAt: $0[5],
                     clockOffsetMs: $0[6], pushedThrough: $0[7], pulledPosition: $0[8], changesReceived: $0[9], changesRefused: $0[10])
            }
    }
}
