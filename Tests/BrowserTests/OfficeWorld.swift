import Foundation
import ReformsyncTestSupport
import Testing

/// A hub loaded with the 2021 reference data and a season whose self-assessment phase is open
/// now, and SONDUONG's node with its daemon (the unit's app on an ephemeral port) and two
/// accounts: `lan` (clerk) and `lanhdao` (leader). Real processes on 127.0.0.1; every one is
/// killed and the folder removed when the world goes away.
final class OfficeWorld: @unchecked Sendable {
    let root: String
    let hubPort: Int
    var hub: ChildProcess?
    var daemon: ChildProcess?
    var appURL = ""
    /// Extra environment for the hub and daemon processes (e.g. REFORMSYNC_CLOCK_OFFSET_FILE).
    var environment: [String: String] = [:]
    static let clerkPassword = "mật khẩu của Lan"
    static let leaderPassword = "Tuyên Quang 2021"

    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    init(_ label: String) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("rs-browser-\(label)-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: root + "/logs", withIntermediateDirectories: true)
        hubPort = try freePort()
        try write("hub.yaml", "role: hub\nunit: SNV\ndata_dir: \(root)/hub\nlog_level: notice\nserver:\n  host: 127.0.0.1\n  port: \(hubPort)\n")
        try must(["init", "--config", root + "/hub.yaml", "--unit", "SNV", "--role", "hub"])
        try must(["hub", "load", Self.repositoryRoot + "/Config/reference/2021", "--config", root + "/hub.yaml"])
        // The illustrative 2021 units ceased in 2025; SONDUONG is kept alive for the test's season.
        try must(["record", "put", "units", #"{"id":"SONDUONG","valid_to":null}"#, "--config", root + "/hub.yaml"])
        // A task for the unit and an earlier year's published result, as the hub would send them.
        try must(["record", "put", "tasks", #"{"id":"NV-2026-01","title":"Số hoá hồ sơ, kết quả giải quyết thủ tục hành chính","responsible_unit":"SONDUONG","deadline":"2026-12-15","target":"100% hồ sơ được số hoá"}"#, "--config", root + "/hub.yaml"])
        try must(["record", "put", "published_results", #"{"year":2020,"unit":"SONDUONG","group":"district","self_total":84.5,"appraised_total":80.25,"survey_points":12.5,"max_points":100,"index_percent":86.12,"rank":2,"ranked_of":7}"#, "--config", root + "/hub.yaml"])
        let today = Date()
        func day(_ offset: Int) -> String {
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd"
            formatter.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
            return formatter.string(from: today.addingTimeInterval(Double(offset) * 86_400))
        }
        try must(["season", "set", "--year", "2021", "--self-assessment-until", day(30), "--appraisal-until", day(60), "--explanation-until", day(75),
                  "--reappraisal-until", day(90), "--final-on", day(100), "--config", root + "/hub.yaml"])
        let token = try must(["hub", "token", "create", "--unit", "SONDUONG", "--config", root + "/hub.yaml"]).stdout
            .split(separator: "\n").last.map(String.init) ?? ""
        try write("node.yaml", "role: node\nunit: SONDUONG\ndata_dir: \(root)/node\nlog_level: notice\nhub:\n  url: http://127.0.0.1:\(hubPort)\n  token: \(token)\n  connect_timeout: 2\n  timeout: 5\napi:\n  port: 0\nsync:\n  debounce: 0.5\n  interval: 600\n  max_backoff: 5\n")
        try must(["init", "--config", root + "/node.yaml", "--unit", "SONDUONG"])
        try must(["users", "add", "lan", "--role", "clerk", "--password-stdin", "--config", root + "/node.yaml"], stdin: Self.clerkPassword + "\n")
        try must(["users", "add", "lanhdao", "--role", "leader", "--password-stdin", "--config", root + "/node.yaml"], stdin: Self.leaderPassword + "\n")
    }

    deinit { shutdown() }

    func shutdown() {
        daemon?.killNow()
        hub?.killNow()
        if ProcessInfo.processInfo.environment["REFORMSYNC_KEEP_TEST_FILES"] == nil { try? FileManager.default.removeItem(atPath: root) }
    }

    func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/" + name)) }

    @discardableResult
    func must(_ arguments: [String], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        let result = reformsync(arguments, stdin: stdin.map { Data($0.utf8) }, in: root + "/logs", sourceLocation: sourceLocation)
        try #require(result.code == 0, "`reformsync \(arguments.joined(separator: " "))` failed: \(result)", sourceLocation: sourceLocation)
        return result
    }

    func node(_ arguments: [String]) -> CommandResult {
        reformsync(arguments + ["--config", root + "/node.yaml"], in: root + "/logs")
    }

    func startHub() throws {
        var attempts = 0
        while true {
            attempts += 1
            let child = try ChildProcess(["hub", "--config", root + "/hub.yaml"], environment: environment, outputDirectory: root + "/logs")
            hub = child
            do {
                _ = try child.waitForOutput(#"listening on http://127\.0\.0\.1:\d+"#)
                return
            } catch where attempts < 10 && !child.isRunning {
                sleepSeconds(0.5)  // the port still held by the previous run
            }
        }
    }

    func stopHub() {
        hub?.signal(SIGTERM)
        if hub?.waitForExit(timeout: 10) == false { hub?.killNow() }
        hub = nil
    }

    func startDaemon() throws {
        let child = try ChildProcess(["daemon", "--config", root + "/node.yaml"], environment: environment, outputDirectory: root + "/logs")
        daemon = child
        let line = try child.waitForOutput(#"API listening on http://127\.0\.0\.1:\d+"#)
        appURL = String(line.dropFirst("API listening on ".count))
    }

    var accountsPath: String { root + "/node/accounts.sqlite" }
}
