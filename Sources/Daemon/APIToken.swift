#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// The local API's token for programs: `<data_dir>/api-token`, one line, mode 0600.
///
/// Every route of the daemon's local API but `GET /health` needs `Authorization: Bearer <token>`
/// (README, "Running a district node"): the API writes data the node then pushes under the unit's
/// hub token, so whoever can read this file may write as the unit. Created when missing, at
/// `reformsync init` and at daemon start; `reformsync api-token` prints it, `--rotate` replaces
/// it (the running daemon notices the new file on the next request).
public enum APIToken {
    /// `<data_dir>/api-token`.
    public static func path(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("api-token")
    }

    /// The token in the data directory, created (0600) when there is none. A file others may
    /// read is tightened to 0600 first.
    public static func loadOrCreate(dataDirectory: String) throws(APITokenError) -> String {
        let file = path(dataDirectory: dataDirectory)
        if let token = try read(file) { return token }
        let token = generate()
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            // Another process (init and daemon at once) created it first: use theirs.
            if errno == EEXIST, let token = try read(file) { return token }
            throw APITokenError(file: file, message: "cannot create the token file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        try writeAll(fd, token + "\n", file: file)
        return token
    }

    /// Replaces the token with a new one (atomically: a reader sees the old or the new file).
    public static func rotate(dataDirectory: String) throws(APITokenError) -> String {
        let file = path(dataDirectory: dataDirectory)
        let temporary = file + ".new"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw APITokenError(file: temporary, message: "cannot create the new token file: \(String(cString: strerror(errno)))")
        }
        let token = generate()
        do {
            try writeAll(fd, token + "\n", file: temporary)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, file) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw APITokenError(file: file, message: "cannot replace the token file: \(reason)")
        }
        return token
    }

    /// Compares in time independent of where the strings differ, so the token cannot be guessed
    /// byte by byte from response times.
    public static func matches(_ presented: String, _ expected: String) -> Bool {
        let a = Array(presented.utf8), b = Array(expected.utf8)
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<b.count { difference |= (i < a.count ? a[i] : 0) ^ b[i] }
        return difference == 0 && a.count == b.count
    }

    /// `rsapi_` and 32 random bytes in hex.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return "rsapi_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// The token in `file`, nil when the file does not exist.
    static func read(_ file: String) throws(APITokenError) -> String? {
        var info = stat()
        guard stat(file, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw APITokenError(file: file, message: "cannot read the token file: \(String(cString: strerror(errno)))")
        }
        if info.st_mode & 0o077 != 0 { chmod(file, 0o600) }
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw APITokenError(file: file, message: "cannot read the token file (permissions?)")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.count >= 16, !token.contains(where: { $0.isWhitespace }) else {
            throw APITokenError(file: file, message: "the token file holds no usable token (16 characters or more, no spaces): "
                                + "run `reformsync api-token --rotate` to write a new one")
        }
        return token
    }

    private static func writeAll(_ fd: Int32, _ text: String, file: String) throws(APITokenError) {
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw APITokenError(file: file, message: "cannot write the token file: \(String(cString: strerror(errno)))")
        }
    }
}

/// The token file could not be read or written.
public struct APITokenError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }
}

/// The token the running daemon checks, re-read when the file changes (`api-token --rotate`
/// takes effect without a restart). If the file disappears, the last token read stays in force.
final class APITokenStore: Sendable {
    private struct Cached {
        var token: String
        var modified: timespec
        var inode: ino_t
    }

    let file: String
    private let cached: Mutex<Cached>

    init(dataDirectory: String) throws(APITokenError) {
        file = APIToken.path(dataDirectory: dataDirectory)
        let token = try APIToken.loadOrCreate(dataDirectory: dataDirectory)
        var info = stat()
        stat(file, &info)
        cached = Mutex(Cached(token: token, modified: info.st_mtim, inode: info.st_ino))
    }

    /// The token in force now.
    var current: String {
        var info = stat()
        guard stat(file, &info) == 0 else { return cached.withLock { $0.token } }
        let changed = cached.withLock {
            $0.inode != info.st_ino || $0.modified.tv_sec != info.st_mtim.tv_sec || $0.modified.tv_nsec != info.st_mtim.tv_nsec
        }
        if changed, let token = try? APIToken.read(file) {
            cached.withLock { $0 = Cached(token: token, modified: info.st_mtim, inode: info.st_ino) }
            return token
        }
        return cached.withLock { $0.token }
    }
}
