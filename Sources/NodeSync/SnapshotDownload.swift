import Crypto
import Foundation
import HubClient
import Logging
import ReformData
import Replica
import WireProtocol
import CRDT

/// Downloads the hub's snapshot for this node (Protocol/README.md §19.3) over a poor link:
/// ranged requests of adaptive size appended to `DATA_DIR/snapshot-ID.gz.part`, so a cut link,
/// a killed process or a retry resumes where the file ends; the whole is verified by SHA-256
/// before anything is opened.
public struct SnapshotDownload: Sendable {
    public let client: HubHTTPClient
    public let folder: String
    /// The first request's size (small: a poor link shows itself early); halved after a failed request (down to ``minimumChunk``),
    /// doubled after a good one (up to ``maximumChunk``), like the push batches.
    public var chunk = 64 << 10
    public static let minimumChunk = 16 << 10
    public static let maximumChunk = 8 << 20
    /// Failed requests in a row before giving up (the next run resumes from the file).
    public var maxFailuresInARow = 40
    let logger: Logger

    public init(client: HubHTTPClient, folder: String, logger: Logger = Logger(label: "reformsync.bootstrap")) {
        self.client = client
        self.folder = folder
        self.logger = logger
    }

    /// What the download did.
    public struct Outcome: Sendable {
        public var path: String
        /// Bytes already on disk from an earlier, interrupted run.
        public var resumedFrom: Int64
        public var requests: Int
        public var failures: Int
    }

    public func manifest() async throws -> SnapshotManifest {
        let response = try await client.sendWithRetry(.get("/v1/snapshot"))
        return try WireJSON.decode(SnapshotManifest.self, from: response.body, what: "snapshot manifest")
    }

    public func partPath(_ manifest: SnapshotManifest) -> String {
        (folder as NSString).appendingPathComponent("snapshot-\(manifest.id).gz.part")
    }

    /// Downloads (or finishes downloading) the file of `manifest`; returns it verified.
    public func download(_ manifest: SnapshotManifest) async throws -> Outcome {
        guard manifest.id.range(of: "^[0-9]{1,19}-[0-9a-f]{16}$", options: .regularExpression) != nil else {
            throw SnapshotError("the hub named its snapshot \"\(manifest.id)\", which is not a snapshot id")
        }
        let part = partPath(manifest)
        // Parts of other snapshots (the hub built a newer one since) are of no use.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where name.hasPrefix("snapshot-") && name.hasSuffix(".gz.part") && name != (part as NSString).lastPathComponent {
            try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
        }
        if !FileManager.default.fileExists(atPath: part) { FileManager.default.createFile(atPath: part, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: part) else { throw SnapshotError("cannot write \(part)") }
        defer { try? handle.close() }
        var size = Int64(try handle.seekToEnd())
        if size > manifest.bytes {  // not this snapshot's bytes: start over
            try handle.truncate(atOffset: 0)
            size = 0
        }
        var outcome = Outcome(path: part, resumedFrom: size, requests: 0, failures: 0)
        var chunk = chunk, failuresInARow = 0
        while size < manifest.bytes {
            let last = min(manifest.bytes, size + Int64(chunk)) - 1
            outcome.requests += 1
            do {
                let response = try await client.send(.get("/v1/snapshot/\(manifest.id)", headers: [("Range", "bytes=\(size)-\(last)")]))
                guard response.status == 206 || (response.status == 200 && size == 0), !response.body.isEmpty else {
                    throw SnapshotError("the hub answered HTTP \(response.status) with \(response.body.count) bytes to a ranged request")
                }
                let start = Self.rangeStart(response.headers) ?? (response.status == 200 ? 0 : -1)
                guard start == size else {
                    throw SnapshotError("the hub sent bytes from \(start), asked from \(size) (Content-Range \(response.headers["content-range"] ?? "missing"))")
                }
                let room = Int(manifest.bytes - size)
                try handle.write(contentsOf: response.body.prefix(room))
                size += Int64(min(room, response.body.count))
                failuresInARow = 0
                chunk = min(Self.maximumChunk, chunk * 2)
            } catch let error as HubClientError where error.isRetryable {
                outcome.failures += 1
                failuresInARow += 1
                guard failuresInARow < maxFailuresInARow else {
                    throw SnapshotError("\(failuresInARow) requests in a row failed (last: \(error)); \(size) of \(manifest.bytes) bytes are kept in \(part): run the command again to resume")
                }
                chunk = max(Self.minimumChunk, chunk / 2)
                logger.notice("snapshot download interrupted, resuming", metadata: ["at": "\(size)", "next_chunk": "\(chunk)", "error": "\(error)"])
                try await Task.sleep(for: .milliseconds(min(2_000, 100 * failuresInARow)))
            }
        }
        try handle.synchronize()
        let hash = try Self.sha256(of: part)
        guard hash == manifest.sha256 else {
            try? FileManager.default.removeItem(atPath: part)
            throw SnapshotError("the downloaded snapshot's SHA-256 is \(hash), the hub announced \(manifest.sha256): the file was damaged on the way and is deleted; run the command again")
        }
        return outcome
    }

    /// The first byte of `Content-Range: bytes FIRST-LAST/TOTAL`.
    static func rangeStart(_ headers: [String: String]) -> Int64? {
        guard let value = headers.first(where: { $0.key.lowercased() == "content-range" })?.value,
              value.hasPrefix("bytes "), let dash = value.firstIndex(of: "-") else { return nil }
        return Int64(value[value.index(value.startIndex, offsetBy: 6)..<dash])
    }

    static func sha256(of path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw SnapshotError("cannot read \(path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty { hasher.update(data: data) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// Why a bootstrap failed, with what to do.
public struct SnapshotError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension SnapshotDownload {
    /// Decompresses the verified download at `outcome.path`, gives it `unit`'s identity with a
    /// new site (``Replica/installSnapshot(at:unit:site:cursor:meta:schema:)``) and moves it to
    /// `replicaPath`, which must not exist; the download is removed. Returns the new site.
    public static func install(_ manifest: SnapshotManifest, from path: String, unit: String, replicaPath: String) throws -> SiteID {
        guard !FileManager.default.fileExists(atPath: replicaPath) else {
            throw SnapshotError("a replica already exists at \(replicaPath); it was left untouched")
        }
        let staged = replicaPath + ".bootstrap"
        try? FileManager.default.removeItem(atPath: staged)
        do {
            let file = try Gzip.decompress(Array(try Data(contentsOf: URL(fileURLWithPath: path))), limit: Int.max / 2)
            try Data(file).write(to: URL(fileURLWithPath: staged))
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw SnapshotError("the snapshot \(path) does not decompress (\(error)); it was deleted: run init --from-hub again")
        }
        let site = SiteID.random()
        var meta = ["hub_site": manifest.hubSite, "bootstrapped_from_snapshot": manifest.id, "bootstrapped_at": Timestamp.string()]
        if let epoch = manifest.hubEpoch { meta["hub_epoch"] = epoch }
        try Replica.installSnapshot(at: staged, unit: unit, site: site,
                                    cursor: ChangeCursor(baseline: manifest.cursor.baseline, position: manifest.cursor.position), meta: meta)
        // The staged file is whole (rollback journal, no -wal): moved into place in one step.
        try FileManager.default.moveItem(atPath: staged, toPath: replicaPath)
        try? FileManager.default.removeItem(atPath: path)
        return site
    }
}
