import CRDT
import Foundation
import GRDB
import ReformData
@testable import Replica
import Testing

@Suite("Convergence of SQLite replicas")
struct ReplicaConvergenceTests {
    static let titles = ["Một cửa liên thông", "Số hoá hồ sơ", "Dịch vụ công toàn trình", "Tiếp nhận phản ánh", "Chữ ký số"]

    /// Five file-backed replicas take thousands of random local writes (insert, update, delete,
    /// re-create, concurrent edits of the same fields) while gossiping random pages to each other,
    /// re-delivering some and shuffling others; after a full exchange their dumps are identical.
    @Test(arguments: [1 as UInt64, 2, 3])
    func fiveReplicasConverge(seed: UInt64) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var rng = SeededRandom(seed: seed)
        let clocks = (0..<5).map { _ in TestClock() }
        let replicas = try (0..<5).map { i in
            try Replica.create(path: directory.path("r\(i).sqlite"), unit: "U\(i)", role: .hub, site: SiteID("000000000000000\(i)")!, wallClock: { clocks[i].now() })
        }
        var cursors = [[ChangeCursor]](repeating: [ChangeCursor](repeating: .start, count: 5), count: 5)
        var deletes = 0, recreates = 0
        for _ in 0..<2_500 {
            let i = Int.random(in: 0..<5, using: &rng)
            clocks[i].advance(Int64.random(in: -30...100, using: &rng))
            let id = "I\(Int.random(in: 0..<25, using: &rng))"
            let existing = try replicas[i].get("initiatives", key: id)
            if existing != nil && Int.random(in: 0..<6, using: &rng) == 0 {
                try replicas[i].delete("initiatives", key: id)
                deletes += 1
            } else {
                var json: [String: JSONValue] = ["id": .string(id)]
                if existing == nil {
                    json["unit"] = .string("U\(i)")
                    json["year"] = .integer(2021 + Int64.random(in: 0...2, using: &rng))
                    if try replicas[i].history("initiatives", key: id, orNil: true) != nil { recreates += 1 }
                }
                json["title"] = .string(Self.titles.randomElement(using: &rng)!)
                if Bool.random(using: &rng) { json["summary"] = Bool.random(using: &rng) ? .null : .string("tóm tắt \(Int.random(in: 0...9, using: &rng))") }
                if Bool.random(using: &rng) { json["status"] = .string(Bool.random(using: &rng) ? "proposed" : "withdrawn") }
                try replicas[i].put("initiatives", json: json)
            }
            // Gossip a random page from one replica to another, sometimes twice, sometimes shuffled.
            if Int.random(in: 0..<4, using: &rng) == 0 {
                let from = Int.random(in: 0..<5, using: &rng), to = Int.random(in: 0..<5, using: &rng)
                guard from != to else { continue }
                let page = try replicas[from].changes(after: cursors[from][to], limit: Int.random(in: 1...30, using: &rng))
                try replicas[to].apply(Bool.random(using: &rng) ? page.changes.shuffled(using: &rng) : page.changes, siteUnits: page.siteUnits)
                if Int.random(in: 0..<5, using: &rng) == 0 { try replicas[to].apply(page.changes) }
                cursors[from][to] = page.next
            }
        }
        #expect(deletes > 50 && recreates > 10, "the workload deletes (\(deletes)) and re-creates (\(recreates)) rows")
        // Full exchange, in both directions, twice (the second round brings what the first forwarded).
        for _ in 0..<2 {
            for from in 0..<5 { for to in 0..<5 where from != to { cursors[from][to] = try sync(from: replicas[from], to: replicas[to], cursor: cursors[from][to]) } }
        }
        let dumps = try replicas.map { try $0.canonicalDump() }
        #expect(!dumps[0].isEmpty)
        for (i, dump) in dumps.enumerated().dropFirst() {
            if dump != dumps[0] {
                let a = Set(dumps[0].split(separator: "\n")), b = Set(dump.split(separator: "\n"))
                Issue.record("seed \(seed): replica \(i) differs from replica 0: only in 0: \(a.subtracting(b).sorted()), only in \(i): \(b.subtracting(a).sorted())")
            }
        }
    }

    @Test func reapplyingAnyChangeSetChangesNothing() throws {
        let a = try memoryReplica(unit: "A"), b = try memoryReplica(unit: "B")
        for n in 0..<40 {
            try a.put("initiatives", json: ["id": .string("I\(n % 7)"), "unit": .string("A"), "year": .integer(2022), "title": .string("t\(n)")])
            if n % 9 == 0 { try a.delete("initiatives", key: "I\(n % 7)") }
        }
        let everything = try a.changes(limit: 1_000)
        try b.apply(everything.changes, siteUnits: everything.siteUnits)
        let dump = try b.canonicalDump()
        let version = try b.currentVersion()
        for slice in [everything.changes, everything.changes.reversed(), Array(everything.changes.prefix(5))] {
            let report = try b.apply(Array(slice))
            #expect(report.applied == 0 && report.rows == 0)
            #expect(report.duplicates == slice.count)
        }
        #expect(try b.canonicalDump() == dump)
        #expect(try b.currentVersion() == version, "a duplicate does not bump the version, so nothing is re-sent")
        #expect(try a.canonicalDump() == dump)
    }

    @Test func pagesAreBoundedAndResumable() throws {
        let a = try memoryReplica(unit: "A"), b = try memoryReplica(unit: "B")
        for n in 0..<300 {
            try a.put("services", json: ["id": .string("S\(n)"), "number": .integer(Int64(n + 1)), "name": .string("Dịch vụ \(n)")])
        }
        var cursor = ChangeCursor.start, pages = 0
        while true {
            let page = try a.changes(after: cursor, limit: 40)
            #expect(page.changes.count <= 40 + 4)
            try b.apply(page.changes)
            cursor = page.next
            pages += 1
            if !page.hasMore { break }
        }
        #expect(pages >= 300 * 3 / 44)
        #expect(try b.canonicalDump() == a.canonicalDump())
        #expect(try a.changes(after: cursor).changes.isEmpty)
        #expect(cursor == ChangeCursor(try a.currentVersion()))
    }

    @Test func theClockStaysMonotonicAcrossRestartsAndProcessesSharingAFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = TestClock(2_000_000)
        let path = directory.path("r.sqlite")
        let first = try Replica.create(path: path, unit: "A", role: .hub, wallClock: { clock.now() })
        let second = try Replica.open(path: path, wallClock: { clock.now() })  // another writer on the same file
        var stamps: [HLC] = []
        for n in 0..<20 {
            if n == 10 { clock.set(1_000) }  // the wall clock jumps far back
            let replica = n % 2 == 0 ? first : second
            stamps += try replica.put("units", json: ["id": .string("U\(n)"), "name": .string("n"), "group": .string("district")]).map(\.hlc)
        }
        let reopened = try Replica.open(path: path, wallClock: { clock.now() })
        stamps += try reopened.put("units", json: ["id": .string("Z"), "name": .string("n"), "group": .string("district")]).map(\.hlc)
        let perWrite = stride(from: 0, to: stamps.count, by: 1).map { stamps[$0] }
        for (earlier, later) in zip(perWrite, perWrite.dropFirst()) { #expect(earlier <= later) }
        #expect(Set(perWrite).count == 21, "each write got its own HLC")
        // Receiving a change from the near future (within the allowed skew) advances the clock.
        clock.set(2_100_000)
        let site = SiteID("ffffffffffffffff")!
        let future = Change(table: "units", key: "F", column: nil, value: .null,
                            stamp: Stamp(hlc: HLC(millis: 2_100_000 + 290_000), site: site), causalLength: 1)
        try reopened.apply([future])
        let next = try reopened.put("units", json: ["id": .string("Y"), "name": .string("n"), "group": .string("district")])
        #expect(next[0].hlc > future.hlc)
        // One stamped further ahead than the skew is refused whole: nothing merged, the clock unmoved.
        let version = try reopened.currentVersion()
        let far = Change(table: "units", key: "G", column: nil, value: .null,
                         stamp: Stamp(hlc: HLC(millis: 9_000_000), site: site), causalLength: 1)
        #expect(throws: ReplicaError.clockAhead(table: "units", key: "G", aheadMillis: 9_000_000 - 2_100_000, limitMillis: 300_000)) {
            try reopened.apply([future, far])
        }
        #expect(try reopened.currentVersion() == version)
        #expect(try reopened.get("units", key: "G") == nil)
        let after = try reopened.put("units", json: ["id": .string("W"), "name": .string("n"), "group": .string("district")])
        #expect(after[0].hlc.millis < 2_100_000 + 300_000, "the refused stamp did not drag the clock ahead")
        // The hub's limit, when it is larger, lets the same change in.
        try reopened.apply([far], maxClockSkewMillis: 10_000_000)
        #expect(try reopened.get("units", key: "G") != nil)
    }

    @Test func remoteChangesOutsideTheSchemaAreRefusedWhole() throws {
        let a = try memoryReplica(unit: "A")
        let site = SiteID("0000000000000001")!
        let good = Change(table: "units", key: "X", column: nil, value: .null, stamp: Stamp(hlc: HLC(millis: 1), site: site), causalLength: 1)
        let badColumn = Change(table: "units", key: "X", column: "drop table", value: .text("x"), stamp: Stamp(hlc: HLC(millis: 1), site: site), causalLength: 1)
        let badType = Change(table: "units", key: "X", column: "sort", value: .text("x"), stamp: Stamp(hlc: HLC(millis: 1), site: site), causalLength: 1)
        let badTable = Change(table: "sqlite_master", key: "X", column: nil, value: .null, stamp: Stamp(hlc: HLC(millis: 1), site: site), causalLength: 1)
        #expect(throws: ReplicaError.unknownColumn(table: "units", column: "drop table")) { try a.apply([good, badColumn]) }
        #expect(throws: ReplicaError.self) { try a.apply([good, badType]) }
        #expect(throws: ReplicaError.unknownTable("sqlite_master")) { try a.apply([good, badTable]) }
        #expect(try a.canonicalDump().isEmpty, "the good change in a refused set was not applied either")
    }
}

