import Foundation
import Replica
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGTERM in the middle of a large push, then a restart: a prompt clean exit, a sound replica,
/// and every change at the hub exactly once.
@Suite("SIGTERM during a large sync", .serialized, .timeLimit(.minutes(3)))
struct ShutdownTests {
    @Test("SIGTERM while pushing 24,000 changes: exit 0 in < 10 s, replica intact, restart delivers everything once")
    func sigtermDuringPush() throws {
        let world = try World("sigterm")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub, settings: ["sync.batch_changes": "200", "log_level": "notice"])
        let rows = 6_000
        node.put("initiatives", initiatives(rows))  // 4 changes a row: 24,000 pending changes
        let replica = try node.openReplica()
        let final = try replica.currentVersion()
        let pending = node.status().int("pending_changes") ?? 0
        #expect(pending >= 20_000, "pending changes before the daemon starts: \(pending)")

        let daemon = try node.startDaemon()
        // Wait until the push is under way: some batches acknowledged, most not.
        var position: Int64 = 0
        let pushing = eventually(timeout: 60, every: 0.01) {
            position = (try? replica.cursor("push").position) ?? 0
            return position > 0 || !daemon.isRunning
        }
        try #require(pushing && daemon.isRunning, "the push never started: \(daemon.child.result)")
        try #require(position < final, "the push finished before SIGTERM (\(position) of \(final)); cannot test an interruption")

        let stop = daemon.terminate(timeout: 10)
        #expect(stop.exited, "still running 10 s after SIGTERM: \(stop.result)")
        #expect(stop.result.code == 0 && stop.result.signal == nil, "SIGTERM must be a clean stop: \(stop.result)")
        #expect(stop.seconds < 10, "took \(stop.seconds) s to stop")
        #expect(try integrityCheck(node.replicaPath) == "ok")
        let interruptedAt = try replica.cursor("push").position
        let atHub = try hub.count("initiatives")
        #expect(interruptedAt < final, "the whole push completed despite SIGTERM (\(interruptedAt) of \(final))")
        #expect(atHub < rows, "the hub already has every row: the push was not interrupted")
        #expect(!FileManager.default.fileExists(atPath: node.dataDirectory + "/daemon.json"))
        // A requested stop is not a failed sync: no error, only "not running" and the pending rest.
        let stopped = node.status()
        #expect(stopped.code == 1, "\(stopped)")
        #expect(stopped.object["last_error"] is NSNull, "SIGTERM recorded as a sync error: \(stopped.json.stdout)")
        #expect(stopped.object["daemon_running"] as? Bool == false)
        #expect((stopped.int("pending_changes") ?? 0) > 0)

        // The restarted daemon resumes from the committed cursor and delivers the rest.
        let restarted = try node.startDaemon()
        let done = eventually(timeout: 90, every: 0.25) { ((try? hub.count("initiatives")) ?? 0) >= rows && node.status().code == 0 }
        #expect(done, "not in sync after the restart: hub has \((try? hub.count("initiatives")) ?? -1) of \(rows)\n\(node.status())\n--- daemon log\n\(restarted.log.suffix(3000))")

        #expect(try hub.count("initiatives") == node.count("initiatives"))
        #expect(try node.count("initiatives") == rows)
        #expect(try hub.duplicatedHistoryEntries() == 0, "a change was recorded twice at the hub")
        // Same values and the same stamps on both sides: each change merged once, none rewritten.
        let hubRows = try dumpLines(hub.replicaPath, table: "initiatives")
        let nodeRows = try dumpLines(node.replicaPath, table: "initiatives")
        #expect(hubRows.count == rows)
        #expect(hubRows == nodeRows, "hub and node differ on \(Set(hubRows).symmetricDifference(nodeRows).count) line(s)")
        #expect(try integrityCheck(hub.replicaPath) == "ok")
        let status = node.status()
        #expect(status.code == 0 && status.int("pending_changes") == 0, "\(status)")
        let stopAgain = restarted.terminate()
        #expect(stopAgain.result.code == 0, "\(stopAgain.result)")
    }
}
