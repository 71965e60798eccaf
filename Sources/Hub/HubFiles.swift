import Crypto
import FileStore
import Foundation
import GRDB
import NIOCore
import Replica
import Synchronization
import WireProtocol

/// The hub's side of evidence files (Protocol/README.md §16): what it holds, uploads received
/// chunk by chunk into `files/tmp/HASH.part` and made visible only once the whole file has its
/// SHA-256, downloads with HTTP ranges, and the read scope that guards all of them.
///
/// The read scope: a unit may see, send or fetch file H only when a row it may read — live,
/// deleted, or a version in the audit trail — refers to H. Anything else gets the same 404 as a
/// hash nobody ever attached, so a guessed or leaked hash tells nothing.
public final class HubFiles: Sendable {
    public let store: FileStore
    let replica: Replica
    /// Hashes an upload is being written to right now (one writer per part file).
    private let receiving = Mutex<Set<String>>([])
    /// The running SHA-256 of each part file, so that completing a file needs no second read of
    /// it; rebuilt from the part after a restart (or when evicted: at most 64 are kept).
    private let running = Mutex<[String: RunningHash]>([:])

    final class RunningHash: @unchecked Sendable {
        var hasher = SHA256()
        var bytes: Int64 = 0
    }

    public init(store: FileStore, replica: Replica) {
        self.store = store
        self.replica = replica
    }

    /// The answer for a file `unit` may not see, and for one that does not exist: identical.
    static func unknown(_ sha256: String) -> HubError {
        HubError(status: 404, code: "file_not_found", message: "no such file for this unit: a unit reaches only files its own records refer to (attach it, then sync the rows first)")
    }

    static func checkedHash(_ text: String) throws -> String {
        guard SHA256Hex.isValid(text) else {
            throw HubError.badRequest("\"\(text.prefix(80))\" is not a SHA-256 (64 lowercase hex digits)")
        }
        return text
    }

    /// `POST /v1/files/status`.
    public func status(_ request: FileStatusRequest, unit: String?) throws -> FileStatusResponse {
        guard request.sha256.count <= FileStatusRequest.maxHashes else {
            throw HubError(status: 413, code: "too_many_files", message: "\(request.sha256.count) hashes in one status request; ask about at most \(FileStatusRequest.maxHashes)")
        }
        var entries: [FileStatusResponse.Entry] = []
        for text in request.sha256 {
            let hash = try Self.checkedHash(text)
            guard try replica.readableEvidence(hash, unit: unit) != nil else {
                entries.append(.init(sha256: hash, state: "unknown", held: 0))
                continue
            }
            let held = store.held(hash)
            entries.append(.init(sha256: hash, state: held.complete ? "complete" : held.bytes > 0 ? "partial" : "absent", held: held.bytes))
        }
        return FileStatusResponse(files: entries, chunkBytes: ChunkFrame.maxChunkBytes)
    }

