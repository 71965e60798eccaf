import CRDT
import PropertyBased
import Testing

/// A replica of the pure model: rows keyed by (table, key), merged with `RowState`.
struct ModelReplica {
    var site: SiteID
    var clock = HybridLogicalClock()
    var rows: [String: RowState] = [:]

    mutating func merge(_ change: Change) {
        clock.observe(change.hlc)
        rows[change.key, default: RowState()].merge(change)
    }
}

/// Random workloads of puts, deletes and re-creates on a few hot rows, with concurrent edits of
/// the same fields, delivered through a lossy, duplicating, reordering network.
struct Workload {
    static let columns = ["a", "b", "c", "d"]

    static func run(seed: UInt64, replicas count: Int, operations: Int) -> [ModelReplica] {
        var rng = SeededRandom(seed: seed)
        var replicas = (0..<count).map { _ in ModelReplica(site: .random(using: &rng)) }
        var log: [Change] = []
        var wall: UInt64 = 1_000_000
        for _ in 0..<operations {
            // The wall clock mostly advances, sometimes stalls or jumps back (NTP corrections).
            wall = UInt64(max(1, Int64(wall) + Int64.random(in: -50...200, using: &rng)))
            let r = Int.random(in: 0..<count, using: &rng)
            let key = "row\(Int.random(in: 0..<12, using: &rng))"
            let row = replicas[r].rows[key] ?? RowState()
            let stamp = Stamp(hlc: replicas[r].clock.tick(wallMillis: wall), site: replicas[r].site)
            var changes: [Change] = []
            if row.exists && Int.random(in: 0..<5, using: &rng) == 0 {
                changes = (try? LocalWrite.delete(row, table: "t", key: key, stamp: stamp)).flatMap { $0 }.map { [$0] } ?? []
            } else {
                var values: [String: Value] = [:]
                for column in columns where Bool.random(using: &rng) {
                    values[column] = randomValue(&rng)
                }
                changes = (try? LocalWrite.put(values, into: row, table: "t", key: key, stamp: stamp)) ?? []
            }
            for change in changes { replicas[r].merge(change) }
            log += changes
            // Gossip: deliver a random sample of past changes (duplicates included) somewhere.
            if Int.random(in: 0..<3, using: &rng) == 0, !log.isEmpty {
                let target = Int.random(in: 0..<count, using: &rng)
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    replicas[target].merge(log[Int.random(in: 0..<log.count, using: &rng)])
                }
            }
        }
        // Full exchange: everyone receives everything, shuffled, with some duplicates.
        for i in replicas.indices {
            var delivery = log + log.filter { _ in Int.random(in: 0..<4, using: &rng) == 0 }
            delivery.shuffle(using: &rng)
            for change in delivery { replicas[i].merge(change) }
        }
        return replicas
    }

    static func randomValue(_ rng: inout SeededRandom) -> Value {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return .null
        case 1: return .integer(Int64.random(in: -5...5, using: &rng))
        case 2: return .real(Double(Int.random(in: 0...100, using: &rng)) / 4)
        case 3: return .text(["Sở Tư pháp", "Sơn Dương", "Yên Sơn", "Na Hang"][Int.random(in: 0..<4, using: &rng)])
        default: return .text("ghi chú \(Int.random(in: 0...9, using: &rng))")
        }
    }
}

@Suite("Convergence properties of the merge")
struct ConvergenceProperties {
    @Test func fiveReplicasConvergeWhateverTheDeliveryOrder() async {
        await propertyCheck(count: 40, input: Gen.uint64()) { seed in
            let replicas = Workload.run(seed: seed, replicas: 5, operations: 3_000)
            let reference = replicas[0].rows
            for replica in replicas.dropFirst() {
                #expect(replica.rows == reference, "seed \(seed): replica \(replica.site) diverged")
            }
            #expect(reference.values.contains { $0.exists } && reference.values.contains { $0.causalLength >= 3 },
                    "seed \(seed): the workload should leave live rows and rows deleted and re-created")
        }
    }

    /// The merge of a set of changes does not depend on order (commutative, associative) or on
    /// repetition (idempotent).
    @Test func mergeIsCommutativeAssociativeAndIdempotent() async {
        await propertyCheck(count: 100, input: Gen.uint64()) { seed in
            var rng = SeededRandom(seed: seed)
            let log = Workload.run(seed: seed, replicas: 3, operations: 200).flatMap { replica in
                replica.rows.sorted { $0.key < $1.key }.flatMap { $0.value.changes(table: "t", key: $0.key) }
            }
            func merged(_ changes: [Change]) -> [String: RowState] {
                var rows: [String: RowState] = [:]
                for change in changes { rows[change.key, default: RowState()].merge(change) }
                return rows
            }
            let inOrder = merged(log)
            #expect(merged(log.shuffled(using: &rng)) == inOrder)
            #expect(merged(log + log.shuffled(using: &rng)) == inOrder)
            // Associativity: merging two halves separately, then one into the other.
            let split = Int.random(in: 0...log.count, using: &rng)
            var left = merged(Array(log[..<split]))
            let right = merged(Array(log[split...]))
            for (key, row) in right { for change in row.changes(table: "t", key: key) { left[key, default: RowState()].merge(change) } }
            #expect(left == inOrder)
        }
    }

    @Test func outcomeReportsDuplicatesAndTheStateDoesNotMove() {
        var rng = SeededRandom(seed: 42)
        let replicas = Workload.run(seed: 7, replicas: 3, operations: 500)
        var row = replicas[0].rows.values.first { $0.exists }!
        let before = row
        for change in row.changes(table: "t", key: "k").shuffled(using: &rng) {
            #expect(row.merge(change) == .duplicate)
        }
        #expect(row == before)
    }
}
