import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Debian's Caddy running the shipped `Config/Caddyfile` in front of a test hub, as
/// ``NginxProxy`` does for nginx: the lines marked CHANGE are replaced (each must match), a
/// global options block keeps it off port 80 and its admin endpoint off, state stays in the test's
/// folder; one process, SIGKILLed at the end.
final class CaddyProxy: @unchecked Sendable {
    static let executable = "/usr/bin/caddy"
    static let shippedConfig = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Config/Caddyfile").path

    let directory: String
    let nodesPort: Int
    let operatorPort: Int
    private let process: Process

    init(world: World, hubPort: Int, certificate: String, key: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            Issue.record("caddy is not installed: install Debian's caddy (`apt-get install caddy`, or run scripts/install-deps.sh as root); the Caddyfile test cannot run without it",
                         sourceLocation: sourceLocation)
            throw TestFailure("caddy not installed")
        }
        let directory = world.path("caddy-\(UUID().uuidString.prefix(6))")
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let nodesPort = try freeLoopbackPort(), operatorPort = try freeLoopbackPort()
        var text = try String(contentsOfFile: Self.shippedConfig, encoding: .utf8)
        let replacements: [(String, String)] = [
            ("hub.example.gov.vn {", "https://127.0.0.1:\(nodesPort) {"),
            ("https://hub.example.gov.vn:8444 {", "https://127.0.0.1:\(operatorPort) {"),
            ("reverse_proxy 127.0.0.1:8443", "reverse_proxy 127.0.0.1:\(hubPort)"),
            ("/etc/reformsync/tls/hub.crt", certificate),
            ("/etc/reformsync/tls/hub.key", key),
        ]
        for (old, new) in replacements {
            guard text.contains(old) else {
                Issue.record("Config/Caddyfile no longer contains `\(old)`: update CaddyProxy's replacements", sourceLocation: sourceLocation)
                throw TestFailure("Caddyfile changed")
            }
            text = text.replacingOccurrences(of: old, with: new)
        }
        text = "{\n\tadmin off\n\tauto_https disable_redirects\n\tstorage file_system \(directory)/storage\n}\n\n" + text
        let file = directory + "/Caddyfile"
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["run", "--config", file, "--adapter", "caddyfile"]
        process.environment = ["HOME": directory, "XDG_DATA_HOME": directory + "/data", "XDG_CONFIG_HOME": directory + "/config",
                               "PATH": "/usr/bin:/bin"]
        let log = FileHandle(forWritingAtPath: {
            _ = FileManager.default.createFile(atPath: directory + "/caddy.log", contents: nil)
            return directory + "/caddy.log"
        }())
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.nodesPort = nodesPort
        self.operatorPort = operatorPort
        let up = eventually(timeout: 15, every: 0.05) {
            !process.isRunning || (loopbackListening(nodesPort) && loopbackListening(operatorPort))
        }
        guard up, process.isRunning else {
            stop()
            Issue.record("caddy did not start: \(self.log)", sourceLocation: sourceLocation)
            throw TestFailure("caddy did not start")
        }
    }

    deinit { stop() }

    var nodesURL: String { "https://127.0.0.1:\(nodesPort)" }
    var operatorURL: String { "https://127.0.0.1:\(operatorPort)" }
    var log: String { (try? String(contentsOfFile: directory + "/caddy.log", encoding: .utf8)) ?? "" }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { usleep(5_000) }
    }
}