    /// `PUT /v1/files/{sha256}?offset=N`: appends the verified chunks of `body` (framed, §16.3) to
    /// the part file, which must hold exactly `offset` bytes; completes the file when it reaches
    /// the size its row gives and has its SHA-256.
    public func receive<Body: AsyncSequence>(_ sha256: String, unit: String, offset: Int64, body: Body) async throws -> FileUploadResponse
    where Body.Element == ByteBuffer {
        let hash = try Self.checkedHash(sha256)
        guard let size = try replica.readableEvidence(hash, unit: unit) else { throw Self.unknown(hash) }
        if store.contains(hash) { return FileUploadResponse(sha256: hash, held: size, complete: true) }
        guard receiving.withLock({ $0.insert(hash).inserted }) else {
            throw HubError(status: 409, code: "upload_busy", message: "another upload of \(hash) is under way (the same file from another unit, or an earlier request of this node still open): try again shortly")
        }
        defer { _ = receiving.withLock { $0.remove(hash) } }
        try FileManager.default.createDirectory(atPath: store.temporaryFolder, withIntermediateDirectories: true)
        let partPath = store.partialPath(hash)
        let part = try PosixFile.appending(partPath)
        var held = try part.size()
        guard offset == held else {
            throw HubError(status: 409, code: "offset_mismatch", message: "the hub holds \(held) bytes of \(hash), not \(offset): ask POST /v1/files/status and send from there")
        }
        let hasher = try runningHash(hash, partPath: partPath, held: held)
        var decoder = ChunkFrameDecoder()
        var failure: Error?
        do {
            for try await buffer in body {
                try buffer.withUnsafeReadableBytes { raw throws(FileStoreError) in
                    try decoder.feed(raw, offset: held) { chunk throws(FileStoreError) in
                        guard held + Int64(chunk.count) <= size else {
                            throw FileStoreError(.tooLarge, "\(hash) is \(size) bytes by its row, but the upload passes byte \(held + Int64(chunk.count))")
                        }
                        try part.write(chunk)
                        hasher.hasher.update(bufferPointer: chunk)
                        hasher.bytes += Int64(chunk.count)
                        held += Int64(chunk.count)
                    }
                }
            }
        } catch let error as FileStoreError {
            failure = error
        } catch {
            // The connection broke: what arrived whole is kept; the node resumes from `held`.
            failure = error
        }
        // A chunk written half (a full disk): cut back to the whole chunks, so `held` stays exact.
        if let error = failure as? FileStoreError, error.kind == .io, (try? part.size()) != held { try? part.truncate(held) }
        try part.sync()
        guard hasher.bytes == held else {
            // A write failed half way: the part and its running hash disagree; rebuilt at the next request.
            _ = running.withLock { $0.removeValue(forKey: hash) }
            throw HubError(status: 500, code: "internal", message: "the hub could not store the upload of \(hash) whole; send again from POST /v1/files/status")
        }
        if held == size {
            _ = running.withLock { $0.removeValue(forKey: hash) }
            let found = SHA256Hex.string(hasher.hasher.finalize())
            guard found == hash else {
                unlink(partPath)
                throw HubError(status: 422, code: "file_hash_mismatch", message: "the \(size) bytes received hash to \(found), not \(hash): the part was discarded; send the file again from byte 0")
            }
            try store.place(partPath, as: hash)
            return FileUploadResponse(sha256: hash, held: held, complete: true)
        }
        if let error = failure as? FileStoreError {
            // The hub's own disk (full, unwritable): its failure, logged by the error middleware; the node retries.
            if error.kind == .io { throw HubError(status: 500, code: "internal", message: "the hub cannot store the upload: \(error.message)") }
            let status = error.kind == .tooLarge ? 413 : 422
            throw HubError(status: status, code: error.code, message: error.message + " (the hub keeps the first \(held) bytes)")
        }
        if let failure { throw failure }
        return FileUploadResponse(sha256: hash, held: held, complete: false)
    }

    /// The running hash of `hash`'s part file at `held` bytes: the cached one, or one rebuilt by
    /// reading the part (after a restart).
    func runningHash(_ hash: String, partPath: String, held: Int64) throws -> RunningHash {
        if let cached = running.withLock({ $0[hash] }), cached.bytes == held { return cached }
        let fresh = RunningHash()
        if held > 0 {
            fresh.bytes = try FileStore.stream(partPath, limit: held) { fresh.hasher.update(bufferPointer: $0) }
            guard fresh.bytes == held else { throw HubError.internal() }
        }
        running.withLock { cache in
            if cache.count >= 64, let victim = cache.keys.first { cache.removeValue(forKey: victim) }
            cache[hash] = fresh
        }
        return fresh
    }

    /// A complete file `unit` may read (nil: an operator, who may read every file): its path and size.
    public func openable(_ sha256: String, unit: String?) throws -> (path: String, size: Int64, contentType: String, name: String?) {
        let hash = try Self.checkedHash(sha256)
        guard try replica.readableEvidence(hash, unit: unit) != nil else { throw Self.unknown(hash) }
        guard let size = PosixFile.size(of: store.path(hash)) else {
            throw HubError(status: 404, code: "file_not_uploaded", message: "the hub does not hold \(hash) yet: its unit has not finished uploading it")
        }
        let row = try replica.list("evidence_files", where: ["sha256": .text(hash)], limit: 1).first
        var contentType = "application/octet-stream", name: String?
        if case .text(let type)? = row?.values["content_type"] { contentType = type }
        if case .text(let text)? = row?.values["name"] { name = text }
        return (store.path(hash), size, contentType, name)
    }

    /// A `Range: bytes=N-` or `bytes=N-M` header as an offset and a last byte (``ByteRange``; nil: no header).
    static func range(_ header: String?, size: Int64) throws -> (from: Int64, to: Int64)? {
        guard let header else { return nil }
        switch ByteRange.parse(header, size: size) {
        case .success(let range): return (range.first, range.last)
        case .failure(.notUnderstood):
            throw HubError(status: 416, code: "bad_range", message: "Range \(header.prefix(80)) is not understood: send bytes=N- or bytes=N-M (one range)")
        case .failure(.lastBeforeFirst):
            throw HubError(status: 416, code: "bad_range", message: "Range \(header.prefix(80)): the last byte must be a number not below the first")
        case .failure(.beyondEnd):
            throw HubError(status: 416, code: "range_not_satisfiable", message: "Range \(header.prefix(80)) starts beyond the file's \(size) bytes")
        }
    }
}
