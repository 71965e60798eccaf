import Foundation
import GRDB
import ReformData

/// What a compaction removed (or, in a dry run, would remove).
public struct CompactionReport: Sendable, Codable, Equatable {
    public struct TableCounts: Sendable, Codable, Equatable {
        public var table: String
        public var tombstones: Int
        public var historyEntries: Int

        enum CodingKeys: String, CodingKey { case table, tombstones, historyEntries = "history_entries" }
    }

    /// Local versions at or below this were compacted.
    public var watermark: Int64
    public var applied: Bool
    public var tombstones: Int
    public var historyEntries: Int
    public var tables: [TableCounts]

    enum CodingKeys: String, CodingKey { case watermark, applied, tombstones, historyEntries = "history_entries", tables }
}

extension Replica {
    /// The meta key holding the highest watermark tombstones were removed through: a node whose
    /// pull cursor is below it must start again from a snapshot (Protocol/README.md §19.2).
    public static let compactedThroughKey = "compacted_through"

    /// Compacts ``Compaction/compactableTables`` at local versions ≤ `watermark`, in one
    /// transaction: their history entries, and (when `tombstones`) their deleted rows with those
    /// rows' history. Rows with a change in quarantine keep their history (a discard needs it).
    /// A dry run (`apply` false) counts and rolls back.
    public func compact(through watermark: Int64, tombstones: Bool, apply: Bool) throws -> CompactionReport {
        var report = CompactionReport(watermark: watermark, applied: apply, tombstones: 0, historyEntries: 0, tables: [])
        try writer.writeWithoutTransaction { db in
            try db.inTransaction {
                for table in schema.tables where Compaction.compactableTables.contains(table.name) {
                    let name = SQL.quote(table.name)
                    var counts = CompactionReport.TableCounts(table: table.name, tombstones: 0, historyEntries: 0)
                    let quarantined = "NOT EXISTS (SELECT 1 FROM _rs_quarantine AS q WHERE q.tbl = h.tbl AND q.key = h.key)"
                    if tombstones {
                        try db.execute(sql: """
                            DELETE FROM _rs_history AS h WHERE h.tbl = ? AND h.key IN (SELECT id FROM \(name) WHERE _cl % 2 = 0 AND _v <= ?)
                              AND \(quarantined)
                            """, arguments: [table.name, watermark])
                        counts.historyEntries += db.changesCount
                        try db.execute(sql: """
                            DELETE FROM \(name) WHERE _cl % 2 = 0 AND _v <= ?
                              AND NOT EXISTS (SELECT 1 FROM _rs_quarantine AS q WHERE q.tbl = ? AND q.key = \(name).id)
                            """, arguments: [watermark, table.name])
                        counts.tombstones = db.changesCount
                    }
                    try db.execute(sql: "DELETE FROM _rs_history AS h WHERE h.tbl = ? AND h.version <= ? AND \(quarantined)",
                                   arguments: [table.name, watermark])
                    counts.historyEntries += db.changesCount
                    report.tombstones += counts.tombstones
                    report.historyEntries += counts.historyEntries
                    report.tables.append(counts)
                }
                guard apply else { return .rollback }
                if tombstones {
                    let before = try String.fetchOne(db, sql: "SELECT value FROM _rs_meta WHERE key = ?", arguments: [Self.compactedThroughKey])
                        .flatMap { Int64($0) } ?? 0
                    try setMeta([Self.compactedThroughKey: String(max(before, watermark))], db)
                }
                try setMeta(["last_compaction_at": Timestamp.string(),
                             "last_compaction": "\(report.tombstones) tombstone(s), \(report.historyEntries) history entries through \(watermark)"], db)
                return .commit
            }
        }
        return report
    }

    /// The watermark tombstones were removed through (0: never).
    public func compactedThrough(_ db: Database) throws -> Int64 {
        try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM _rs_meta WHERE key = ?"), arguments: [Self.compactedThroughKey]).flatMap { Int64($0) } ?? 0
    }

    /// Rewrites the file without its free pages (SQLite `VACUUM`): what compaction freed is
    /// given back to the disk. Takes a while and needs as much free space as the file.
    public func vacuum() throws {
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "VACUUM")
            // In WAL mode the rewritten pages sit in the -wal file until a checkpoint moves them.
            if try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal" { try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
    }
}
