import CRDT
import Testing

@Suite("Merge rules")
struct MergeRuleTests {
    let a = SiteID("aaaaaaaaaaaaaaaa")!
    let b = SiteID("bbbbbbbbbbbbbbbb")!

    func change(_ column: String?, _ value: Value, _ millis: UInt64, _ site: SiteID, cl: UInt64) -> Change {
        Change(table: "t", key: "k", column: column, value: value, stamp: Stamp(hlc: HLC(millis: millis), site: site), causalLength: cl)
    }

    @Test func lastWriterWinsPerFieldWithSiteAsTieBreak() {
        var row = RowState()
        row.merge(change(nil, .null, 1, a, cl: 1))
        row.merge(change("x", .integer(1), 10, a, cl: 1))
        #expect(row.merge(change("x", .integer(2), 5, b, cl: 1)) == .lost)
        row.merge(change("x", .integer(3), 10, b, cl: 1))  // same HLC: site b > a wins
        #expect(row.value(of: "x") == .integer(3))
        #expect(row.merge(change("x", .integer(3), 10, b, cl: 1)) == .duplicate)
    }

    @Test func deleteBeatsTheEditsItHasSeenAndReCreateBeatsTheDelete() {
        var row = RowState()
        row.merge(change(nil, .null, 1, a, cl: 1))
        row.merge(change("x", .text("v1"), 2, a, cl: 1))
        row.merge(change(nil, .null, 3, b, cl: 2))  // delete
        #expect(!row.exists)
        // A concurrent edit made before the delete was seen, even with a later clock, stays deleted.
        #expect(row.merge(change("x", .text("late edit"), 99, a, cl: 1)) == .stale)
        #expect(!row.exists)
        row.merge(change(nil, .null, 4, a, cl: 3))  // re-create
        row.merge(change("y", .text("new life"), 4, a, cl: 3))
        #expect(row.exists)
        #expect(row.value(of: "x") == nil, "a field of the previous life does not come back")
        #expect(row.value(of: "y") == .text("new life"))
    }

    @Test func localWriteTurnsIntentionsIntoChanges() throws {
        let stamp = Stamp(hlc: HLC(millis: 1), site: a)
        let create = try LocalWrite.put(["x": .integer(1), "y": .null], into: RowState(), table: "t", key: "k", stamp: stamp)
        #expect(create.map(\.column) == [nil, "x"])
        #expect(create.allSatisfy { $0.causalLength == 1 })
        var row = RowState()
        create.forEach { row.merge($0) }
        let update = try LocalWrite.put(["x": .integer(1), "y": .text("n")], into: row, table: "t", key: "k",
                                    stamp: Stamp(hlc: HLC(millis: 2), site: a))
        #expect(update.map(\.column) == ["y"], "unchanged fields are not re-sent")
        let delete = try LocalWrite.delete(row, table: "t", key: "k", stamp: Stamp(hlc: HLC(millis: 3), site: a))
        #expect(delete?.causalLength == 2)
        row.merge(delete!)
        #expect(try LocalWrite.delete(row, table: "t", key: "k", stamp: stamp) == nil)
        #expect(try LocalWrite.put(["x": .integer(5)], into: row, table: "t", key: "k", stamp: stamp).first?.causalLength == 3)
        // A row a peer pushed to the largest causal length cannot get another life (no overflow).
        var exhausted = RowState()
        exhausted.merge(Change(table: "t", key: "k", column: nil, value: .null, stamp: stamp, causalLength: Change.maxCausalLength))
        #expect(throws: LocalWriteError.rowLivesExhausted(table: "t", key: "k")) {
            try LocalWrite.put(["x": .integer(5)], into: exhausted, table: "t", key: "k", stamp: stamp)
        }
    }

    @Test func malformedChangesAreNamed() {
        #expect(change("x", .integer(1), 1, a, cl: 2).structuralProblem != nil)
        #expect(change(nil, .integer(1), 1, a, cl: 1).structuralProblem != nil)
        #expect(change(nil, .null, 1, a, cl: 0).structuralProblem != nil)
        #expect(change("x", .integer(1), 1, a, cl: 1).structuralProblem == nil)
        // Bounds: causal lengths, control characters in keys and text, non-finite reals.
        #expect(change(nil, .null, 1, a, cl: .max).structuralProblem?.contains("above the maximum") == true)
        #expect(change(nil, .null, 1, a, cl: Change.maxCausalLength).structuralProblem == nil)
        #expect(change("x", .text("a\u{0}b"), 1, a, cl: 1).structuralProblem?.contains("U+0000 at character 2") == true)
        #expect(change("x", .text("dòng 1\ndòng 2\tcột\r\n"), 1, a, cl: 1).structuralProblem == nil, "tab and line breaks are text")
        #expect(change("x", .text("\u{1F}"), 1, a, cl: 1).structuralProblem?.contains("U+001F") == true)
        #expect(change("x", .real(.nan), 1, a, cl: 1).structuralProblem?.contains("finite") == true)
        #expect(change("x", .real(-.infinity), 1, a, cl: 1).structuralProblem?.contains("finite") == true)
        var keyed = change(nil, .null, 1, a, cl: 1)
        keyed.key = "SD\u{7}1"
        #expect(keyed.structuralProblem?.contains("row key contains the control character U+0007") == true)
    }
}
