import Crypto
import FileStore
import Foundation
import ReformData
import Replica
import WireProtocol

/// The hub's snapshots for bootstrapping nodes (Protocol/README.md §19.3): one file per unit,
/// built on demand, kept (and served again) for ``maxAge``, in `DATA_DIR/snapshots/`.
///
/// A file is a gzip-compressed SQLite replica without identity holding what the unit may read
/// (``Replica/writeSnapshot(to:policy:)``), named by the hub version it was read at and its
/// hash. A unit can only name files in its own folder.
struct SnapshotStore {
    let replica: Replica
    let folder: String
    /// How long a built snapshot is served again before a new one is built: a node that resumes a
    /// download within it gets the same bytes. An older snapshot is still correct (the node
    /// pulls what came after it), just longer to catch up from.
    static let maxAge: TimeInterval = 3600
    /// Largest answer to one ranged request; a client asks for less over a poor link.
    static let maxPartBytes = 8 << 20
    /// One build at a time: a build reads the whole replica.
    private static let building = NSLock()

    init(replica: Replica) {
        self.replica = replica
        folder = ((replica.location as NSString).deletingLastPathComponent as NSString).appendingPathComponent("snapshots")
    }

    /// The unit's folder: its code hashed, so no unit code can reach outside `snapshots/`.
    func unitFolder(_ unit: String) -> String {
        let digest = SHA256.hash(data: Data(unit.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        return (folder as NSString).appendingPathComponent(digest)
    }

    /// The unit's current snapshot, built when there is none younger than ``maxAge`` or the
    /// hub's epoch changed since.
    func manifest(unit: String, policy: ReadPolicy, hubEpoch: String?) throws -> SnapshotManifest {
        Self.building.lock()
        defer { Self.building.unlock() }
        let directory = unitFolder(unit)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let existing = try latest(in: directory), existing.hubEpoch == hubEpoch, existing.schema == replica.schema.version,
           let created = ISO8601DateFormatter().date(from: existing.createdAt), Date().timeIntervalSince(created) < Self.maxAge {
            return existing
        }
        let work = (directory as NSString).appendingPathComponent("build-\(UUID().uuidString).sqlite")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let contents = try replica.writeSnapshot(to: work, policy: policy)
        let compressed = try Gzip.compress(Array(try Data(contentsOf: URL(fileURLWithPath: work))))
        let hash = SHA256.hash(data: compressed).map { String(format: "%02x", $0) }.joined()
        let id = "\(contents.version)-\(hash.prefix(16))"
        let manifest = SnapshotManifest(id: id, unit: unit, bytes: Int64(compressed.count), sha256: hash, schema: replica.schema.version,
                                        cursor: WireCursor(baseline: contents.version, position: contents.version),
                                        hubSite: replica.site.rawValue, hubEpoch: hubEpoch, rows: contents.rows,
                                        createdAt: Timestamp.string())
        // The file first, then its manifest: a manifest always names a complete file.
        try Data(compressed).write(to: URL(fileURLWithPath: path(directory, id, "gz")), options: .atomic)
        try Data(try WireJSON.encode(manifest)).write(to: URL(fileURLWithPath: path(directory, id, "json")), options: .atomic)
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where !name.hasPrefix(id) && !name.hasPrefix("build-") {
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
        }
        return manifest
    }

    func path(_ directory: String, _ id: String, _ suffix: String) -> String {
        (directory as NSString).appendingPathComponent("\(id).\(suffix)")
    }

    func latest(in directory: String) throws -> SnapshotManifest? {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        guard let name = names.last, let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(name)) else { return nil }
        return try? WireJSON.decode(SnapshotManifest.self, from: Array(data), what: "snapshot manifest")
    }

    /// Bytes of snapshot `id` of `unit`: all of it, or the part a `Range: bytes=FIRST-[LAST]`
    /// header asks for (at most ``maxPartBytes``).
    func read(id: String, unit: String, range: String?) throws -> (bytes: [UInt8], first: Int, total: Int, partial: Bool) {
        guard id.range(of: "^[0-9]{1,19}-[0-9a-f]{16}$", options: .regularExpression) != nil else {
            throw HubError(status: 404, code: "snapshot_gone", message: "no snapshot \(id): ask GET /v1/snapshot for the current one")
        }
        let file = path(unitFolder(unit), id, "gz")
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw HubError(status: 404, code: "snapshot_gone", message: "snapshot \(id) was replaced by a newer one: ask GET /v1/snapshot again and start its download over")
        }
        defer { try? handle.close() }
        let total = Int(try handle.seekToEnd())
        var first = 0, last = total - 1, partial = false
        if let range {
            guard let parsed = Self.parseRange(range, total: total) else {
                throw HubError(status: 416, code: "bad_range",
                               message: "Range \"\(range)\" is not bytes=FIRST-[LAST] within the snapshot's \(total) bytes")
            }
            (first, last, partial) = (parsed.first, parsed.last, true)
        }
        last = min(last, first + Self.maxPartBytes - 1)
        partial = partial || last < total - 1
        try handle.seek(toOffset: UInt64(first))
        let bytes = total == 0 ? [] : Array(try handle.read(upToCount: last - first + 1) ?? Data())
        return (bytes, first, total, partial)
    }

    /// `bytes=FIRST-` or `bytes=FIRST-LAST`, FIRST within the file; nil otherwise (``ByteRange``, one range).
    static func parseRange(_ header: String, total: Int) -> (first: Int, last: Int)? {
        guard case .success(let range) = ByteRange.parse(header, size: Int64(total)) else { return nil }
        return (Int(range.first), Int(range.last))
    }
}
