import CRDT
import Foundation
import GRDB
import ReformData
import Testing
@testable import Replica

/// `Replica.compact` (Protocol/README.md §19.2): what goes, what is kept forever.
@Suite struct CompactionTests {
    func historyCount(_ replica: Replica, _ table: String, _ key: String) throws -> Int {
        try replica.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM _rs_history WHERE tbl = ? AND key = ?", arguments: [table, key]) ?? 0 }
    }

    func rowExists(_ replica: Replica, _ table: String, _ key: String) throws -> Bool {
        try replica.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE id = ?", arguments: [key]) == 1 }
    }

    func version(_ replica: Replica) throws -> Int64 {
        try replica.writer.read { db in try Int64.fetchOne(db, sql: "SELECT version FROM _rs_state") ?? 0 }
    }

    @Test func workingTablesLoseHistoryAndTombstonesBelowTheWatermarkAuditTablesKeepEverything() throws {
        let replica = try memoryReplica(unit: "SNV", role: .hub)
        for title in ["Một cửa", "Một cửa số", "Một cửa liên thông"] {
            try replica.put("initiatives", json: ["id": .string("SK-1"), "unit": .string("SONDUONG"), "year": .integer(2024), "title": .string(title)])
        }
        try replica.put("initiatives", json: ["id": .string("SK-2"), "unit": .string("SONDUONG"), "year": .integer(2024), "title": .string("Bỏ")])
        try replica.delete("initiatives", key: "SK-2")
        for score in [2.0, 1.5, 1.75] {
            try replica.put("assessment_scores", json: ["unit": .string("SONDUONG"), "year": .integer(2024), "criterion": .string("C1"),
                                                        "self_score": .double(score)])
        }
        try replica.put("assessment_scores", json: ["unit": .string("SONDUONG"), "year": .integer(2024), "criterion": .string("C2"), "self_score": .double(1)])
        try replica.delete("assessment_scores", key: "SONDUONG/2024/C2")
        let watermark = try version(replica)
        // A later edit, above the watermark, keeps its history.
        try replica.put("initiatives", json: ["id": .string("SK-3"), "unit": .string("SONDUONG"), "year": .integer(2024), "title": .string("A")])
        try replica.put("initiatives", json: ["id": .string("SK-3"), "title": .string("B")])
        let before = (sk1: try historyCount(replica, "initiatives", "SK-1"), sk3: try historyCount(replica, "initiatives", "SK-3"),
                      c1: try historyCount(replica, "assessment_scores", "SONDUONG/2024/C1"))
        #expect(before.sk1 >= 2 && before.sk3 >= 1 && before.c1 >= 2)

        let dry = try replica.compact(through: watermark, tombstones: true, apply: false)
        #expect(dry.tombstones == 1 && dry.historyEntries >= before.sk1 && !dry.applied)
        #expect(try historyCount(replica, "initiatives", "SK-1") == before.sk1 && rowExists(replica, "initiatives", "SK-2"))

        let done = try replica.compact(through: watermark, tombstones: true, apply: true)
        #expect(done.tombstones == dry.tombstones && done.historyEntries == dry.historyEntries)
        #expect(try historyCount(replica, "initiatives", "SK-1") == 0)
        #expect(try replica.get("initiatives", key: "SK-1")?.values["title"] == .text("Một cửa liên thông"))  // current value kept
        #expect(try !rowExists(replica, "initiatives", "SK-2") && historyCount(replica, "initiatives", "SK-2") == 0)
        #expect(try historyCount(replica, "initiatives", "SK-3") == before.sk3)  // above the watermark
        // Kept forever: the self-assessment's whole trail and its tombstone.
        #expect(try historyCount(replica, "assessment_scores", "SONDUONG/2024/C1") == before.c1)
        #expect(try rowExists(replica, "assessment_scores", "SONDUONG/2024/C2"))
        #expect(try replica.writer.read { db in try replica.compactedThrough(db) } == watermark)
    }

    @Test func historyOnlyCompactionKeepsTombstonesAndQuarantinedRows() throws {
        let replica = try memoryReplica(unit: "SONDUONG", role: .hub)
        try replica.put("initiatives", json: ["id": .string("SK-1"), "unit": .string("SONDUONG"), "year": .integer(2024), "title": .string("A")])
        try replica.put("initiatives", json: ["id": .string("SK-1"), "title": .string("B")])
        try replica.put("initiatives", json: ["id": .string("SK-2"), "unit": .string("SONDUONG"), "year": .integer(2024), "title": .string("A")])
        try replica.delete("initiatives", key: "SK-2")
        try replica.writer.write { db in
            try db.execute(sql: "INSERT INTO _rs_quarantine VALUES ('initiatives', 'SK-1', 'title', 'B', 1, '00000000000000a1', 'hub_only', 'test', '2026-01-01T00:00:00Z')")
        }
        let report = try replica.compact(through: try version(replica), tombstones: false, apply: true)
        #expect(try report.tombstones == 0 && rowExists(replica, "initiatives", "SK-2"))
        #expect(try historyCount(replica, "initiatives", "SK-1") > 0)  // a quarantined row keeps what a discard needs
        #expect(try replica.writer.read { db in try replica.compactedThrough(db) } == 0)
    }
}
