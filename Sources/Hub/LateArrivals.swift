import CRDT
import GRDB
import ReformData

/// Season changes the hub accepted after their phase's deadline because they were written before
/// it (an office whose link was down; Protocol §17.2): what the appraiser sees, with the time each
/// was written (its stamp) and the time it reached the hub. Kept beside the replica, written in
/// the push's transaction; `reformsync season late` and the report read it.
public enum LateArrivals {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS _hub_late_arrivals (
                tbl TEXT NOT NULL, key TEXT NOT NULL, col TEXT, hlc INTEGER NOT NULL, site TEXT NOT NULL,
                unit TEXT NOT NULL, year INTEGER NOT NULL, arrived_ms INTEGER NOT NULL,
                PRIMARY KEY (tbl, key, col, hlc, site));
            """)
    }

    /// The deadline of the phase that governs `change` (nil: none, or no season).
    static func deadline(of change: Change, facts: SeasonFacts) -> UInt64? {
        guard let phase = SeasonPolicy.governance(table: change.table, column: change.column)?.phase,
              let year = SeasonPolicy.year(ofKey: change.key) else { return nil }
        return facts.seasons[year]?.closes(phase)
    }

    static func record(_ changes: [Change], unit: String, arrivedAt: UInt64, _ db: Database) throws {
        for change in changes {
            try db.execute(sql: "INSERT OR IGNORE INTO _hub_late_arrivals VALUES (?, ?, ?, ?, ?, ?, ?, ?)", arguments: [
                change.table, change.key, change.column, Int64(bitPattern: change.hlc.rawValue), change.site.rawValue, unit,
                SeasonPolicy.year(ofKey: change.key) ?? 0, Int64(clamping: arrivedAt)])
        }
    }

    /// One late, accepted change.
    public struct Entry: Sendable, Equatable {
        public var table: String
        public var key: String
        public var column: String?
        public var writtenMillis: UInt64
        public var site: String
        public var unit: String
        public var arrivedMillis: UInt64
    }

    /// The late arrivals of `year` (every unit, or one), oldest arrival first. Empty when the hub
    /// never kept any (the table is made by the hub server).
    public static func list(_ db: Database, year: Int, unit: String? = nil) throws -> [Entry] {
        guard try db.tableExists("_hub_late_arrivals") else { return [] }
        return try Row.fetchAll(db, sql: """
            SELECT tbl, key, col, hlc, site, unit, arrived_ms FROM _hub_late_arrivals
            WHERE year = ? AND (? IS NULL OR unit = ?) ORDER BY arrived_ms, tbl, key, col
            """, arguments: [year, unit, unit]).map {
            Entry(table: $0[0], key: $0[1], column: $0[2], writtenMillis: HLC(rawValue: UInt64(bitPattern: $0[3] as Int64)).millis,
                  site: $0[4], unit: $0[5], arrivedMillis: UInt64(max(0, $0[6] as Int64)))
        }
    }
}
