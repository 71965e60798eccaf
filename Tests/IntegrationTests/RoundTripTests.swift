import CRDT
import Foundation
import HubClient
import NodeSync
import ReformData
import Replica
import Testing
import WireProtocol

/// Fewer round trips and live changes (Protocol/README.md §18.2, §18.3), between in-process nodes
/// (the project's client, real HTTP) and the real hub process; and a node speaking protocol 1 as
/// before these features, against the same hub.
@Suite("one exchange per round, live pulls, old nodes")
struct RoundTripTests {
    /// An in-process node of `unit` with its own replica file and `token`.
    static func session(_ world: World, _ name: String, unit: String, token: String, hub: HubProcess) throws -> SyncSession {
        let replica = try Replica.create(path: world.path("\(name).sqlite"), unit: unit)
        let client = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: hub.url, bearerToken: token, connectTimeout: 2, totalTimeout: 20))
        return SyncSession(replica: replica, client: client)
    }

    /// The node requests the hub has answered so far (handshake, push, pull), from its /metrics.
    static func protocolRequests(_ hub: HubProcess, operator token: String) throws -> Int {
        let text = try hub.http("GET", "/metrics", headers: Auth.bearer(token)).text
        return text.split(separator: "\n").filter { $0.hasPrefix(#"reformsync_hub_requests_total{route="/v1/"#) }
            .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }

    @Test("after a handshake, a round with changes both ways is one exchange, an idle round one small pull")
    func oneExchange() async throws {
        let world = try World("oneexchange")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let operatorToken = try hub.createOperatorToken()
        let node = try Self.session(world, "sonduong", unit: "SONDUONG", token: try hub.createToken(unit: "SONDUONG"), hub: hub)
        _ = try await node.runOnce()  // the handshake is remembered from here

        _ = try node.replica.put("initiatives", json: ["id": .string("SD-1"), "unit": .string("SONDUONG"), "year": .integer(2026), "title": .string("Một cửa")])
        hub.put("units", Reference.units(["SNV"]))
        var before = try Self.protocolRequests(hub, operator: operatorToken)
        let both = try await node.runOnce()
        #expect(try Self.protocolRequests(hub, operator: operatorToken) - before == 1, "a round with changes both ways took more than one exchange")
        #expect(both.pushedChanges > 0 && both.pulledChanges > 0 && both.pendingChanges == 0, "\(both)")
        #expect(try record(node.replica, "units", "SNV") != nil)

        before = try Self.protocolRequests(hub, operator: operatorToken)
        let idle = try await node.runOnce()
        #expect(try Self.protocolRequests(hub, operator: operatorToken) - before == 1, "an idle round took more than one exchange")
        #expect(idle.bytesSent + idle.bytesReceived < 1_200, "an idle round moved \(idle.bytesSent) + \(idle.bytesReceived) bytes")
        #expect(idle.pushBatches == 0 && idle.pulledChanges == 0, "\(idle)")
    }

    @Test("a hub restored from a backup (new epoch): the push's re-check gets 409 handshake_required, the node handshakes, restarts its cursors and syncs")
    func recheckFails() async throws {
        let world = try World("recheck")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try Self.session(world, "sonduong", unit: "SONDUONG", token: try hub.createToken(unit: "SONDUONG"), hub: hub)
        _ = try await node.runOnce()
        // As if the hub had been put back from a backup since: the remembered epoch is not the hub's.
        try node.replica.setMeta(["hub_epoch": "00000000000000ff"])
        _ = try node.replica.put("initiatives", json: ["id": .string("SD-2"), "unit": .string("SONDUONG"), "year": .integer(2026), "title": .string("Hồ sơ")])
        let report = try await node.runOnce()
        #expect(report.cursorsRestarted, "the node did not notice the other epoch: \(report)")
        #expect(report.pendingChanges == 0 && report.pushedChanges > 0, "\(report)")
        #expect(try node.replica.meta("hub_epoch") != "00000000000000ff")
    }

    @Test("a long-poll pull is answered as soon as another node's push makes something readable, not when its wait ends")
    func liveWakesOnPush() async throws {
        let world = try World("livepull")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        // Two servers of one unit (a main and a standby): what one pushes, the other may read.
        let token = try hub.createToken(unit: "SONDUONG")
        let main = try Self.session(world, "main", unit: "SONDUONG", token: token, hub: hub)
        let standby = try Self.session(world, "standby", unit: "SONDUONG", token: token, hub: hub)
        _ = try await main.runOnce()
        _ = try await standby.runOnce()

        let started = ContinuousClock.now
        let live = Task { try await standby.pullLive(wait: 20) }
        try await Task.sleep(for: .milliseconds(700))
        _ = try main.replica.put("initiatives", json: ["id": .string("SD-LIVE"), "unit": .string("SONDUONG"), "year": .integer(2026), "title": .string("Trực tuyến")])
        _ = try await main.runOnce()
        let pushed = ContinuousClock.now
        let report = try #require(try await live.value, "the hub did not offer live_pull")
        let elapsed = ContinuousClock.now - started
        #expect(report.pulledChanges > 0, "\(report)")
        // (Timed from the push's answer: on a busy machine the push itself may take a while.)
        #expect(ContinuousClock.now - pushed < .seconds(5) && elapsed < .seconds(19),
                "the long poll came back \(ContinuousClock.now - pushed) after the push, \(elapsed) after it opened: woken by its wait, not by the push")
        #expect(try record(standby.replica, "initiatives", "SD-LIVE") != nil)

        // Nothing written: the long poll waits out its `wait` and answers empty.
        let quiet = ContinuousClock.now
        let empty = try #require(try await standby.pullLive(wait: 1))
        #expect(empty.pulledChanges == 0 && ContinuousClock.now - quiet >= .seconds(1), "\(empty)")
    }

    /// A node of protocol 1 as it was before §18: handshake, push, pull, without any new parameter;
    /// it ignores the handshake's `features`. The new hub serves it exactly as before.
    @Test("an old-protocol node (handshake, push, pull as before) still syncs with the new hub, both ways")
    func oldNode() async throws {
        let world = try World("oldnode")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let token = try hub.createToken(unit: "SONDUONG")
        let old = try Replica.create(path: world.path("old.sqlite"), unit: "SONDUONG")
        let client = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: hub.url, bearerToken: token))

        // Handshake, as before 0.4.0.
        let hello = HandshakeRequest(schema: old.schema.version, site: old.site.rawValue, unit: "SONDUONG", nodeTimeMs: Int64(Replica.systemMillis()),
                                     software: "reformsync/0.3.0")
        let shaken = try await client.send(.post("/v1/handshake", body: try WireJSON.encode(hello)))
        #expect(try WireJSON.decode(HandshakeResponse.self, from: shaken.body, what: "handshake").protocol == 1)

        // Push one record, without hub_epoch, schema or pull_* parameters: the plain PushResponse.
        _ = try old.put("initiatives", json: ["id": .string("SD-OLD"), "unit": .string("SONDUONG"), "year": .integer(2026), "title": .string("Sáng kiến cũ")])
        let page = try old.changes(after: .start, limit: 100)
        let push = OutgoingPush(through: WireCursor(baseline: page.next.baseline, position: page.next.position), changes: page.changes,
                                siteUnits: page.siteUnits, schemaVersion: old.schema.version,
                                source: .init(site: old.site.rawValue, unit: "SONDUONG", version: page.next.position, since: 0))
        let pushed = try await client.send(.post("/v1/push", body: try WireJSON.encode(push)))
        let members = try #require(try JSONSerialization.jsonObject(with: Data(pushed.body)) as? [String: Any])
        #expect(members["pull"] == nil, "an old node's push got a pull page it did not ask for")
        #expect(try WireJSON.decode(PushResponse.self, from: pushed.body, what: "push response").applied > 0)

        // A new node of the same unit receives it, and writes one back.
        let new = try Self.session(world, "new", unit: "SONDUONG", token: token, hub: hub)
        _ = try await new.runOnce()
        #expect(try record(new.replica, "initiatives", "SD-OLD") != nil)
        _ = try new.replica.put("initiatives", json: ["id": .string("SD-NEW"), "unit": .string("SONDUONG"), "year": .integer(2026), "title": .string("Sáng kiến mới")])
        _ = try await new.runOnce()

        // The old node's plain pull brings it.
        let pulled = try await client.send(.get("/v1/pull?site=\(old.site.rawValue)&baseline=0&position=0&limit=1000"))
        let answer = try WireJSON.read(ReceivedPullPage.self, from: pulled.body, what: "pull")
        let decoded = try answer.changes.resolved()
        try old.apply(decoded.changes, siteUnits: decoded.siteUnits)
        #expect(try record(old, "initiatives", "SD-NEW") != nil, "the old node did not get the new node's record")
        #expect(!answer.more)
    }
}
