import CRDT
import Foundation
import ReformData
@testable import Replica
import Testing

/// Attaching an evidence file creates an `evidence_files` row, detaching deletes it: concurrent
/// attach and detach on two replicas merge by causal length like any row (Protocol §16.1).
@Suite("evidence attachments converge")
struct EvidenceConvergenceTests {
    static func reference(_ record: String, _ hash: String, name: String) -> [String: JSONValue] {
        ["id": .string("assessment_scores/\(record)/\(hash)"), "unit": .string("SONDUONG"), "record_table": .string("assessment_scores"), "record": .string(record),
         "sha256": .string(hash), "name": .string(name), "size": .integer(1_234), "content_type": .string("application/pdf"), "year": .integer(2024)]
    }

    @Test("concurrent attach, detach, re-attach and rename on two replicas of a unit converge, and the longer causal history wins")
    func concurrentAttachDetach() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clockA = TestClock(), clockB = TestClock()
        let a = try Replica.create(path: directory.path("a.sqlite"), unit: "SONDUONG", site: SiteID("000000000000000a")!, wallClock: { clockA.now() })
        let b = try Replica.create(path: directory.path("b.sqlite"), unit: "SONDUONG", site: SiteID("000000000000000b")!, wallClock: { clockB.now() })
        let record = "SONDUONG/2024/1.1"
        let x = String(repeating: "1", count: 64), y = String(repeating: "2", count: 64), z = String(repeating: "3", count: 64)
        try a.put("assessment_scores", json: ["unit": .string("SONDUONG"), "year": .integer(2024), "criterion": .string("1.1"), "self_score": .integer(2)])
        try a.put("evidence_files", json: Self.reference(record, x, name: "x.pdf"))
        try a.put("evidence_files", json: Self.reference(record, z, name: "z.pdf"))
        var ab = try sync(from: a, to: b), ba = try sync(from: b, to: a)

        // Concurrently: A detaches X and attaches it again; B detaches X.
        clockA.advance(10); clockB.advance(20)
        try a.delete("evidence_files", key: "assessment_scores/\(record)/\(x)")
        try a.put("evidence_files", json: Self.reference(record, x, name: "x.pdf"))
        try b.delete("evidence_files", key: "assessment_scores/\(record)/\(x)")
        // Both attach Y under different names; A detaches Z while B renames it.
        try a.put("evidence_files", json: Self.reference(record, y, name: "Quyết định.pdf"))
        try b.put("evidence_files", json: Self.reference(record, y, name: "QD 15.pdf"))
        try a.delete("evidence_files", key: "assessment_scores/\(record)/\(z)")
        try b.put("evidence_files", json: ["id": .string("assessment_scores/\(record)/\(z)"), "name": .string("Kế hoạch.pdf")])

        ab = try sync(from: a, to: b, cursor: ab)
        ba = try sync(from: b, to: a, cursor: ba)
        _ = try sync(from: a, to: b, cursor: ab)
        #expect(try a.canonicalDump() == b.canonicalDump())
        let attached = try a.list("evidence_files").map { $0.values["sha256"] }
        // X: A's re-attach (causal length 3) outlives B's detach (2); Z: the detach outlives the rename.
        #expect(attached == [.text(x), .text(y)])
        #expect(try a.evidenceFiles().map(\.sha256) == b.evidenceFiles().map(\.sha256))
        // Y's name: the later write (B's clock is ahead).
        #expect(try a.get("evidence_files", key: "assessment_scores/\(record)/\(y)")?.values["name"] == .text("QD 15.pdf"))
    }
}
