import CRDT
import FileStore
import Foundation
import ReformData
import Replica

/// Attaches evidence files to a unit's records and detaches them (Protocol §16.1): the bytes go
/// into the content-addressed store, the reference is an `evidence_files` row. Limits are
/// checked here, when attaching, so a file is never accepted locally and refused later.
/// Shared by `reformsync files add` and the daemon's local API.
public struct EvidenceAttacher: Sendable {
    public let replica: Replica
    public let store: FileStore
    public let limits: FileLimits

    public init(replica: Replica, store: FileStore, limits: FileLimits) {
        self.replica = replica
        self.store = store
        self.limits = limits
    }

    /// What attaching did.
    public struct Attached: Sendable, Equatable, Codable {
        /// The `evidence_files` row id: `RECORD_TABLE/RECORD/SHA256`.
        public var id: String
        public var sha256: String
        public var size: Int64
        public var contentType: String
        public var name: String
        /// The same file was already attached to this record (the row is written again, no new bytes).
        public var alreadyAttached: Bool
    }

    /// Attaches the file at `path` to record `record` of `table`, shown as `name` (default: the
    /// file's own name).
    public func attach(table: String, record: String, path: String, name: String? = nil) throws -> Attached {
        let table = table.nfc, record = record.nfc
        let found = try evidenceRecord(table: table, record: record)
        let displayName = try Self.checkedName((name ?? (path as NSString).lastPathComponent).nfc)
        let year = Self.year(of: found)
        let unit = replica.unit
        var kind: EvidenceKind?
        var alreadyCounted = false
        let added = try store.add(copying: path, fileName: displayName) { file throws(FileStoreError) in
            kind = file.kind
            var used: Int64 = 0
            do {
                used = try replica.evidenceBytes(unit: unit, year: year)
                alreadyCounted = try replica.evidenceFiles(unit: unit).contains { $0.sha256 == file.hash }
            } catch {
                throw FileStoreError(.io, "cannot read the replica to count the quota: \(error)")
            }
            try limits.check(file, name: displayName, unit: unit, year: year, used: alreadyCounted ? used - file.size : used)
        }
        let id = "\(table)/\(record)/\(added.hash)"
        let existing = try replica.get("evidence_files", key: id)
        let contentType = (kind ?? added.kind)!.contentType
        try replica.put("evidence_files", json: [
            "id": .string(id), "unit": .string(unit), "record_table": .string(table), "record": .string(record),
            "sha256": .string(added.hash), "name": .string(displayName), "size": .integer(added.size),
            "content_type": .string(contentType), "year": .integer(Int64(year)),
        ])
        return Attached(id: id, sha256: added.hash, size: added.size, contentType: contentType, name: displayName,
                        alreadyAttached: existing != nil)
    }

    /// Detaches the file `sha256` from a record (deletes its row); the bytes stay until retention.
    public func detach(table: String, record: String, sha256: String) throws {
        let id = "\(table.nfc)/\(record.nfc)/\(sha256)"
        guard try replica.get("evidence_files", key: id) != nil else {
            throw ReplicaError.localWrite("no evidence file \(sha256) is attached to \(table) '\(record)': see `reformsync files list \(table) \(record)`")
        }
        try replica.delete("evidence_files", key: id)
    }

    /// The record evidence is attached to: one of ``ReformSchema/evidenceTables``, existing, this unit's.
    func evidenceRecord(table: String, record: String) throws -> Record {
        guard replica.role == .node else {
            throw ReplicaError.localWrite("evidence files are attached at the unit's node, not at the hub")
        }
        guard ReformSchema.evidenceTables.contains(table) else {
            throw ReplicaError.localWrite("evidence files can be attached to records of \(ReformSchema.evidenceTables.joined(separator: ", ")), not of '\(table)'")
        }
        guard let found = try replica.get(table, key: record) else {
            throw ReplicaError.localWrite("no \(table) record '\(record)' in this replica: create it first (`reformsync record put \(table) ...`), then attach its evidence")
        }
        let owner = replica.schema.table(table)?.ownerColumn.flatMap { found.values[$0] }
        guard owner == .text(replica.unit) else {
            throw ReplicaError.localWrite("\(table) '\(record)' belongs to \(owner.map { "\($0)" } ?? "no unit"), not to \(replica.unit): only the owning unit attaches its evidence")
        }
        let id = "\(table)/\(record)/" + String(repeating: "0", count: 64)
        guard id.utf8.count <= 200 else {
            throw ReplicaError.localWrite("the record id '\(record)' is too long to carry evidence (the evidence id TABLE/RECORD/SHA256 must fit in 200 bytes)")
        }
        return found
    }

    /// The year the quota counts a record in: its `year`, the year of its `reported_on`, else this year.
    static func year(of record: Record) -> Int {
        if case .integer(let year)? = record.values["year"] { return Int(year) }
        if case .text(let date)? = record.values["reported_on"], let year = Int(date.prefix(4)) { return year }
        return Calendar(identifier: .gregorian).component(.year, from: Date())
    }

    /// A file name as shown and offered on download: not empty, at most 255 bytes, no folder part.
    public static func checkedName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 255, !trimmed.contains("/"), !trimmed.contains("\\"),
              trimmed != ".", trimmed != "..",
              !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw RecordError(table: "evidence_files", field: "name",
                              message: "\"\(name)\" is not a usable file name (1–255 bytes, no '/', '\\' or control characters)")
        }
        return trimmed
    }
}
