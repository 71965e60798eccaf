import Foundation
import Testing

/// `sync.debounce`: a burst of local writes shares one round, which starts `sync.debounce`
/// seconds after the last write; a steady stream still syncs (at most 6 × `sync.debounce` after
/// the first write); `POST /sync` cuts the wait short. Rounds are counted with the daemon's
/// `reformsync_sync_rounds_total` metric.
@Suite("debounce", .serialized, .timeLimit(.minutes(2)))
struct DebounceTests {
    func rounds(_ daemon: DaemonProcess) -> Int {
        Int(prometheusValue((try? daemon.request("GET", "/metrics").text) ?? "", "reformsync_sync_rounds_total") ?? -1)
    }

    func write(_ daemon: DaemonProcess, _ n: Int) throws {
        let response = try daemon.request("PUT", "/records/initiatives", json: ["id": "SD-D\(n)", "unit": "SONDUONG", "year": 2022, "title": "Ghi \(n)"])
        #expect(response.status == 200, "\(response)")
    }

    @Test("five writes inside the debounce window make one round, after the last write")
    func burst() throws {
        let world = try World("debounce")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub, settings: ["sync.debounce": "2"])
        let daemon = try node.startDaemon()
        #expect(eventually(timeout: 20) { rounds(daemon) == 1 }, "no first round at start")

        let started = monotonicSeconds()
        for n in 0..<5 {
            try write(daemon, n)
            sleepSeconds(0.4)  // each write well inside the 2 s window of the one before
        }
        let lastWrite = monotonicSeconds()
        #expect(rounds(daemon) == 1, "a round ran during the burst (\(monotonicSeconds() - started) s after its start)")
        #expect(eventually(timeout: 10, every: 0.05) { rounds(daemon) >= 2 }, "no round after the burst")
        let delay = monotonicSeconds() - lastWrite
        #expect(delay >= 1.5, "the round came \(delay) s after the last write, before the debounce")
        sleepSeconds(3)
        #expect(rounds(daemon) == 2, "the burst made \(rounds(daemon) - 1) rounds, not one")
        #expect(eventually(timeout: 10) { (try? hub.count("initiatives")) == 5 }, "the burst's writes did not all reach the hub")
    }

    @Test("a steady stream of writes still syncs, at most 6 × sync.debounce after its first write")
    func stream() throws {
        let world = try World("debounce-stream")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub, settings: ["sync.debounce": "0.5"])
        let daemon = try node.startDaemon()
        #expect(eventually(timeout: 20) { rounds(daemon) == 1 }, "no first round at start")
        let started = monotonicSeconds()
        var n = 0
        while monotonicSeconds() - started < 6 {
            try write(daemon, n)
            n += 1
            sleepSeconds(0.2)  // never quiet for 0.5 s
        }
        let during = rounds(daemon) - 1
        #expect(during >= 1, "no round in 6 s of steady writes: the debounce never ends")
        #expect(during <= 3, "\(during) rounds in 6 s of steady writes: the writes are not debounced")
    }

    @Test("POST /sync cuts the debounce short: one round, at once")
    func explicitSync() throws {
        let world = try World("debounce-now")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub, settings: ["sync.debounce": "20"])
        let daemon = try node.startDaemon()
        #expect(eventually(timeout: 20) { rounds(daemon) == 1 }, "no first round at start")
        try write(daemon, 1)
        let started = monotonicSeconds()
        let synced = try daemon.request("POST", "/sync?wait=1", timeout: 15)
        #expect(synced.status == 200, "\(synced)")
        #expect(synced.object?["pushed_changes"] is Int && synced.object?["pushedChanges"] == nil, "snake_case report: \(synced)")
        #expect(monotonicSeconds() - started < 5, "POST /sync waited for the 20 s debounce")
        #expect(try hub.count("initiatives") == 1)
        sleepSeconds(1)
        #expect(rounds(daemon) == 2, "\(rounds(daemon)) rounds: the write's debounce made another round")
    }
}
