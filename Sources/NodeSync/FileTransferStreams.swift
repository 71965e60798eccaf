import FileStore
import Foundation
import HubClient

/// The body of one upload request: chunk frames (Protocol §16.3) read from the stored file from
/// `offset`, 64 KiB at a time, until the file ends, the request's time is up or it carries
/// ``maxChunks`` chunks (then the body ends cleanly at a frame boundary and the next request
/// resumes there). 127 chunks keep a request under 8 MiB, the hub's and its proxies' default body limit.
final class FrameSource: UploadSource {
    private let file: PosixFile
    private var offset: Int64
    private let size: Int64
    private let deadline: ContinuousClock.Instant
    private var chunks = 0
    static let maxChunks = 127
    private var frame: [UInt8] = []
    private var position = 0
    /// Set when reading the stored file failed (the transfer was aborted).
    private(set) var failure: FileStoreError?
    /// Chunk bytes put into frames so far.
    private(set) var framed: Int64 = 0

    init(path: String, offset: Int64, size: Int64, seconds: Double) throws(FileStoreError) {
        file = try PosixFile.reading(path)
        self.offset = offset
        self.size = size
        deadline = ContinuousClock.now + .seconds(seconds)
    }

    func fill(_ buffer: UnsafeMutableRawBufferPointer) -> Int? {
        if position == frame.count {
            guard offset < size, chunks < Self.maxChunks, ContinuousClock.now < deadline else { return 0 }
            chunks += 1
            do {
                let chunk = try file.read(at: offset, count: Int(min(Int64(ChunkFrame.maxChunkBytes), size - offset)))
                guard !chunk.isEmpty else {
                    failure = FileStoreError(.io, "\(file.path) ends at byte \(offset), before its \(size) bytes: damaged; run `reformsync check`")
                    return nil
                }
                frame = ChunkFrame.frame(chunk)
                position = 0
                offset += Int64(chunk.count)
                framed += Int64(chunk.count)
            } catch {
                failure = error
                return nil
            }
        }
        let count = min(buffer.count, frame.count - position)
        frame.withUnsafeBytes { raw in
            buffer.baseAddress!.copyMemory(from: raw.baseAddress! + position, byteCount: count)
        }
        position += count
        return count
    }
}

/// The body of one download: appended to the part file as it arrives (a cut keeps every byte
/// received); stops taking bytes once the request's time is up.
final class PartFileTarget: DownloadTarget {
    private let file: PosixFile
    private let deadline: ContinuousClock.Instant
    private(set) var received: Int64 = 0
    private(set) var failure: FileStoreError?
    private(set) var timeUp = false

    init(path: String, seconds: Double) throws(FileStoreError) {
        file = try PosixFile.appending(path)
        deadline = ContinuousClock.now + .seconds(seconds)
    }

    func take(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if ContinuousClock.now >= deadline {
            timeUp = true
            return false
        }
        do {
            try file.write(bytes)
            received += Int64(bytes.count)
            return true
        } catch {
            failure = error
            return false
        }
    }

    func flush() throws(FileStoreError) { try file.sync() }
}