@Suite("Change cursors")
struct ChangeCursorTests {
    /// A row edited again while a reader pages moves ahead of the sweep; its older fields must
    /// still reach the reader (regression: they were skipped once the cursor passed their version).
    @Test func aRowThatMovesAheadDuringPagingKeepsItsOlderFields() throws {
        let a = try memoryReplica(unit: "A"), b = try memoryReplica(unit: "B")
        try a.put("initiatives", json: ["id": .string("X"), "unit": .string("A"), "year": .integer(2022), "title": .string("cũ"), "summary": .string("giữ")])
        try a.put("initiatives", json: ["id": .string("Y"), "unit": .string("A"), "year": .integer(2022), "title": .string("y")])
        let first = try a.changes(after: .start, limit: 1)
        #expect(Set(first.changes.map(\.key)) == ["X"])
        try b.apply(first.changes)
        // X is edited: only its title gets a new version, the rest stay at the old one.
        try a.put("initiatives", json: ["id": .string("Z"), "unit": .string("A"), "year": .integer(2022), "title": .string("z")])
        try a.put("initiatives", json: ["id": .string("X"), "title": .string("mới")])
        // Now a fresh reader pages one row at a time from the start, with the row moving meanwhile.
        let c = try memoryReplica(unit: "C")
        var cursor = ChangeCursor.start
        let page1 = try a.changes(after: cursor, limit: 1)
        try c.apply(page1.changes)
        cursor = page1.next
        try a.put("initiatives", json: ["id": .string("Y"), "title": .string("y2")])  // Y moves ahead
        try sync(from: a, to: c, cursor: cursor, pageSize: 1)
        try sync(from: a, to: b, cursor: first.next, pageSize: 1)
        #expect(try c.canonicalDump() == a.canonicalDump())
        #expect(try b.canonicalDump() == a.canonicalDump())
    }
}
