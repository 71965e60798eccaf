#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `<data_dir>/daemon.json`: lets `reformsync status` know whether the daemon runs, since when,
/// where its local API listens, and how its last sync round ended — without talking to it.
///
/// The last failure is kept here as well as in the replica because the replica may be exactly
/// what cannot record it: with the disk full, the failed round's `last_error` cannot be written
/// to the database. So the file is written padded to ``reservedBytes`` at start (while there is
/// room) and later updates overwrite those bytes in place, which needs no new disk block.
public struct DaemonStateFile: Codable, Sendable, Equatable {
    public var pid: Int32
    public var startedAt: Date
    public var api: String?
    public var software: String
    /// The configuration file the daemon was started with (absolute; nil: none), so that
    /// `status --data-dir DIR` reads the same hub settings as the daemon.
    public var config: String?
    /// The last round's failure (nil after a successful round).
    public var lastError: String?
    public var lastErrorAt: Date?

    /// The file's size on disk: room for a long error message.
    static let reservedBytes = 8192

    public init(pid: Int32 = getpid(), startedAt: Date = Date(), api: String?, software: String, config: String? = nil,
                lastError: String? = nil, lastErrorAt: Date? = nil) {
        self.config = config
        self.pid = pid
        self.startedAt = startedAt
        self.api = api
        self.software = software
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
    }

    public static func path(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("daemon.json")
    }

    /// The JSON padded with spaces to ``reservedBytes`` (a long error message is shortened to fit).
    func padded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var copy = self
        var bytes = Array(try encoder.encode(copy))
        while bytes.count >= Self.reservedBytes, let message = copy.lastError, !message.isEmpty {
            copy.lastError = String(message.prefix(message.count / 2)) + "…"
            bytes = Array(try encoder.encode(copy))
        }
        bytes.append(0x0A)
        if bytes.count < Self.reservedBytes { bytes += [UInt8](repeating: 0x20, count: Self.reservedBytes - bytes.count) }
        return bytes
    }

    /// Writes the whole file anew (atomically), at start.
    public func write(dataDirectory: String) throws {
        try Data(padded()).write(to: URL(fileURLWithPath: Self.path(dataDirectory: dataDirectory)), options: .atomic)
    }

    /// Overwrites the reserved bytes in place (works on a full disk); falls back to ``write(dataDirectory:)``
    /// when the file is missing or smaller.
    public func update(dataDirectory: String) throws {
        let bytes = try padded()
        let file = Self.path(dataDirectory: dataDirectory)
        var info = stat()
        guard stat(file, &info) == 0, Int(info.st_size) == bytes.count else { return try write(dataDirectory: dataDirectory) }
        let fd = open(file, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return try write(dataDirectory: dataDirectory) }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == bytes.count else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file, NSLocalizedDescriptionKey: String(cString: strerror(errno))])
        }
    }

    public static func remove(dataDirectory: String) {
        try? FileManager.default.removeItem(atPath: path(dataDirectory: dataDirectory))
    }

    /// The configuration file the daemon on `dataDirectory` was started with (the file is removed
    /// when the daemon stops; a stale one from a crash still names the right file).
    public static func recordedConfig(dataDirectory: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path(dataDirectory: dataDirectory)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode(DaemonStateFile.self, from: data))?.config
    }

    /// The state of a daemon that is running now; nil when none is (a stale file is ignored).
    public static func running(dataDirectory: String) -> DaemonStateFile? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        // An in-place update may be read half-written: read again.
        for attempt in 0..<3 {
            guard let data = FileManager.default.contents(atPath: path(dataDirectory: dataDirectory)) else { return nil }
            guard let state = try? decoder.decode(DaemonStateFile.self, from: data) else {
                if attempt < 2 { usleep(20_000) }
                continue
            }
            guard kill(state.pid, 0) == 0 || errno == EPERM else { return nil }
            return state
        }
        return nil
    }
}
