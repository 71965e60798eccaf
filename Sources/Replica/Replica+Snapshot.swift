import CRDT
import Foundation
import GRDB
import ReformData

/// What a snapshot file holds (Protocol/README.md §19.3).
public struct SnapshotContents: Sendable, Equatable {
    /// The hub's version when it was read: ordinary pulls continue from `(version, version)`.
    public var version: Int64
    /// Rows of data tables written (live and deleted).
    public var rows: Int64
}

extension Replica {
    /// Writes to a new SQLite file at `path` what `policy`'s unit may read — its rows of every data
    /// table (tombstones too, so deletes stay deletes), their history, and the site table the
    /// clocks refer to — all read in ONE transaction of this replica, so the file is the replica
    /// as of one version. The file has the replica's own tables (the ladder) but no identity row:
    /// ``installSnapshot(at:unit:site:cursor:meta:schema:)`` gives it one.
    ///
    /// Why SQL and not a page of changes: a new node would otherwise merge every change through
    /// the pull path, page by page; here SQLite copies rows as they are stored.
    public func writeSnapshot(to path: String, policy: ReadPolicy) throws -> SnapshotContents {
        guard FileManager.default.fileExists(atPath: location) else {
            throw ReplicaError.localWrite("a snapshot is read from a replica file, not from \(location)")
        }
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        // A scratch file: compressed, hashed and written elsewhere whole once built. Waiting for
        // the disk at each of its commits would cost more than copying the rows.
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: "PRAGMA journal_mode = MEMORY")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try Migrations.climb(queue, schema: schema)
        try queue.write { db in try Migrations.createDataTables(db, schema: schema) }
        return try queue.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS hub", arguments: [location])
            defer { try? db.execute(sql: "DETACH DATABASE hub") }
            var contents = SnapshotContents(version: 0, rows: 0)
            try db.inTransaction {
                // The first read of `hub` fixes its snapshot (WAL) until this transaction ends.
                contents.version = try Int64.fetchOne(db, sql: "SELECT version FROM hub._rs_state WHERE id = 1") ?? 0
                try db.execute(sql: "INSERT INTO main._rs_sites(idx, site, unit, relay) SELECT idx, site, unit, 0 FROM hub._rs_sites")
                let units = [policy.unit] + policy.predecessors.sorted()
                for table in schema.tables {
                    let name = SQL.quote(table.name)
                    let columns = (["id"] + table.columns.map(\.name) + ["_cl", "_hlc", "_v", "_clk"]).map(SQL.quote).joined(separator: ", ")
                    var filter = ""
                    var arguments: [any DatabaseValueConvertible] = []
                    let owned = table.ownerColumn.map { "\(SQL.quote($0)) IN (\(Array(repeating: "?", count: units.count).joined(separator: ", ")))" }
                    switch table.readScope {
                    case .everyone:
                        break
                    case .owner:
                        filter = "WHERE " + (owned ?? "0")
                        if owned != nil { arguments = units }
                    case .assigned:
                        filter = "WHERE " + (owned ?? "0") + " OR id IN (SELECT task FROM hub.task_assignees WHERE unit = ? AND _cl % 2 = 1)"
                        arguments = (owned != nil ? units : []) + [policy.unit]
                    }
                    try db.execute(sql: "INSERT INTO main.\(name) (\(columns)) SELECT \(columns) FROM hub.\(name) \(filter)",
                                   arguments: StatementArguments(arguments))
                    contents.rows += Int64(db.changesCount)
                    // From the few rows copied to their history (CROSS JOIN keeps that order), not the
                    // other way round through every unit's history.
                    try db.execute(sql: """
                        INSERT INTO main._rs_history SELECT h.* FROM main.\(name) AS t CROSS JOIN hub._rs_history AS h
                        ON h.tbl = ? AND h.key = t.id
                        """, arguments: [table.name])
                }
                return .commit
            }
            return contents
        }
    }

    /// Makes the snapshot file at `path` (from ``writeSnapshot(to:policy:)``, decompressed and
    /// verified) a node replica of `unit` with a fresh site, in one transaction: identity row,
    /// the node's site, cursors (pull from `cursor`, nothing of its own to push) and `meta` (the
    /// hub's site and epoch, so the next handshake knows it is the same hub). The file stays in
    /// rollback-journal mode (no `-wal` beside it), so the caller can move it into place whole
    /// and then ``open(path:schema:wallClock:maxClockSkewMillis:)`` it.
    public static func installSnapshot(at path: String, unit: String, site: SiteID = .random(), cursor: ChangeCursor,
                                       meta: [String: String], schema: Schema = ReformSchema.v1) throws {
        let pool = try DatabaseQueue(path: path)
        switch try pool.read({ db in try Migrations.ladderState(db) }) {
        case .current: break
        case .behind: try Migrations.climb(pool, schema: schema)
        case .ahead(let unknown): throw ReplicaError.formatTooNew(path: path, steps: unknown)
        }
        try pool.write { db in
            guard try db.tableExists("_rs_state"), try Int.fetchOne(db, sql: "SELECT 1 FROM _rs_state") == nil else {
                throw ReplicaError.corrupt("\(path) is not a snapshot waiting to be installed (it has an identity already, or no replica tables)")
            }
            try Migrations.createDataTables(db, schema: schema)
            var lastHLC: Int64 = 0
            for table in schema.tables {
                lastHLC = max(lastHLC, try Int64.fetchOne(db, sql: "SELECT MAX(_hlc) FROM \(SQL.quote(table.name))") ?? 0)
            }
            try db.execute(sql: "INSERT INTO _rs_state VALUES (1, ?, ?, 'node', ?, ?, ?, ?)",
                           arguments: [site.rawValue, unit.nfc, lastHLC, cursor.position, schema.version, Timestamp.string()])
            try db.execute(sql: "INSERT INTO _rs_sites(site, unit) VALUES (?, ?) ON CONFLICT(site) DO NOTHING", arguments: [site.rawValue, unit.nfc])
            let replicaCursors = "INSERT INTO _rs_cursors(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value"
            for (name, value) in [("pull.baseline", cursor.baseline), ("pull.position", cursor.position),
                                  ("push.baseline", cursor.position), ("push.position", cursor.position)] {
                try db.execute(sql: replicaCursors, arguments: [name, value])
            }
            for (key, value) in meta {
                try db.execute(sql: "INSERT INTO _rs_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               arguments: [key, value])
            }
        }
    }
}
