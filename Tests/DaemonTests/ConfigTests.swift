import Foundation
import Testing

/// A bad configuration file: the daemon exits 2 (systemd does not restart it) with a message that
/// names the file, the line and the key — and `reformsync config check` says the same.
@Suite("bad configuration", .timeLimit(.minutes(1)))
struct ConfigTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// The file's lines after the common head (data_dir, unit); `TOKEN` becomes a valid token line.
        var lines: [String]
        /// What the message must contain (besides the file name): the key, the line, the problem.
        var expected: [String]
        /// Whether `config check` is expected to spot it (it does not know what only the daemon needs).
        var checkAgrees: Bool = true
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "unknown key", lines: ["hub:", "  url: http://127.0.0.1:9", "  token: rs1_x", "sync:", "  intervall: 30"],
             expected: [":7:", "sync.intervall", "unknown key", "interval"]),
        Case(name: "unknown section", lines: ["hub:", "  url: http://127.0.0.1:9", "  token: rs1_x", "apii:", "  port: 0"],
             expected: [":6:", "apii", "unknown key"]),
        Case(name: "bad number", lines: ["hub:", "  url: http://127.0.0.1:9", "  token: rs1_x", "sync:", "  interval: fast"],
             expected: [":7:", "sync.interval", "expected a number", "fast"]),
        Case(name: "out of range", lines: ["hub:", "  url: http://127.0.0.1:9", "  token: rs1_x", "api:", "  port: 70000"],
             expected: [":7:", "api.port", "70000"]),
        Case(name: "bad boolean", lines: ["hub:", "  url: http://127.0.0.1:9", "  token: rs1_x", "api:", "  enabled: maybe"],
             expected: [":7:", "api.enabled", "true or false"]),
        Case(name: "bad sync window", lines: ["hub:", "  url: http://127.0.0.1:9", "  token: rs1_x", "sync:", "  window: 25:00-07:00"],
             expected: [":7:", "sync.window", "HH:MM-HH:MM"]),
        Case(name: "hub.url not http(s)", lines: ["hub:", "  url: ftp://hub.example", "  token: rs1_x"],
             expected: ["hub.url", "https://"]),
        Case(name: "token file missing", lines: ["hub:", "  url: http://127.0.0.1:9", "  token_file: /nonexistent/reformsync-token"],
             expected: ["hub.token_file", "/nonexistent/reformsync-token", "cannot read"]),
        Case(name: "both token and token file", lines: ["hub:", "  url: http://127.0.0.1:9", "  token: rs1_x", "  token_file: /etc/hostname"],
             expected: ["hub.token", "not both"]),
        Case(name: "response cap out of range", lines: ["hub:", "  url: http://127.0.0.1:9", "  token: rs1_x", "  max_response_bytes: 1000"],
             expected: [":6:", "hub.max_response_bytes", "1000", "outside"]),
        Case(name: "response cap not a number", lines: ["hub:", "  url: http://127.0.0.1:9", "  token: rs1_x", "  max_response_bytes: lots"],
             expected: [":6:", "hub.max_response_bytes", "whole number"]),
        Case(name: "allowed host with a slash", lines: ["hub:", "  url: http://127.0.0.1:9", "  token: rs1_x", "api:", "  allowed_hosts:",
                                                        "    - reformsync.sonduong.local", "    - http://evil.example/"],
             expected: [":9:", "api.allowed_hosts", "http://evil.example/", "not a host name"]),
        Case(name: "allowed hosts as a section", lines: ["hub:", "  url: http://127.0.0.1:9", "  token: rs1_x", "api:", "  allowed_hosts:",
                                                         "    name: x"],
             expected: ["api.allowed_hosts", "list"]),
        Case(name: "missing hub.url", lines: ["hub:", "  token: rs1_x"], expected: ["hub.url"], checkAgrees: false),
        Case(name: "missing token", lines: ["hub:", "  url: http://127.0.0.1:9"], expected: ["hub.token"], checkAgrees: false),
    ]

    @Test("the daemon exits 2 naming file, line and key; config check agrees", arguments: cases)
    func badConfiguration(_ example: Case) throws {
        let world = try World("config")
        defer { world.shutdown() }
        let dataDirectory = world.path("node")
        let created = world.run(["init", "--data-dir", dataDirectory, "--unit", "SONDUONG"])
        try #require(created.code == 0, "\(created)")
        let file = world.write("district.yaml", (["data_dir: \(dataDirectory)", "unit: SONDUONG"] + example.lines).joined(separator: "\n") + "\n")

        let daemon = world.run(["daemon", "--config", file], timeout: 30)
        #expect(daemon.code == 2, "\(example.name): \(daemon)")
        #expect(!daemon.stdout.contains("daemon running"), "\(daemon)")
        let message = daemon.stderr
        let namesFile = message.contains(file) || example.expected.contains { $0.hasPrefix("/") && message.contains($0) }
        #expect(namesFile, "\(example.name): the message does not name \(file): \(message)")
        for part in example.expected {
            #expect(message.contains(part), "\(example.name): no \"\(part)\" in: \(message)")
        }
        #expect(!FileManager.default.fileExists(atPath: dataDirectory + "/daemon.json"))

        let check = world.run(["config", "check", "--config", file])
        // `config check` makes the same checks as the daemon.
        #expect(check.code == 2, "\(example.name): config check: \(check)")
        for part in example.expected {
            #expect(check.stderr.contains(part), "\(example.name): config check says: \(check.stderr)")
        }
        if example.checkAgrees {
            // The same words, so the operator can fix the file with `config check` alone.
            let line = message.split(separator: "\n").first { $0.hasPrefix("error:") }.map(String.init) ?? message
            #expect(check.stderr.contains(line), "config check: \(check.stderr)\ndaemon: \(message)")
        }
    }

    @Test("no configuration file at all: exit 2 naming the path")
    func missingFile() throws {
        let world = try World("nofile")
        defer { world.shutdown() }
        let path = world.path("absent.yaml")
        let daemon = world.run(["daemon", "--config", path], timeout: 30)
        #expect(daemon.code == 2, "\(daemon)")
        #expect(daemon.stderr.contains(path) && daemon.stderr.contains("cannot read"), "\(daemon)")
        let check = world.run(["config", "check", "--config", path])
        #expect(check.code == 2 && check.stderr.contains(path), "\(check)")
    }
}
