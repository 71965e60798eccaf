import Foundation
import Testing

/// The daemon's long-poll pulls between rounds (`sync.live`, Protocol/README.md §18.3): a write
/// at the hub reaches a connected node within seconds, not at its next `sync.interval` (600 s
/// here), also over a link that cuts every connection after two seconds.
@Suite("live pulls", .serialized, .timeLimit(.minutes(3)))
struct LivePullTests {
    /// `record put units` at the hub, by another process (as an operator's appraisal would be).
    static func hubWrite(_ world: World, _ hub: HubProcess, unit code: String) {
        let result = world.run(["record", "put", "units", "-", "--config", hub.configPath],
                               stdin: jsonData([["id": code, "name": "UBND \(code)", "group": "commune"]]))
        #expect(result.code == 0, "\(result)")
    }

    @Test("a write at the hub reaches a connected daemon within seconds, with sync.interval 600")
    func hubWriteArrives() throws {
        let world = try World("live")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub, settings: ["sync.live_wait": "20"])
        let daemon = try node.startDaemon()
        #expect(eventually(timeout: 30, every: 0.2) { node.status().code == 0 }, "\(node.status())")
        sleepSeconds(1.5)  // the round is over: the long poll is open

        let start = monotonicSeconds()
        Self.hubWrite(world, hub, unit: "XA_TANTRAO")
        let arrived = eventually(timeout: 12, every: 0.1) { ((try? node.count("units")) ?? 0) >= 1 }
        let seconds = monotonicSeconds() - start
        #expect(arrived, "the hub's write did not reach the node within 12 s\n--- daemon log\n\(daemon.log.suffix(3000))")
        #expect(seconds < 6, "the write took \(seconds) s: not a live pull")
        print("live pull: a hub write reached the daemon in \(String(format: "%.2f", seconds)) s")

        // The hub's graceful stop does not wait out the open long poll (20 s here).
        sleepSeconds(1)
        let stopping = monotonicSeconds()
        let stopped = hub.stop()
        #expect(stopped?.code == 0 && monotonicSeconds() - stopping < 5,
                "the hub took \(monotonicSeconds() - stopping) s to stop with a long poll open: \(String(describing: stopped))")
    }

    @Test("live pulls come back after the link cuts them: a hub write still arrives within seconds")
    func survivesCuts() throws {
        let world = try World("livecut")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let link = try world.proxy(to: hub.port, .init(dropAfterSeconds: 2))
        let node = try world.makeNode(hub: hub, hubURL: link.url, settings: ["sync.live_wait": "20", "hub.timeout": "10"])
        let daemon = try node.startDaemon()
        #expect(eventually(timeout: 30, every: 0.2) { node.status().code == 0 }, "\(node.status())")
        let dropsBefore = link.drops
        sleepSeconds(5)  // long polls opened and cut at least once
        #expect(link.drops > dropsBefore, "the link cut nothing while the node idled: \(link.drops) drop(s)")

        let start = monotonicSeconds()
        Self.hubWrite(world, hub, unit: "XA_KIMBINH")
        let arrived = eventually(timeout: 15, every: 0.1) { ((try? node.count("units")) ?? 0) >= 1 }
        let seconds = monotonicSeconds() - start
        #expect(arrived, "after cuts, the hub's write did not reach the node within 15 s\n--- daemon log\n\(daemon.log.suffix(3000))")
        #expect(node.status().code == 0, "a cut long poll is not a failed round: \(node.status())")
        print("live pull through a link cut every 2 s: arrived in \(String(format: "%.2f", seconds)) s, \(link.drops) cut(s)")
    }
}
