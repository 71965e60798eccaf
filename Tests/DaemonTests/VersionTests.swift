import Foundation
import Testing

/// One version, everywhere an operator looks during an upgrade (README "Upgrading"):
/// `reformsync --version`, `status` at the node and at the hub, and the hub's node registry, fed
/// by the handshake's `software`.
@Suite("versions", .serialized, .timeLimit(.minutes(2)))
struct VersionTests {
    @Test("--version, the node's status, the handshake and the hub's registry all show the same version")
    func endToEnd() throws {
        let world = try World("versions")
        defer { world.shutdown() }
        let printed = world.run(["--version"])
        #expect(printed.code == 0, "\(printed)")
        let line = printed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let match = try #require(line.range(of: #"^reformsync (\d+\.\d+\.\d+) \(protocol 1, schema 2\)$"#, options: .regularExpression),
                                 "unexpected --version: \(line)")
        let version = String(line[match].dropFirst("reformsync ".count).prefix { $0 != " " })
        let software = "reformsync/\(version)"

        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub)
        let daemon = try node.startDaemon()
        #expect(try daemon.request("POST", "/sync?wait=1", timeout: 30).status == 200)

        let status = node.status()
        #expect(status.object["software"] as? String == software, "\(status)")
        #expect(status.object["daemon_software"] as? String == software, "\(status)")
        #expect(status.table.stdout.contains(software), "\(status)")
        #expect(!status.table.stdout.contains("restart it"), "\(status)")

        let hubStatus = world.run(["status", "--json", "--config", hub.configPath])
        let object = try #require(parseJSON(hubStatus.stdout) as? [String: Any], "\(hubStatus)")
        #expect(object["software"] as? String == software, "the running hub's version: \(hubStatus)")
        let nodes = try #require(object["nodes"] as? [[String: Any]], "\(hubStatus)")
        #expect(nodes.first?["software"] as? String == software, "the registry does not show the node's version: \(hubStatus)")
        #expect(world.run(["status", "--config", hub.configPath]).stdout.contains(software))
    }

    @Test("a daemon older than the binary is pointed out: status says to restart it")
    func staleDaemon() throws {
        let world = try World("versions-stale")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub)
        let daemon = try node.startDaemon()
        // After its round the daemon leaves daemon.json alone (a 10-minute interval).
        #expect(try daemon.request("POST", "/sync?wait=1", timeout: 30).status == 200)
        // What an upgrade leaves behind: the state file of a daemon started from the old binary.
        let statePath = node.dataDirectory + "/daemon.json"
        #expect(eventually(timeout: 10) { FileManager.default.fileExists(atPath: statePath) })
        let state = try String(contentsOfFile: statePath, encoding: .utf8)
        let old = state.replacingOccurrences(of: #""software"\s*:\s*"[^"]*""#, with: #""software" : "reformsync/0.0.1""#, options: .regularExpression)
        #expect(old != state, "daemon.json has no software field: \(state)")
        try Data(old.utf8).write(to: URL(fileURLWithPath: statePath))
        let status = node.status()
        #expect(status.object["daemon_software"] as? String == "reformsync/0.0.1", "\(status)")
        #expect(status.table.stdout.contains("the running daemon is reformsync/0.0.1: restart it"), "\(status)")
        #expect(daemon.isRunning)
    }
}
