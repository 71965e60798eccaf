import Crypto

/// The upload chunk format (Protocol §16.3): each chunk of at most 64 KiB travels as
///
///     length (4 bytes, big-endian, 1…65536) · SHA-256 of the chunk (32 bytes) · the chunk
///
/// so the hub checks every chunk before it keeps it, and a cut loses at most the chunk in flight.
public enum ChunkFrame {
    public static let headerBytes = 36
    public static let maxChunkBytes = FileStore.chunkBytes

    /// The 36-byte header of `chunk`.
    public static func header(for chunk: UnsafeRawBufferPointer) -> [UInt8] {
        let n = UInt32(chunk.count)
        var header: [UInt8] = [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
        header += Array(SHA256.hash(data: chunk))
        return header
    }

    /// A whole frame (header and chunk), as the vectors of Protocol/vectors/files/ spell them.
    public static func frame(_ chunk: [UInt8]) -> [UInt8] {
        chunk.withUnsafeBytes { header(for: $0) } + chunk
    }
}

/// Reads frames from a stream of byte buffers as they arrive: ``feed(_:)`` returns every
/// complete, verified chunk; a frame cut off by the end of the stream is dropped.
public struct ChunkFrameDecoder {
    private var pending: [UInt8] = []

    public init() { pending.reserveCapacity(ChunkFrame.maxChunkBytes + ChunkFrame.headerBytes) }

    /// Bytes received that do not yet form a whole frame.
    public var buffered: Int { pending.count }

    /// Appends `bytes` and calls `chunk` with each complete frame's verified content.
    /// - Throws: ``FileStoreError/Kind/badFrame`` for a length out of range,
    ///   ``FileStoreError/Kind/hashMismatch`` for a chunk that does not have its hash.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, offset: Int64,
                              chunk: (UnsafeRawBufferPointer) throws(FileStoreError) -> Void) throws(FileStoreError) {
        pending.append(contentsOf: bytes)
        var start = 0
        var position = offset
        defer { if start > 0 { pending.removeFirst(start) } }
        while pending.count - start >= ChunkFrame.headerBytes {
            let length = Int(pending[start]) << 24 | Int(pending[start + 1]) << 16 | Int(pending[start + 2]) << 8 | Int(pending[start + 3])
            guard (1...ChunkFrame.maxChunkBytes).contains(length) else {
                throw FileStoreError(.badFrame, "the chunk at byte \(position) of the file announces \(length) bytes; chunks have 1 to \(ChunkFrame.maxChunkBytes) (Protocol §16.3)")
            }
            guard pending.count - start >= ChunkFrame.headerBytes + length else { break }
            let body = start + ChunkFrame.headerBytes
            var failure: FileStoreError?
            pending.withUnsafeBytes { raw in
                let content = UnsafeRawBufferPointer(rebasing: raw[body..<(body + length)])
                let expected = raw[(start + 4)..<(start + 36)]
                guard SHA256.hash(data: content).elementsEqual(expected) else {
                    failure = FileStoreError(.hashMismatch, "the chunk at byte \(position) of the file does not have the SHA-256 its frame announces: it was damaged on the way; send it again from byte \(position)")
                    return
                }
                do throws(FileStoreError) { try chunk(content) } catch { failure = error }
            }
            if let failure { throw failure }
            start = body + length
            position += Int64(length)
        }
    }
}
