import CRDT
import Foundation
import Hub
import ReformData
import Replica
import Testing
import WireProtocol

/// Random edits at several offline nodes racing the self-assessment deadline, delivered in random
/// order and batches: every delivery gives the same accepted set — exactly the changes written
/// before their unit's deadline — and the same final state at the hub and at every node.
@Suite("season properties: the accepted set does not depend on delivery")
struct SeasonPropertyTests {
    /// One edit: which node, which criterion, what score, when (milliseconds from the deadline).
    struct Edit { var node: Int; var criterion: String; var score: Double; var at: Int64 }

    static let units = ["SONDUONG", "NAHANG", "YENSON"]
    static let sites = ["00000000000000c1", "00000000000000c2", "00000000000000c3"].map { SiteID($0)! }

    /// A random plan of edits (each node's in time order) from `seed`: from three days before the
    /// deadline to about nine days after.
    static func plan(_ seed: UInt64) -> [Edit] {
        var random = SplitMix64(seed: seed)
        var edits: [Edit] = []
        for node in units.indices {
            var at = -days(3)
            for _ in 0..<Int.random(in: 3...12, using: &random) {
                at += Int64.random(in: 1...days(1), using: &random)
                edits.append(Edit(node: node, criterion: "C\(Int.random(in: 1...4, using: &random))",
                                  score: Double(Int.random(in: 0...20, using: &random)) / 2, at: at))
            }
        }
        return edits
    }

    /// A unit's deadline: NAHANG's is extended when `extended` is given.
    static func deadline(_ key: String, extended: String?) -> UInt64 {
        key.hasPrefix("NAHANG/") && extended != nil ? SeasonDay.endMillis(extended!)! : Season2021.deadline
    }

