#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor, closed in `deinit`; reads and writes retry on EINTR and name the path
/// and the OS's reason when they fail (a full disk says "No space left on device").
public final class PosixFile {
    public let path: String
    let fd: Int32

    /// Opens `path` for reading.
    public static func reading(_ path: String) throws(FileStoreError) -> PosixFile {
        try PosixFile(path: path, flags: O_RDONLY | O_CLOEXEC)
    }

    /// Opens `path` for appending, creating it (mode 0640) when absent.
    public static func appending(_ path: String) throws(FileStoreError) -> PosixFile {
        try PosixFile(path: path, flags: O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC)
    }

    /// Creates `path` empty (truncating it) for writing.
    public static func creating(_ path: String) throws(FileStoreError) -> PosixFile {
        try PosixFile(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC)
    }

    init(path: String, flags: Int32) throws(FileStoreError) {
        self.path = path
        let fd = open(path, flags, 0o640)
        guard fd >= 0 else { throw Self.failure("cannot open", path) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Reads up to `buffer.count` bytes; 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileStoreError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw Self.failure("cannot read", path)
        }
    }

    /// Fills `buffer` unless the file ends first; returns how many bytes were read.
    public func readFully(into buffer: UnsafeMutableRawBufferPointer) throws(FileStoreError) -> Int {
        var total = 0
        while total < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[total...]))
            if n == 0 { break }
            total += n
        }
        return total
    }

    /// Reads up to `count` bytes at `offset` without moving the file position.
    public func read(at offset: Int64, count: Int) throws(FileStoreError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var total = 0
        while total < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + total, count - total, off_t(offset) + off_t(total)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.failure("cannot read", path)
            }
            if n == 0 { break }
            total += n
        }
        bytes.removeLast(count - total)
        return bytes
    }

    /// Writes all of `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileStoreError) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.failure("cannot write", path)
            }
            done += n
        }
    }

    public func write(_ bytes: [UInt8]) throws(FileStoreError) {
        var failure: FileStoreError?
        bytes.withUnsafeBytes { raw in
            do throws(FileStoreError) { try write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Flushes the file's data to the disk.
    public func sync() throws(FileStoreError) {
        guard fsync(fd) == 0 else { throw Self.failure("cannot flush to disk", path) }
    }

    /// The file's size now.
    public func size() throws(FileStoreError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Self.failure("cannot stat", path) }
        return Int64(info.st_size)
    }

    /// Shortens the file to `length` bytes.
    public func truncate(_ length: Int64) throws(FileStoreError) {
        guard ftruncate(fd, off_t(length)) == 0 else { throw Self.failure("cannot truncate", path) }
    }

    static func failure(_ what: String, _ path: String) -> FileStoreError {
        FileStoreError(.io, "\(what) \(path): \(String(cString: strerror(errno)))")
    }

    /// Flushes a directory's entries (after a rename into it), so the new name survives a power cut.
    public static func syncDirectory(_ path: String) throws(FileStoreError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open folder", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("cannot flush folder", path) }
    }

    /// The size of the file at `path`, nil when it does not exist.
    public static func size(of path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    /// The modification time of `path` in seconds since 1970, nil when it does not exist.
    public static func modified(_ path: String) -> Double? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }
}

/// Confined to the code that opened it.
@available(*, unavailable)
extension PosixFile: Sendable {}
