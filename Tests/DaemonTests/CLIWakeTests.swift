import Foundation
import Testing

/// A write by another process (`reformsync record put` beside the running daemon) wakes the
/// daemon as an API write does: the daemon polls SQLite's `data_version` on its writer connection
/// (README "Using it"). Its own writes (the rounds' cursors and notes) never wake it.
@Suite("CLI writes wake the daemon", .serialized, .timeLimit(.minutes(2)))
struct CLIWakeTests {
    func rounds(_ daemon: DaemonProcess) -> Int {
        Int(prometheusValue((try? daemon.request("GET", "/metrics").text) ?? "", "reformsync_sync_rounds_total") ?? -1)
    }

    @Test("record put from the command line reaches the hub within seconds, without POST /sync; the rounds do not wake the daemon again")
    func recordPutWakes() throws {
        let world = try World("cli-wake")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        // A 10-minute interval: only a wake-up can bring a round in the next seconds.
        let node = try world.makeNode(hub: hub, settings: ["sync.interval": "600", "sync.debounce": "0.5"])
        let daemon = try node.startDaemon()
        #expect(eventually(timeout: 20) { rounds(daemon) == 1 }, "no first round at start")
        sleepSeconds(2.5)
        #expect(rounds(daemon) == 1, "the first round's own writes woke the daemon: \(rounds(daemon)) rounds")

        node.put("initiatives", initiatives(3, prefix: "SD-CLI"))
        #expect(eventually(timeout: 10, every: 0.1) { (try? hub.count("initiatives")) == 3 },
                "the CLI's writes did not reach the hub within 10 s (\(rounds(daemon)) rounds): the daemon did not notice them")
        // The round is counted when it ends (after its pull), a moment after the hub has the rows.
        #expect(eventually(timeout: 10) { rounds(daemon) >= 2 }, "the round that pushed them was not counted")
        #expect(rounds(daemon) == 2, "one CLI write made \(rounds(daemon) - 1) rounds, not one")
        // The round's own commits (cursors, hub version) are the daemon's: they must not start another.
        sleepSeconds(3)
        #expect(rounds(daemon) == 2, "the daemon woke itself after its own round: \(rounds(daemon)) rounds")
        // Reading from the command line (monitoring runs `status` every minute) commits nothing: no round.
        #expect(node.status().int("pending_changes") == 0)
        #expect(node.run(["record", "list", "initiatives"]).code == 0)
        sleepSeconds(2.5)
        #expect(rounds(daemon) == 2, "reading the replica from the command line woke the daemon: \(rounds(daemon)) rounds")
    }
}