    /// Nodes that know the season (they pulled it): each writes its edits at their times and syncs at
    /// random times from `deliverySeed` (and once at the end) in random-sized batches, on one
    /// timeline where every clock only moves forward. A late edit is refused by the node itself.
    /// Returns the hub, the nodes, the edits refused locally.
    static func runKnowingNodes(_ edits: [Edit], deliverySeed: UInt64, extended: String?) async throws -> (SeasonHub, [SeasonNode], [Edit]) {
        var random = SplitMix64(seed: deliverySeed)
        let hub = try SeasonHub(units: units)
        if let extended { try hub.extend("NAHANG", until: extended) }
        let nodes = try units.indices.map { try SeasonNode(units[$0], at: Season2021.at(-days(10)), site: sites[$0]) }
        for node in nodes { try await node.pull(from: hub) }
        enum Event { case edit(Edit), sync(node: Int, batch: Int) }
        var timeline: [(at: Int64, order: Int, event: Event)] = edits.map { ($0.at, 0, .edit($0)) }
        for node in units.indices {
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                timeline.append((Int64.random(in: -days(3)...days(10), using: &random), 1, .sync(node: node, batch: Int.random(in: 1...7, using: &random))))
            }
            timeline.append((days(12), 1, .sync(node: node, batch: Int.random(in: 1...7, using: &random))))
        }
        timeline.sort { ($0.at, $0.order) < ($1.at, $1.order) }
        var refusedLocally: [Edit] = []
        for entry in timeline {
            switch entry.event {
            case .edit(let edit):
                nodes[edit.node].clock.set(Season2021.at(entry.at))
                do {
                    try nodes[edit.node].score(edit.criterion, edit.score)
                } catch let error as ReplicaError {
                    guard case let .refused(_, _, _, code, _) = error, code == "phase_closed" else { throw error }
                    refusedLocally.append(edit)
                }
            case let .sync(node, batch):
                nodes[node].clock.set(Season2021.at(entry.at))
                try await nodes[node].push(to: hub, batch: batch)
            }
        }
        for node in nodes { try await node.pull(from: hub) }
        return (hub, nodes, refusedLocally)
    }

    @Test("nodes that know the season: late edits refused at the node, every other edit accepted, one final state",
          arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func knowingNodes(seed: UInt64) async throws {
        let edits = Self.plan(seed)
        let extended = seed % 2 == 0 ? "2022-01-17" : nil
        var dumps: [String] = []
        for delivery in [seed &* 101, seed &* 211 &+ 7, seed &* 307 &+ 13] {
            let (hub, nodes, refusedLocally) = try await Self.runKnowingNodes(edits, deliverySeed: delivery, extended: extended)
            let hubRefused = nodes.flatMap(\.refused)
            #expect(hubRefused.isEmpty, "seed \(seed): the hub refused what the nodes accepted: \(hubRefused)")
            // Late edits are refused by the node (an edit to the value already held is no write at all);
            // the hub holds, per criterion, each unit's last edit written in time.
            var expected: [String: Value] = [:]
            var late: [Int64] = []
            for edit in edits.sorted(by: { $0.at < $1.at }) {
                let key = "\(Self.units[edit.node])/2021/\(edit.criterion)"
                if Season2021.at(edit.at) < Self.deadline(key, extended: extended) {
                    expected[key] = .real(edit.score)
                } else if expected[key] != .real(edit.score) {
                    late.append(edit.at)
                }
            }
            #expect(refusedLocally.map(\.at).sorted() == late.sorted(), "seed \(seed), delivery \(delivery)")
            #expect(try hub.scores() == expected, "seed \(seed), delivery \(delivery)")
            for node in nodes {
                #expect(try node.replica.list("assessment_scores").map(\.key) == expected.keys.filter { $0.hasPrefix(node.unit + "/") }.sorted())
                for record in try node.replica.list("assessment_scores") { #expect(record.values["self_score"] == expected[record.key]) }
            }
            dumps.append(try hub.replica.canonicalDump().split(separator: "\n").filter { $0.hasPrefix("assessment_scores\t") }.joined(separator: "\n"))
        }
        #expect(Set(dumps).count == 1, "seed \(seed): the hub's final state depends on the delivery")
    }

    /// Row boundaries of a change list: a row's changes travel in one batch (Protocol §10.2).
    static func rows(_ changes: [Change]) -> [[Change]] {
        var rows: [[Change]] = []
        for change in changes {
            if let last = rows.last?.last, last.table == change.table, last.key == change.key { rows[rows.count - 1].append(change) } else { rows.append([change]) }
        }
        return rows
    }

    @Test("offline nodes that never saw the season reconnect after it: the hub accepts exactly what was written in time, whatever the order and batches",
          arguments: [UInt64(11), 12, 13, 14, 15, 16, 17, 18])
    func offlineNodesDeliveredInAnyOrder(seed: UInt64) async throws {
        let edits = Self.plan(seed)
        let extended = seed % 2 == 0 ? "2022-01-17" : nil
        // The nodes write offline (they met the hub before the season, never pulled it).
        let writers = try Self.units.indices.map { try SeasonNode(Self.units[$0], at: Season2021.at(-days(10)), site: Self.sites[$0]) }
        for edit in edits {
            writers[edit.node].clock.set(Season2021.at(edit.at))
            try writers[edit.node].score(edit.criterion, edit.score)
        }
        let outgoing = try writers.map { node in try node.replica.changes(after: .start, limit: 100_000).changes.filter { $0.site == node.replica.site } }
        let clocks = try writers.map { try $0.replica.currentClock() }
        let lastWrite = edits.map { Season2021.at($0.at) }.max()!
        var outcomes: [(accepted: Set<String>, dump: String)] = []
        for delivery in [seed &* 101, seed &* 211 &+ 7, seed &* 307 &+ 13, seed &* 401 &+ 3] {
            var random = SplitMix64(seed: delivery)
            let hub = try SeasonHub(units: Self.units)
            if let extended { try hub.extend("NAHANG", until: extended) }
            for index in Self.units.indices {  // met before the season
                hub.clock.set(Season2021.at(-days(10)))
                _ = try await hub.service.handshake(.init(schema: ReformSchema.version, site: Self.sites[index].rawValue, unit: Self.units[index],
                                                          nodeTimeMs: 0, nodeClock: "0"), unit: Self.units[index])
            }
            // Each node's rows in random-sized batches, the nodes interleaved at random, arriving
            // after every write and within the late-acceptance window.
            var queues = outgoing.map { changes -> [[Change]] in
                var batches: [[Change]] = []
                var rows = Self.rows(changes)[...]
                while !rows.isEmpty {
                    let take = Int.random(in: 1...4, using: &random)
                    batches.append(Array(rows.prefix(take).joined()))
                    rows = rows.dropFirst(take)
                }
                return batches
            }
            var now = lastWrite
            var refused: [RefusedChange] = []
            var sent: [Change] = []
            while let index = queues.indices.filter({ !queues[$0].isEmpty }).randomElement(using: &random) {
                now += UInt64.random(in: 0...UInt64(days(1)), using: &random)
                hub.clock.set(now)
                _ = try await hub.service.handshake(.init(schema: ReformSchema.version, site: Self.sites[index].rawValue, unit: Self.units[index],
                                                          nodeTimeMs: Int64(now), nodeClock: String(clocks[index].rawValue)), unit: Self.units[index])
                let batch = queues[index].removeFirst()
                sent += batch
                refused += try hub.service.importChanges(batch, siteUnits: [Self.sites[index]: Self.units[index]], from: Self.units[index],
                                                         site: Self.sites[index].rawValue, through: 1).1
            }
            let id = { (key: String, column: String?, hlc: String) in "\(key)|\(column ?? "")|\(hlc)" }
            let expectedRefused = Set(sent.filter { $0.hlc.millis >= Self.deadline($0.key, extended: extended) }.map { id($0.key, $0.column, String($0.hlc.rawValue)) })
            #expect(Set(refused.map { id($0.key, $0.column, $0.hlc) }) == expectedRefused, "seed \(seed), delivery \(delivery)")
            #expect(refused.allSatisfy { $0.code == "phase_closed" }, "\(refused.filter { $0.code != "phase_closed" })")
            let accepted = Set(sent.map { id($0.key, $0.column, String($0.hlc.rawValue)) }).subtracting(expectedRefused)
            outcomes.append((accepted, try hub.replica.canonicalDump().split(separator: "\n").filter { $0.hasPrefix("assessment_scores\t") }.joined(separator: "\n")))
        }
        for outcome in outcomes.dropFirst() {
            #expect(outcome.accepted == outcomes[0].accepted, "seed \(seed)")
            #expect(outcome.dump == outcomes[0].dump, "seed \(seed): the hub's final state depends on the delivery")
        }
    }
}
