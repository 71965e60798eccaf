#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `reformsync bench daemon`: the real daemon and hub as processes; the daemon's resident memory
/// and CPU while idle, and its peak memory while syncing a large batch of changes.
///
/// Figures come from `/proc/PID/status` (VmRSS, VmHWM) and `/proc/PID/stat` (utime + stime).
public enum DaemonBenchmark {
    public struct Figures: Codable, Sendable {
        public var idleSeconds: Double
        public var idleRSSMegabytes: Double
        public var idleCPUPercent: Double
        /// Anonymous (private) memory: what the daemon itself allocated, without the shared
        /// libraries' and the binary's code pages that RSS also counts.
        public var idlePrivateMegabytes: Double
        public var syncChanges: Int
        public var syncSeconds: Double
        public var syncPeakRSSMegabytes: Double

        enum CodingKeys: String, CodingKey {
            case idleSeconds = "idle_seconds", idleRSSMegabytes = "idle_rss_mb", idleCPUPercent = "idle_cpu_percent"
            case idlePrivateMegabytes = "idle_private_mb"
            case syncChanges = "sync_changes", syncSeconds = "sync_seconds", syncPeakRSSMegabytes = "sync_peak_rss_mb"
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// - Parameters:
    ///   - binary: the `reformsync` executable to run.
    public static func run(binary: String, directory: String, idleSeconds: Double = 60, changes: Int = 100_000,
                           progress: @escaping @Sendable (String) -> Void) throws -> Figures {
        func path(_ name: String) -> String { directory + "/" + name }
        try runQuietly(binary, ["init", "--data-dir", path("hub"), "--unit", "SNV", "--role", "hub"])
        try runQuietly(binary, ["init", "--data-dir", path("node"), "--unit", "SONDUONG"])
        try "role: hub\ndata_dir: \(path("hub"))\nlog_level: error\nserver:\n  port: 0\n  max_body_bytes: 67108864\nsync:\n  batch_changes: 10000\n"
            .write(toFile: path("hub.yaml"), atomically: true, encoding: .utf8)
        let token = try runQuietly(binary, ["hub", "token", "create", "--config", path("hub.yaml"), "--unit", "SONDUONG", "--allow-unknown-unit"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let hub = try start(binary, ["hub", "--config", path("hub.yaml")], output: path("hub.out"))
        defer { hub.terminate(); hub.waitUntilExit() }
        let hubURL = try waitForLine(in: path("hub.out"), prefix: "listening on ", process: hub)
        let apiPort = try freePort()
        try """
            data_dir: \(path("node"))
            unit: SONDUONG
            log_level: error
            hub:
              url: \(hubURL)
              token: \(token)
            api:
              port: \(apiPort)
            sync:
              interval: 86400
              debounce: 1
              batch_changes: 10000
              batch_bytes: 33554432
            """.write(toFile: path("node.yaml"), atomically: true, encoding: .utf8)
        let daemon = try start(binary, ["daemon", "--config", path("node.yaml")], output: path("daemon.out"))
        defer { daemon.terminate(); daemon.waitUntilExit() }
        _ = try waitForLine(in: path("daemon.out"), prefix: "daemon running", process: daemon)
        // Let the first round (at start) finish before measuring idleness.
        Thread.sleep(forTimeInterval: 3)

        progress("idle for \(Int(idleSeconds)) s …")
        let cpuStart = try cpuSeconds(daemon.processIdentifier)
        let start = Date()
        Thread.sleep(forTimeInterval: idleSeconds)
        let cpuIdle = try cpuSeconds(daemon.processIdentifier) - cpuStart
        let elapsed = Date().timeIntervalSince(start)
        let idleRSS = try memory(daemon.processIdentifier, field: "VmRSS")
        let idlePrivate = try memory(daemon.processIdentifier, field: "RssAnon")

        progress("writing \(changes) column changes at the node and syncing them …")
        let rows = (changes + 4) / 5
        var records: [String] = []
        records.reserveCapacity(rows)
        for n in 0..<rows {
            records.append(#"{"unit":"SONDUONG","year":\#(2000 + n / 2000),"criterion":"C\#(n % 2000)","self_score":\#(Double(n % 41) / 4),"evidence":"Báo cáo số \#(n)/BC-UBND"}"#)
        }
        try ("[" + records.joined(separator: ",") + "]").write(toFile: path("records.json"), atomically: true, encoding: .utf8)
        try runQuietly(binary, ["record", "put", "--config", path("node.yaml"), "assessment_scores", "-"], stdin: path("records.json"))
        let syncStart = Date()
        // The local API wants the node's API token (DATA_DIR/api-token, written by init and the daemon).
        let apiToken = try String(contentsOfFile: path("node") + "/api-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try runQuietly("/usr/bin/env", ["curl", "-s", "-f", "-X", "POST", "-H", "Authorization: Bearer \(apiToken)", "http://127.0.0.1:\(apiPort)/sync"])
        // Done when the hub holds every row.
        while true {
            Thread.sleep(forTimeInterval: 0.5)
            let count = try runQuietly(binary, ["record", "list", "--config", path("hub.yaml"), "assessment_scores", "--limit", "1000000"])
                .components(separatedBy: "\"id\" :").count - 1
            if count >= rows { break }
            if Date().timeIntervalSince(syncStart) > 600 { throw Failure(description: "the daemon did not sync \(rows) rows within 600 s") }
            if !daemon.isRunning { throw Failure(description: "the daemon exited during the sync") }
        }
        let syncSeconds = Date().timeIntervalSince(syncStart)
        let peak = try memory(daemon.processIdentifier, field: "VmHWM")
        return Figures(idleSeconds: elapsed, idleRSSMegabytes: idleRSS / 1024, idleCPUPercent: 100 * cpuIdle / elapsed,
                       idlePrivateMegabytes: idlePrivate / 1024,
                       syncChanges: rows * 5, syncSeconds: syncSeconds, syncPeakRSSMegabytes: peak / 1024)
    }

    // MARK: - Processes and /proc

    @discardableResult
    static func runQuietly(_ executable: String, _ arguments: [String], stdin: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-bench-\(UUID().uuidString).err").path
        FileManager.default.createFile(atPath: errors, contents: nil)
        defer { unlink(errors) }
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: errors)
        if let stdin { process.standardInput = FileHandle(forReadingAtPath: stdin) }
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = ((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "").prefix(500)
            throw Failure(description: "\(executable) \(arguments.prefix(3).joined(separator: " ")) exited \(process.terminationStatus): \(message)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func start(_ executable: String, _ arguments: [String], output: String) throws -> Process {
        FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func waitForLine(in file: String, prefix: String, process: Process) throws -> String {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: file, encoding: .utf8),
               let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                return String(line.dropFirst(prefix.count))
            }
            if !process.isRunning { throw Failure(description: "\(process.arguments?.first ?? "") exited before printing \"\(prefix)\"") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw Failure(description: "no \"\(prefix)\" line in \(file) after 30 s")
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Failure(description: "cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A `/proc/PID/status` field in kB.
    static func memory(_ pid: Int32, field: String) throws -> Double {
        let text = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
              let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else {
            throw Failure(description: "no \(field) in /proc/\(pid)/status")
        }
        return kb
    }

    /// User + system CPU seconds of a process.
    static func cpuSeconds(_ pid: Int32) throws -> Double {
        let text = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name (which is in parentheses and may contain spaces).
        guard let close = text.lastIndex(of: ")") else { throw Failure(description: "unreadable /proc/\(pid)/stat") }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw Failure(description: "unreadable /proc/\(pid)/stat")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
