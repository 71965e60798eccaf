import CRDT
import Foundation
import GRDB
import ReformData

/// A file that `evidence_files` rows refer to, with what the replica knows of its transfer.
public struct EvidenceFileState: Sendable, Equatable {
    public var sha256: String
    public var size: Int64
    /// When the oldest live row referring to it was written (ms since 1970, from its clock).
    public var since: UInt64
    /// The hub acknowledged holding it complete (uploads only).
    public var uploaded: Bool
    /// Why it is not transferred, when it was refused: a code and a reason (else nil).
    public var refusalCode: String?
    public var refusalReason: String?
}

/// The evidence-file reads and the transfer bookkeeping (Protocol §16): which files rows refer
/// to, which this node has sent, which the hub refused. The SQL of `evidence_files` stays here.
extension Replica {
    /// Creates the transfer bookkeeping table and the index by hash (idempotent).
    public func ensureFileTables() throws {
        try writer.write { db in try Self.ensureFileTables(db) }
    }

    static func ensureFileTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS _rs_files (
                sha256 TEXT PRIMARY KEY NOT NULL, uploaded_at TEXT,
                refused_code TEXT, refused_reason TEXT, refused_at TEXT, unreferenced_since REAL);
            CREATE INDEX IF NOT EXISTS evidence_files__sha256 ON evidence_files(sha256);
            """)
    }

    /// Distinct files referred to by live `evidence_files` rows (of `unit` only, when given),
    /// with their transfer state.
    public func evidenceFiles(unit: String? = nil) throws -> [EvidenceFileState] {
        try writer.read { db in
            let hasTable = try db.tableExists("_rs_files")
            var sql = "SELECT e.sha256, MAX(e.size), MIN(e._hlc >> 16)"
            sql += hasTable ? ", f.uploaded_at IS NOT NULL, f.refused_code, f.refused_reason FROM evidence_files e LEFT JOIN _rs_files f ON f.sha256 = e.sha256"
                            : ", 0, NULL, NULL FROM evidence_files e"
            sql += " WHERE e._cl % 2 = 1 AND e.sha256 IS NOT NULL" + (unit == nil ? "" : " AND e.unit = ?") + " GROUP BY e.sha256 ORDER BY MIN(e._hlc >> 16), e.sha256"
            let arguments: StatementArguments = unit.map { [$0] } ?? []
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                EvidenceFileState(sha256: row[0], size: row[1] ?? 0, since: UInt64(max(0, row[2] as Int64? ?? 0)),
                                  uploaded: row[3] ?? false, refusalCode: row[4], refusalReason: row[5])
            }
        }
    }

    /// Bytes of distinct files `unit` refers to in live rows of `year` (the quota's count).
    public func evidenceBytes(unit: String, year: Int) throws -> Int64 {
        try writer.read { db in
            try Int64.fetchOne(db, sql: """
                SELECT COALESCE(SUM(size), 0) FROM (SELECT MAX(size) AS size FROM evidence_files
                WHERE _cl % 2 = 1 AND unit = ? AND year = ? GROUP BY sha256)
                """, arguments: [unit, year]) ?? 0
        }
    }

    /// Records that the hub holds `sha256` complete (and forgets an earlier refusal).
    public func markUploaded(_ sha256: String) throws {
        try writer.write { db in
            try Self.ensureFileTables(db)
            try db.execute(sql: """
                INSERT INTO _rs_files (sha256, uploaded_at) VALUES (?, ?)
                ON CONFLICT(sha256) DO UPDATE SET uploaded_at = excluded.uploaded_at, refused_code = NULL, refused_reason = NULL, refused_at = NULL
                """, arguments: [sha256, Timestamp.string()])
        }
    }

    /// Records why `sha256` cannot be transferred (nil: clears it).
    public func markRefused(_ sha256: String, code: String?, reason: String?) throws {
        try writer.write { db in
            try Self.ensureFileTables(db)
            try db.execute(sql: """
                INSERT INTO _rs_files (sha256, refused_code, refused_reason, refused_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(sha256) DO UPDATE SET refused_code = excluded.refused_code, refused_reason = excluded.refused_reason, refused_at = excluded.refused_at
                """, arguments: [sha256, code, reason, code == nil ? nil : Timestamp.string()])
        }
    }

    /// Whether `unit` may read a row — live, deleted, or any version in the audit trail — that
    /// refers to `sha256`, and the largest size such a row gives (nil: it may not, or no row
    /// does). `unit` nil: any unit's row (operators).
    public func readableEvidence(_ sha256: String, unit: String?) throws -> Int64? {
        try writer.read { db in try readableEvidence(sha256, unit: unit, db) }
    }

    public func readableEvidence(_ sha256: String, unit: String?, _ db: Database) throws -> Int64? {
        let unitFilter = unit == nil ? "" : " AND unit = ?"
        let arguments: StatementArguments = unit.map { [sha256, $0] } ?? [sha256]
        if let size = try Int64.fetchOne(db, sql: "SELECT MAX(size) FROM evidence_files WHERE sha256 = ?" + unitFilter, arguments: arguments) {
            return size
        }
        // Detached (the row deleted, its fields gone): the audit trail still names the file.
        let keys = try String.fetchAll(db, sql: "SELECT DISTINCT key FROM _rs_history WHERE tbl = 'evidence_files' AND col = 'sha256' AND value = ?",
                                       arguments: [sha256])
        var best: Int64?
        for key in keys {
            if let unit, try String.fetchOne(db, sql: "SELECT unit FROM evidence_files WHERE id = ?", arguments: [key]) != unit { continue }
            let size = try Int64.fetchOne(db, sql: "SELECT MAX(value) FROM _rs_history WHERE tbl = 'evidence_files' AND key = ? AND col = 'size'", arguments: [key])
            if let size { best = max(best ?? 0, size) }
        }
        return best
    }

    /// Every file named by any row or version of `evidence_files` (what the hub keeps for the record).
    public func everReferencedEvidence() throws -> Set<String> {
        try writer.read { db in
            var all = Set(try String.fetchAll(db, sql: "SELECT DISTINCT sha256 FROM evidence_files WHERE sha256 IS NOT NULL"))
            all.formUnion(try String.fetchAll(db, sql: "SELECT DISTINCT value FROM _rs_history WHERE tbl = 'evidence_files' AND col = 'sha256' AND typeof(value) = 'text'"))
            return all
        }
    }

    /// Retention bookkeeping: marks stored files no live row refers to (since `now`, seconds since
    /// 1970, unless marked earlier), clears the mark of files referred to again, and returns the
    /// files unreferenced since before `cutoff`, which the caller removes (then ``forgetFile(_:)``).
    public func markUnreferenced(stored: [String], now: Double, cutoff: Double) throws -> [String] {
        try writer.write { db in
            try Self.ensureFileTables(db)
            let live = Set(try String.fetchAll(db, sql: "SELECT DISTINCT sha256 FROM evidence_files WHERE _cl % 2 = 1 AND sha256 IS NOT NULL"))
            var expired: [String] = []
            for hash in stored {
                if live.contains(hash) {
                    try db.execute(sql: "UPDATE _rs_files SET unreferenced_since = NULL WHERE sha256 = ?", arguments: [hash])
                    continue
                }
                try db.execute(sql: """
                    INSERT INTO _rs_files (sha256, unreferenced_since) VALUES (?, ?)
                    ON CONFLICT(sha256) DO UPDATE SET unreferenced_since = COALESCE(unreferenced_since, excluded.unreferenced_since)
                    """, arguments: [hash, now])
                let since = try Double.fetchOne(db, sql: "SELECT unreferenced_since FROM _rs_files WHERE sha256 = ?", arguments: [hash]) ?? now
                if since < cutoff { expired.append(hash) }
            }
            return expired
        }
    }

    /// Forgets a removed file's bookkeeping.
    public func forgetFile(_ sha256: String) throws {
        try writer.write { db in
            try Self.ensureFileTables(db)
            try db.execute(sql: "DELETE FROM _rs_files WHERE sha256 = ?", arguments: [sha256])
        }
    }

    /// Per unit: distinct files its live rows refer to.
    public func evidenceByUnit() throws -> [(unit: String, sha256: String)] {
        try writer.read { db in try evidenceByUnit(db) }
    }

    /// ``evidenceByUnit()`` awaiting a reader connection (for request handlers, Protocol A.23).
    public func evidenceByUnit() async throws -> [(unit: String, sha256: String)] {
        try await writer.read { db in try self.evidenceByUnit(db) }
    }

    func evidenceByUnit(_ db: Database) throws -> [(unit: String, sha256: String)] {
        try Row.fetchAll(db, sql: "SELECT DISTINCT unit, sha256 FROM evidence_files WHERE _cl % 2 = 1 AND unit IS NOT NULL AND sha256 IS NOT NULL ORDER BY unit")
            .map { ($0[0], $0[1]) }
    }
}
