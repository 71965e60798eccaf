#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `<data_dir>/hub.json`: lets `reformsync status` at the hub know whether `reformsync hub` runs,
/// since when and where it listens — without a credential and without talking to it (the hub's
/// counterpart of the daemon's `daemon.json`). Written once listening, removed on a clean stop;
/// a file left by a killed hub names a pid that no longer runs and is ignored.
public struct HubStateFile: Codable, Sendable, Equatable {
    public var pid: Int32
    public var startedAt: Date
    /// `http://HOST:PORT` as printed at start.
    public var listening: String
    public var software: String

    public init(pid: Int32 = getpid(), startedAt: Date = Date(), listening: String, software: String) {
        self.pid = pid
        self.startedAt = startedAt
        self.listening = listening
        self.software = software
    }

    enum CodingKeys: String, CodingKey { case pid, startedAt = "started_at", listening, software }

    public static func path(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("hub.json")
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

    /// The state of a hub that runs now; nil when none does (a stale or unreadable file is ignored).
    public static func running(dataDirectory: String) -> HubStateFile? {
        guard let data = FileManager.default.contents(atPath: path(dataDirectory: dataDirectory)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let state = try? decoder.decode(HubStateFile.self, from: data), state.pid > 0 else { return nil }
        guard kill(state.pid, 0) == 0 || errno == EPERM else { return nil }
        return state
    }
}
