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

    /// Takes the next received `bytes` and calls `chunk` with each complete frame's verified
    /// content (frames wholly inside `bytes` are checked in place, without a copy). `offset` is the
    /// file position of the next chunk, for messages.
    /// - Throws: ``FileStoreError/Kind/badFrame`` for a length out of range,
    ///   ``FileStoreError/Kind/hashMismatch`` for a chunk that does not have its hash.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, offset: Int64,
                              chunk: (UnsafeRawBufferPointer) throws(FileStoreError) -> Void) throws(FileStoreError) {
        var position = offset
        var start = 0
        // A frame begun in an earlier piece: complete it from this one.
        if !pending.isEmpty {
            if pending.count < ChunkFrame.headerBytes {
                let take = min(ChunkFrame.headerBytes - pending.count, bytes.count)
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
                start = take
                if pending.count < ChunkFrame.headerBytes { return }
            }
            let length = try pending.withUnsafeBytes { raw in Result { () throws(FileStoreError) in try Self.length(raw, at: 0, position: position) } }.get()
            let take = min(ChunkFrame.headerBytes + length - pending.count, bytes.count - start)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + take)]))
            start += take
            guard pending.count == ChunkFrame.headerBytes + length else { return }
            try pending.withUnsafeBytes { raw in
                Result { () throws(FileStoreError) in try Self.deliver(raw, at: 0, length: length, position: position, chunk) }
            }.get()
            position += Int64(length)
            pending.removeAll(keepingCapacity: true)
        }
        // Whole frames in place.
        while bytes.count - start >= ChunkFrame.headerBytes {
            let length = try Self.length(bytes, at: start, position: position)
            guard bytes.count - start >= ChunkFrame.headerBytes + length else { break }
            try Self.deliver(bytes, at: start, length: length, position: position, chunk)
            start += ChunkFrame.headerBytes + length
            position += Int64(length)
        }
        if start < bytes.count { pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start...])) }
    }

    static func length(_ raw: UnsafeRawBufferPointer, at start: Int, position: Int64) throws(FileStoreError) -> Int {
        let length = Int(raw[start]) << 24 | Int(raw[start + 1]) << 16 | Int(raw[start + 2]) << 8 | Int(raw[start + 3])
        guard (1...ChunkFrame.maxChunkBytes).contains(length) else {
            throw FileStoreError(.badFrame, "the chunk at byte \(position) of the file announces \(length) bytes; chunks have 1 to \(ChunkFrame.maxChunkBytes) (Protocol §16.3)")
        }
        return length
    }

    static func deliver(_ raw: UnsafeRawBufferPointer, at start: Int, length: Int, position: Int64,
                        _ chunk: (UnsafeRawBufferPointer) throws(FileStoreError) -> Void) throws(FileStoreError) {
        let body = start + ChunkFrame.headerBytes
        let content = UnsafeRawBufferPointer(rebasing: raw[body..<(body + length)])
        guard SHA256.hash(data: content).elementsEqual(raw[(start + 4)..<(start + 36)]) else {
            throw FileStoreError(.hashMismatch, "the chunk at byte \(position) of the file does not have the SHA-256 its frame announces: it was damaged on the way; send it again from byte \(position)")
        }
        try chunk(content)
    }
}
