import CRDT
import Foundation
import ReformData
import GRDB

/// A change the hub refused, kept visible on the node (never dropped silently).
public struct QuarantinedChange: Sendable, Equatable {
    /// A number naming the entry in `quarantine retry|discard ID` (stable while the entry stays).
    public var id: Int64
    public var table: String
    public var key: String
    public var column: String?
    public var value: Value
    public var hlc: HLC
    public var site: String
    public var code: String
    public var reason: String
    public var refusedAt: String
}

extension QuarantinedChange {
    /// From `SELECT rowid, tbl, key, col, value, hlc, site, code, reason, refused_at FROM _rs_quarantine`.
    init(row: Row) {
        self.init(id: row[0], table: row[1], key: row[2], column: row[3], value: TableStore.value(row[4]),
                  hlc: HLC(rawValue: UInt64(bitPattern: row[5] as Int64)), site: row[6], code: row[7], reason: row[8], refusedAt: row[9])
    }
}

extension Replica {
    // MARK: Cursors

    /// A named sync cursor (e.g. "push", "pull"); `.start` when never saved.
    public func cursor(_ name: String) throws -> ChangeCursor {
        try writer.read { db in try cursor(name, db) }
    }

    public func cursor(_ name: String, _ db: Database) throws -> ChangeCursor {
        let baseline = try Int64.fetchOne(db, sql: "SELECT value FROM _rs_cursors WHERE name = ?", arguments: [name + ".baseline"]) ?? 0
        let position = try Int64.fetchOne(db, sql: "SELECT value FROM _rs_cursors WHERE name = ?", arguments: [name + ".position"]) ?? baseline
        return ChangeCursor(baseline: baseline, position: position)
    }

    /// Saves a cursor inside the caller's transaction, so it commits with what it records.
    public func setCursor(_ name: String, _ cursor: ChangeCursor, _ db: Database) throws {
        let sql = "INSERT INTO _rs_cursors(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value"
        try db.execute(sql: sql, arguments: [name + ".baseline", cursor.baseline])
        try db.execute(sql: sql, arguments: [name + ".position", cursor.position])
    }

    // MARK: Key-value sync state (last sync, last error, clock offset...)

    public func meta(_ key: String) throws -> String? {
        try writer.read { db in try String.fetchOne(db, sql: "SELECT value FROM _rs_meta WHERE key = ?", arguments: [key]) }
    }

    public func allMeta() throws -> [String: String] {
        try writer.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM _rs_meta").map { ($0[0] as String, $0[1] as String) })
        }
    }

    public func setMeta(_ values: [String: String?], _ db: Database) throws {
        for (key, value) in values {
            if let value {
                try db.execute(sql: "INSERT INTO _rs_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM _rs_meta WHERE key = ?", arguments: [key])
            }
        }
    }

    public func setMeta(_ values: [String: String?]) throws {
        try writer.write { db in try setMeta(values, db) }
    }

    // MARK: Quarantine

    /// Records changes the hub refused, in the caller's transaction.
    public func quarantine(_ changes: [(change: Change, code: String, reason: String)], _ db: Database) throws {
        let now = Timestamp.string()
        for item in changes {
            try db.execute(sql: """
                INSERT INTO _rs_quarantine(tbl, key, col, value, hlc, site, code, reason, refused_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(tbl, key, col, hlc, site) DO UPDATE SET code = excluded.code, reason = excluded.reason
                """, arguments: [item.change.table, item.change.key, item.change.column, TableStore.databaseValue(item.change.value),
                                 Int64(bitPattern: item.change.hlc.rawValue), item.change.site.rawValue, item.code, item.reason, now])
        }
    }

    /// Every change the hub refused, newest first.
    public func quarantined() throws -> [QuarantinedChange] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT rowid, tbl, key, col, value, hlc, site, code, reason, refused_at FROM _rs_quarantine ORDER BY refused_at DESC, tbl, key, col")
                .map(QuarantinedChange.init(row:))
        }
    }

    public func quarantineCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM _rs_quarantine") ?? 0 }
    }

    // MARK: Which changes a node pushes

    /// Sites whose changes this replica passes on to the hub: its own, and those it imported from
    /// files (the hub may not have them). Changes pulled from the hub are not sent back.
    public func pushSites() throws -> Set<SiteID> {
        try writer.read { db in
            Set(try String.fetchAll(db, sql: "SELECT site FROM _rs_sites WHERE relay = 1").compactMap(SiteID.init)).union([site])
        }
    }

    /// Marks sites as relayed (their changes arrived by file, not from the hub).
    public func markRelayed(_ sites: some Sequence<SiteID>, _ db: Database) throws {
        for site in sites where site != self.site {
            try db.execute(sql: "UPDATE _rs_sites SET relay = 1 WHERE site = ?", arguments: [site.rawValue])
        }
    }
}
