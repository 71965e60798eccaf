#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `<data_dir>/daemon.json`: lets `reformsync status` know whether the daemon runs, since when,
/// and where its local API listens — without talking to it.
public struct DaemonStateFile: Codable, Sendable, Equatable {
    public var pid: Int32
    public var startedAt: Date
    public var api: String?
    public var software: String

    public init(pid: Int32 = getpid(), startedAt: Date = Date(), api: String?, software: String) {
        self.pid = pid
        self.startedAt = startedAt
        self.api = api
        self.software = software
    }

    public static func path(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("daemon.json")
    }

    public func write(dataDirectory: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: Self.path(dataDirectory: dataDirectory)), options: .atomic)
    }

    public static func remove(dataDirectory: String) {
        try? FileManager.default.removeItem(atPath: path(dataDirectory: dataDirectory))
    }

    /// The state of a daemon that is running now; nil when none is (a stale file is ignored).
    public static func running(dataDirectory: String) -> DaemonStateFile? {
        guard let data = FileManager.default.contents(atPath: path(dataDirectory: dataDirectory)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let state = try? decoder.decode(DaemonStateFile.self, from: data) else { return nil }
        guard kill(state.pid, 0) == 0 || errno == EPERM else { return nil }
        return state
    }
}
