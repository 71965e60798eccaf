import CRDT
import Foundation
import GRDB
import ReformData
@testable import Replica
import Testing

/// The fast paths of the merge (rows inserted without a lookup while rows keep turning out new,
/// statements and buffers kept across rows, arguments bound in place) must store exactly what the
/// pure CRDT merge computes, whatever the grouping, order and repetition of the changes.
@Suite("Merge fast paths")
struct BenchmarkSupportTests {
    static let sites = ["00000000000000a1", "00000000000000b2", "00000000000000c3"].map { SiteID($0)! }
    static let titles = ["Một cửa", "Số hoá", "Chữ ký số"]

    /// A random but well-formed change to an `initiatives` row: markers at any causal length,
    /// column changes at odd ones, stamps from a narrow range so that ties, duplicates and lost
    /// writes are common.
    static func randomChange(_ rng: inout SeededRandom) -> Change {
        let key = "I\(Int.random(in: 0..<12, using: &rng))"
        let stamp = Stamp(hlc: HLC(millis: UInt64.random(in: 1...40, using: &rng)), site: sites.randomElement(using: &rng)!)
        if Int.random(in: 0..<4, using: &rng) == 0 {
            return Change(table: "initiatives", key: key, column: nil, value: .null, stamp: stamp, causalLength: UInt64.random(in: 1...4, using: &rng))
        }
        let column = ["unit", "year", "title", "summary", "status"].randomElement(using: &rng)!
        let value: Value
        switch column {
        case "year": value = .integer(2020 + Int64.random(in: 0...2, using: &rng))
        case "unit": value = .text(["A", "B"].randomElement(using: &rng)!)
        case "status": value = Bool.random(using: &rng) ? .null : .text("proposed")
        default: value = .text(titles.randomElement(using: &rng)!)
        }
        return Change(table: "initiatives", key: key, column: column, value: value, stamp: stamp,
                      causalLength: Bool.random(using: &rng) ? 1 : 3)
    }

    /// The replica's canonical dump of rows merged by the pure CRDT.
    static func dump(_ states: [String: RowState]) -> String {
        states.keys.sorted().map { key in
            let state = states[key]!
            var line = "initiatives\t\(key)\tcl=\(state.causalLength)"
            if let marker = state.marker { line += "\tmarker@\(marker)" }
            for name in state.cells.keys.sorted() {
                line += "\t\(name)=\(Replica.tagged(state.cells[name]!.value))@\(state.cells[name]!.stamp)"
            }
            return line
        }.joined(separator: "\n")
    }

    @Test(arguments: [11 as UInt64, 12, 13, 14])
    func storedRowsAreThePureMerge(seed: UInt64) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var rng = SeededRandom(seed: seed)
        let replica = try Replica.create(path: directory.path("r.sqlite"), unit: "A")
        var states: [String: RowState] = [:]
        var sent: [Change] = []
        for _ in 0..<60 {
            var batch = (0..<Int.random(in: 1...40, using: &rng)).map { _ in Self.randomChange(&rng) }
            // Rows arrive grouped, as pages send them, or interleaved.
            if Bool.random(using: &rng) { batch.sort { $0.key < $1.key } }
            // Some pages come again, whole or in part.
            if !sent.isEmpty && Int.random(in: 0..<4, using: &rng) == 0 {
                batch += (0..<Int.random(in: 1...10, using: &rng)).map { _ in sent.randomElement(using: &rng)! }
            }
            for change in batch { states[change.key, default: RowState()].merge(change) }
            try replica.apply(batch, siteUnits: [Self.sites[0]: "A", Self.sites[1]: "B"])
            sent += batch
        }
        #expect(try replica.canonicalDump() == Self.dump(states))
        // Everything again, in another order: nothing changes, nothing is counted as applied.
        let version = try replica.currentVersion()
        let report = try replica.apply(sent.shuffled(using: &rng))
        #expect(report.applied == 0 && report.rows == 0)
        #expect(try replica.currentVersion() == version)
        #expect(try replica.canonicalDump() == Self.dump(states))
    }

    @Test func aRowThatExistsIsMergedNotInserted() throws {
        let replica = try memoryReplica(unit: "A")
        let site = Self.sites[1]
        func change(_ column: String?, _ value: Value, _ millis: UInt64, cl: UInt64 = 1) -> Change {
            Change(table: "initiatives", key: "X", column: column, value: value, stamp: Stamp(hlc: HLC(millis: millis), site: site), causalLength: cl)
        }
        // A new row whose own changes include a write that loses: recorded as lost.
        let first = try replica.apply([change(nil, .null, 5), change("title", .text("b"), 7), change("title", .text("a"), 6),
                                       change("unit", .text("B"), 5)], siteUnits: [site: "B"])
        #expect(first.applied == 3 && first.lost == 1 && first.rows == 1)
        // A new transaction starts out expecting new rows; this one exists and must be merged.
        let second = try replica.apply([change("title", .text("c"), 9), change("summary", .text("s"), 9)])
        #expect(second.applied == 2 && second.rows == 1)
        let record = try #require(try replica.get("initiatives", key: "X"))
        #expect(record.values == ["title": .text("c"), "summary": .text("s"), "unit": .text("B")])
        let titles = try replica.history("initiatives", key: "X").filter { $0.column == "title" }
        #expect(titles.map(\.value) == [.text("a"), .text("b"), .text("c")])
        #expect(titles.map(\.fate) == [.lost, .superseded, .current])
        #expect(titles.allSatisfy { $0.unit == "B" })
        // A delete keeps the owner on the tombstone, so the owner's filter still sees it.
        try replica.apply([change(nil, .null, 10, cl: 2)])
        let owners = Owners()
        _ = try replica.changes(after: .start, limit: 100) { _, _, owner in owners.append(owner); return true }
        #expect(owners.seen == ["B"])
        #expect(try replica.get("initiatives", key: "X") == nil)
    }

    @Test func integersForRealColumnsAreStoredAsReals() throws {
        let replica = try memoryReplica(unit: "A")
        let stamp = Stamp(hlc: HLC(millis: 1), site: Self.sites[0])
        try replica.apply([
            Change(table: "assessment_scores", key: "A/2021/1.1", column: nil, value: .null, stamp: stamp, causalLength: 1),
            Change(table: "assessment_scores", key: "A/2021/1.1", column: "self_score", value: .integer(3), stamp: stamp, causalLength: 1),
            Change(table: "assessment_scores", key: "A/2021/1.1", column: "year", value: .integer(2021), stamp: stamp, causalLength: 1),
        ])
        let record = try #require(try replica.get("assessment_scores", key: "A/2021/1.1"))
        #expect(record.values == ["self_score": .real(3), "year": .integer(2021)])
        #expect(throws: ReplicaError.self) {
            try replica.apply([Change(table: "assessment_scores", key: "A/2021/1.1", column: "year", value: .text("x"), stamp: stamp, causalLength: 1)])
        }
        #expect(throws: ReplicaError.self) {
            try replica.apply([Change(table: "assessment_scores", key: "A/2021/1.1", column: "year", value: .integer(1), stamp: stamp, causalLength: 2)])
        }
    }
}

/// What a row filter was shown (filters are `@Sendable`).
final class Owners: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String?] = []
    func append(_ owner: String?) { lock.withLock { values.append(owner) } }
    var seen: [String?] { lock.withLock { values } }
}
