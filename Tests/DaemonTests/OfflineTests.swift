import Foundation
import Testing

/// The office keeps working while the hub is unreachable: writes through the local API answer at
/// once, read back, wait as pending; when the hub returns on the same address, they arrive.
@Suite("writes while the hub is unreachable", .serialized, .timeLimit(.minutes(2)))
struct OfflineTests {
    @Test("hub stopped: PUT answers at once, GET reads it, status pending + error; hub back on the same port: synced, healthy")
    func writesWhileHubDown() throws {
        let world = try World("offline")
        defer { world.shutdown() }
        let hub = try world.makeHub(port: try freePort())
        try hub.start()
        let node = try world.makeNode(hub: hub)
        let daemon = try node.startDaemon()
        #expect(eventually(timeout: 30) { node.status().code == 0 }, "not healthy at first: \(node.status())")
        let stopped = hub.stop()
        #expect(stopped?.code == 0, "the hub's own graceful stop: \(stopped.map { "\($0)" } ?? "nil")")

        // The office writes: each PUT answers without waiting for the network.
        var slowest = 0.0
        for n in 1...5 {
            let start = monotonicSeconds()
            let put = try daemon.request("PUT", "/records/initiatives",
                                         json: ["id": "SD-OFF-\(n)", "unit": "SONDUONG", "year": 2024, "title": "Ghi khi mất mạng \(n)"])
            slowest = max(slowest, monotonicSeconds() - start)
            #expect(put.status == 200, "\(put)")
            #expect(put.object?["stored"] as? Int == 1, "\(put)")
            // Spread over the round the first write starts, which keeps failing meanwhile.
            sleepSeconds(0.3)
        }
        #expect(slowest < 5, "a PUT took \(slowest) s: writes must not wait for the hub (its connect timeout is 10 s, with retries)")
        let got = try daemon.request("GET", "/records/initiatives?id=SD-OFF-3")
        #expect(got.status == 200 && got.object?["title"] as? String == "Ghi khi mất mạng 3", "\(got)")
        let listed = try daemon.request("GET", "/records/initiatives?year=2024")
        #expect((listed.json as? [Any])?.count == 5, "\(listed)")

        var status = node.status()
        #expect(eventually(timeout: 30, every: 0.25) {
            status = node.status()
            return status.code == 2
        }, "no error reported while the hub is down: \(status)\n--- daemon log\n\(daemon.log.suffix(3000))")
        #expect((status.int("pending_changes") ?? 0) >= 5 * 4, "\(status)")
        #expect((status.object["last_error"] as? String)?.contains("127.0.0.1:\(hub.port)") == true, "\(status)")
        #expect(status.object["hub_reachable"] as? Bool == false)
        #expect(try hub.count("initiatives") == 0)

        // The hub comes back where the node expects it; POST /sync instead of waiting for the backoff.
        try hub.start()
        let sync = try daemon.request("POST", "/sync")
        #expect(sync.status == 202, "\(sync)")
        #expect(eventually(timeout: 30, every: 0.25) { ((try? hub.count("initiatives")) ?? 0) == 5 },
                "the writes never reached the hub: \(node.status())\n--- daemon log\n\(daemon.log.suffix(3000))")
        #expect(eventually(timeout: 30, every: 0.25) {
            status = node.status()
            return status.code == 0
        }, "not healthy after the hub came back: \(status)")
        #expect(status.int("pending_changes") == 0)
        #expect(status.object["last_error"] is NSNull)
        #expect(status.object["hub_reachable"] as? Bool == true)
        #expect(try dumpLines(hub.replicaPath, table: "initiatives") == dumpLines(node.replicaPath, table: "initiatives"))
    }

    @Test("hub never started: the first write is kept and delivered once the hub appears")
    func hubNotStartedYet() throws {
        let world = try World("nohub")
        defer { world.shutdown() }
        let hub = try world.makeHub(port: try freePort())
        let node = try world.makeNode(hub: hub)
        let daemon = try node.startDaemon()
        let start = monotonicSeconds()
        let put = try daemon.request("PUT", "/records/initiatives", json: ["id": "SD-FIRST", "unit": "SONDUONG", "year": 2025, "title": "Trước khi có hub"])
        #expect(put.status == 200, "\(put)")
        #expect(monotonicSeconds() - start < 2)
        var status = node.status()
        #expect(eventually(timeout: 30, every: 0.25) {
            status = node.status()
            return status.code == 2
        }, "\(status)")
        #expect(status.object["last_sync_at"] is NSNull)
        #expect((status.int("pending_changes") ?? 0) > 0)

        try hub.start()
        #expect(try daemon.request("POST", "/sync").status == 202)
        #expect(eventually(timeout: 30, every: 0.25) { node.status().code == 0 }, "\(node.status())")
        #expect(try hub.count("initiatives") == 1)
    }
}
