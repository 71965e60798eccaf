import Crypto
import Foundation

/// The content-addressed store of evidence files under the data folder (Protocol §16.2):
/// `DATA_DIR/files/ab/abcdef…` holds the file whose SHA-256 is `abcdef…`, so a file is stored
/// once however many records carry it. A file appears there only complete and verified: it is
/// written under `files/tmp/`, flushed, renamed into place and the folder flushed. Partly
/// transferred files wait in `files/tmp/HASH.part`; nothing reads a file whole into memory.
public struct FileStore: Sendable {
    /// `DATA_DIR/files`.
    public let root: String
    /// Bytes read or written per step when streaming (and the chunk size of transfers, §16.3).
    public static let chunkBytes = 64 << 10

    public init(dataDirectory: String) {
        root = (dataDirectory as NSString).appendingPathComponent("files")
    }

    public var temporaryFolder: String { root + "/tmp" }

    /// Where the complete file `hash` lives (whether or not it is there). `hash` must be valid.
    public func path(_ hash: String) -> String {
        precondition(SHA256Hex.isValid(hash), "not a SHA-256: \(hash)")
        return "\(root)/\(hash.prefix(2))/\(hash)"
    }

    /// Where a partly transferred `hash` waits.
    public func partialPath(_ hash: String) -> String {
        precondition(SHA256Hex.isValid(hash), "not a SHA-256: \(hash)")
        return "\(temporaryFolder)/\(hash).part"
    }

    public func contains(_ hash: String) -> Bool { PosixFile.size(of: path(hash)) != nil }

    /// Bytes of `hash` held: its size when complete, the partial file's size otherwise (0: none).
    public func held(_ hash: String) -> (complete: Bool, bytes: Int64) {
        if let size = PosixFile.size(of: path(hash)) { return (true, size) }
        return (false, PosixFile.size(of: partialPath(hash)) ?? 0)
    }

    func prepare() throws(FileStoreError) {
        do {
            try FileManager.default.createDirectory(atPath: temporaryFolder, withIntermediateDirectories: true)
        } catch {
            throw FileStoreError(.io, "cannot create the file store folder \(temporaryFolder): \(error.localizedDescription)")
        }
    }

    /// What ``add(copying:fileName:)`` learnt about a file.
    public struct Added: Sendable, Equatable {
        public var hash: String
        public var size: Int64
        public var kind: EvidenceKind?
    }

    /// Copies the file at `source` into the store, hashing it on the way (64 KiB at a time), and
    /// recognises its kind. A file already stored is kept as it is. `check` runs before the copy
    /// is made visible: throwing there (a limit) leaves the store as it was.
    @discardableResult
    public func add(copying source: String, fileName: String,
                    check: (Added) throws(FileStoreError) -> Void = { _ throws(FileStoreError) in }) throws(FileStoreError) -> Added {
        try prepare()
        let input = try PosixFile.reading(source)
        let temporary = "\(temporaryFolder)/add-\(UUID().uuidString)"
        let output = try PosixFile.creating(temporary)
        var keep = false
        defer { if !keep { unlink(temporary) } }
        var hasher = SHA256()
        var size: Int64 = 0
        var head: [UInt8] = []
        var tail: [UInt8] = []
        let tailLimit = (64 << 10) + 22 + 4096
        var buffer = [UInt8](repeating: 0, count: Self.chunkBytes)
        while true {
            var failure: FileStoreError?
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                do throws(FileStoreError) { return try input.readFully(into: raw) } catch { failure = error; return 0 }
            }
            if let failure { throw failure }
            if n == 0 { break }
            let slice = buffer[0..<n]
            hasher.update(data: slice)
            try output.write(Array(slice))
            if head.count < 4096 { head += slice.prefix(4096 - head.count) }
            tail += slice
            if tail.count > tailLimit { tail.removeFirst(tail.count - tailLimit) }
            size += Int64(n)
        }
        let hash = SHA256Hex.string(hasher.finalize())
        let added = Added(hash: hash, size: size, kind: ContentSniffer.kind(head: head, tail: tail, fileName: fileName))
        guard size > 0 else { throw FileStoreError(.empty, "\(source) is empty: an evidence file must have content") }
        try check(added)
        if contains(hash) { return added }
        try output.sync()
        try place(temporary, as: hash)
        keep = true
        return added
    }

    /// Moves a complete, verified temporary file into place and flushes the folder.
    public func place(_ temporary: String, as hash: String) throws(FileStoreError) {
        let final = path(hash)
        let folder = (final as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw FileStoreError(.io, "cannot create \(folder): \(error.localizedDescription)")
        }
        guard rename(temporary, final) == 0 else { throw PosixFile.failure("cannot move \(temporary) to", final) }
        try PosixFile.syncDirectory(folder)
    }

    /// The SHA-256 of the file at `path`, read 64 KiB at a time (`limit`: stop after that many bytes).
    public static func hash(of path: String, limit: Int64 = .max) throws(FileStoreError) -> (hash: String, size: Int64) {
        var hasher = SHA256()
        let size = try stream(path, limit: limit) { hasher.update(data: $0) }
        return (SHA256Hex.string(hasher.finalize()), size)
    }

    /// Calls `body` with successive pieces of the file (at most 64 KiB each); returns the bytes read.
    @discardableResult
    public static func stream(_ path: String, from offset: Int64 = 0, limit: Int64 = .max,
                              _ body: (UnsafeRawBufferPointer) throws(FileStoreError) -> Void) throws(FileStoreError) -> Int64 {
        let file = try PosixFile.reading(path)
        var position = offset
        var total: Int64 = 0
        while total < limit {
            let bytes = try file.read(at: position, count: Int(min(Int64(chunkBytes), limit - total)))
            if bytes.isEmpty { break }
            var failure: FileStoreError?
            bytes.withUnsafeBytes { raw in
                do throws(FileStoreError) { try body(raw) } catch { failure = error }
            }
            if let failure { throw failure }
            position += Int64(bytes.count)
            total += Int64(bytes.count)
        }
        return total
    }

    /// Hashes of every complete file in the store.
    public func storedHashes() -> [String] {
        guard let folders = try? FileManager.default.contentsOfDirectory(atPath: root) else { return [] }
        var hashes: [String] = []
        for folder in folders.sorted() where folder.count == 2 {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + folder)) ?? []
            hashes += names.filter { SHA256Hex.isValid($0) && $0.hasPrefix(folder) }.sorted()
        }
        return hashes
    }

    /// A stored file whose bytes no longer have its name's hash, or that cannot be read.
    public struct Damage: Sendable, Equatable {
        public var hash: String
        public var problem: String
    }

    /// Re-hashes every stored file; returns the damaged ones and how many were checked.
    public func verifyAll() -> (checked: Int, damaged: [Damage]) {
        var damaged: [Damage] = []
        let hashes = storedHashes()
        for hash in hashes {
            do {
                let found = try Self.hash(of: path(hash))
                if found.hash != hash { damaged.append(Damage(hash: hash, problem: "its bytes hash to \(found.hash) (\(found.size) bytes): damaged on disk")) }
            } catch {
                damaged.append(Damage(hash: hash, problem: error.message))
            }
        }
        return (hashes.count, damaged)
    }

    /// Removes the stored file `hash` (retention, or a damaged copy to fetch again).
    public func remove(_ hash: String) {
        unlink(path(hash))
    }
}
