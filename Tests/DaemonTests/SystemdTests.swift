import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The systemd units, and the sd_notify protocol as systemd sees it (Type=notify, WatchdogSec=).
@Suite("systemd", .serialized, .timeLimit(.minutes(2)))
struct SystemdTests {
    static let unitsDirectory: String = {
        // Tests/DaemonTests/SystemdTests.swift → the package root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("systemd").path
    }()

    static let systemdAnalyze: String? = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze", "/usr/local/bin/systemd-analyze"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test("systemd-analyze verify accepts both units", arguments: ["reformsync-daemon.service", "reformsync-hub.service"])
    func verifyUnit(_ name: String) throws {
        let source = try String(contentsOfFile: Self.unitsDirectory + "/" + name, encoding: .utf8)
        let binary = try BuiltBinary.require()
        #expect(source.contains("Type=notify"), "\(name) must be Type=notify: the daemon and hub send READY=1")
        #expect(source.contains("RestartPreventExitStatus=2"), "\(name): exit code 2 (bad configuration) must not restart")
        #expect(source.contains("ExecStart=/usr/bin/reformsync "), "\(name): ExecStart changed; update this test")
        guard let analyze = Self.systemdAnalyze else {
            // Recorded in the output; the content checks above still ran.
            print("SKIPPED systemd-analyze verify of \(name): systemd-analyze is not installed on this machine")
            return
        }
        let world = try World("unit")
        defer { world.shutdown() }
        // The unit as installed, but starting the binary under test.
        let unit = world.write(name, source.replacingOccurrences(of: "ExecStart=/usr/bin/reformsync ", with: "ExecStart=\(binary) "))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: analyze)
        process.arguments = ["verify", unit]
        process.environment = ["PATH": "/usr/bin:/bin", "SYSTEMD_LOG_COLOR": "0", "LC_ALL": "C.UTF-8"]
        let output = world.path("verify.txt")
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "systemd-analyze verify \(name): exit \(process.terminationStatus)\n\(text)")
        // Warnings about the file itself (unknown keys, bad values) come prefixed with its path.
        let complaints = text.split(separator: "\n").filter { $0.contains(name) }
        #expect(complaints.isEmpty, "systemd-analyze verify \(name):\n\(text)")
    }

    @Test("the daemon notifies READY=1 once its API listens, WATCHDOG=1 regularly, STOPPING=1 on SIGTERM")
    func daemonNotifies() throws {
        let world = try World("notify")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        let hubSocket = try world.notifySocket("hub.sock")
        let hubChild = try hub.start(environment: ["NOTIFY_SOCKET": hubSocket.path, "WATCHDOG_USEC": "2000000"])
        let hubReady = hubSocket.wait(for: "READY", timeout: 10)
        #expect(hubReady != nil, "the hub sent no READY=1: \(hubSocket.messages.map(\.text))")
        #expect(hubReady?.fields["MAINPID"] == String(hubChild.pid))

        let node = try world.makeNode(hub: hub)
        let socket = try world.notifySocket("daemon.sock")
        let environment = ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "2000000"]
        let child = try world.spawn(["daemon", "--config", node.configPath], environment: environment)
        let ready = socket.wait(for: "READY", timeout: 30)
        let readyMessage = try #require(ready, "no READY=1 from the daemon: \(socket.messages.map(\.text))\n\(child.result)")
        #expect(readyMessage.fields["MAINPID"] == String(child.pid), "\(readyMessage.text)")
        // READY=1 means "serving": the API must answer right away, at the address the status line gives.
        let api = try #require(readyMessage.text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression).map { String(readyMessage.text[$0]) },
                               "READY's STATUS names no API: \(readyMessage.text)")
        let health = try http("GET", api, "/health")
        #expect(health.status == 200, "\(health)")

        // WATCHDOG_USEC=2 s: a WATCHDOG=1 at least every second.
        let firstWatchdog = socket.wait(for: "WATCHDOG", timeout: 5)
        #expect(firstWatchdog != nil, "no WATCHDOG=1: \(socket.messages.map(\.text))")
        if let firstWatchdog {
            #expect(socket.wait(for: "WATCHDOG", after: firstWatchdog.time, timeout: 5) != nil, "only one WATCHDOG=1")
        }
        #expect(hubSocket.wait(for: "WATCHDOG", timeout: 5) != nil, "the hub sent no WATCHDOG=1: \(hubSocket.messages.map(\.text))")

        // Once synced, the STATUS line says so.
        #expect(eventually(timeout: 10) { socket.messages.contains { $0.fields["STATUS"]?.hasPrefix("in sync") == true } },
                "no STATUS=in sync…: \(socket.messages.map(\.text))")

        let before = monotonicSeconds()
        child.signal(SIGTERM)
        let stopping = socket.wait(for: "STOPPING", after: before, timeout: 10)
        #expect(stopping != nil, "no STOPPING=1 after SIGTERM: \(socket.messages.map(\.text))")
        #expect(child.waitForExit(timeout: 10), "still running 10 s after SIGTERM")
        #expect(child.result.code == 0, "\(child.result)")
        // No READY=1 after STOPPING=1.
        #expect(!socket.messages.contains { $0.time > (stopping?.time ?? .infinity) && $0.fields["READY"] != nil })

        let hubBefore = monotonicSeconds()
        hubChild.signal(SIGTERM)
        #expect(hubSocket.wait(for: "STOPPING", after: hubBefore, timeout: 10) != nil, "the hub sent no STOPPING=1: \(hubSocket.messages.map(\.text))")
        #expect(hubChild.waitForExit(timeout: 10) && hubChild.result.code == 0, "\(hubChild.result)")
    }

    @Test("without WATCHDOG_USEC the daemon sends no WATCHDOG=1 (and READY=1 also with the API disabled)")
    func noWatchdogWithoutAsking() throws {
        let world = try World("nowatchdog")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub, settings: ["api.enabled": "false"])
        let socket = try world.notifySocket("daemon.sock")
        let child = try world.spawn(["daemon", "--config", node.configPath], environment: ["NOTIFY_SOCKET": socket.path])
        #expect(socket.wait(for: "READY", timeout: 30) != nil, "no READY=1: \(socket.messages.map(\.text))\n\(child.result)")
        sleepSeconds(1.5)
        #expect(!socket.messages.contains { $0.fields["WATCHDOG"] != nil }, "\(socket.messages.map(\.text))")
        let state = try String(contentsOfFile: node.dataDirectory + "/daemon.json", encoding: .utf8)
        #expect(!state.contains("\"api\""), "api.enabled false, yet daemon.json names an API: \(state)")
        #expect(child.stdout.contains("daemon running for SONDUONG\n"), "\(child.stdout)")
        child.signal(SIGTERM)
        #expect(child.waitForExit(timeout: 10) && child.result.code == 0, "\(child.result)")
    }
}
