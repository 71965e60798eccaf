import CRDT
import Foundation
import ReformData
@testable import Replica
import Testing

@Suite("Records in one replica")
struct RecordTests {
    @Test func putGetListAndDelete() throws {
        let replica = try memoryReplica()
        try replica.put("units", json: ["id": .string("SONDUONG"), "name": .string("UBND huyện Sơn Dương"), "group": .string("district")])
        try replica.put("assessment_scores", json: [
            "unit": .string("SONDUONG"), "year": .integer(2021), "criterion": .string("C1.1"), "self_score": .double(2.5),
            "evidence": .string("Báo cáo số 12/BC-UBND"),
        ])
        let score = try #require(try replica.get("assessment_scores", key: "SONDUONG/2021/C1.1"))
        #expect(score.values["self_score"] == .real(2.5))
        #expect(score.values["year"] == .integer(2021))
        #expect(try replica.list("assessment_scores", where: ["unit": .text("SONDUONG")]).count == 1)
        #expect(try replica.list("assessment_scores", where: ["unit": .text("YENSON")]).isEmpty)

        // An update changes only the given field.
        try replica.put("assessment_scores", json: ["unit": .string("SONDUONG"), "year": .integer(2021),
                                                    "criterion": .string("C1.1"), "self_score": .integer(3)])
        let updated = try #require(try replica.get("assessment_scores", key: "SONDUONG/2021/C1.1"))
        #expect(updated.values["self_score"] == .real(3))
        #expect(updated.values["evidence"] == .text("Báo cáo số 12/BC-UBND"))

        try replica.delete("assessment_scores", key: "SONDUONG/2021/C1.1")
        #expect(try replica.get("assessment_scores", key: "SONDUONG/2021/C1.1") == nil)
        #expect(try replica.list("assessment_scores").isEmpty)
        #expect(throws: ReplicaError.notFound(table: "assessment_scores", key: "SONDUONG/2021/C1.1")) {
            try replica.delete("assessment_scores", key: "SONDUONG/2021/C1.1")
        }
    }

    @Test func decomposedVietnameseIsStoredPrecomposed() throws {
        let replica = try memoryReplica()
        let decomposed = "Sơn Dương".decomposedStringWithCanonicalMapping
        #expect(decomposed.utf8.count != "Sơn Dương".utf8.count)
        try replica.put("units", json: ["id": .string("SD"), "name": .string(decomposed), "group": .string("district")])
        let rows = try replica.list("units", where: ["name": .text("Sơn Dương")])
        #expect(rows.count == 1, "a precomposed query finds the decomposed input")
        // Keys derived from decomposed text agree with precomposed ones.
        try replica.put("service_deployments", json: ["unit": .string("SD"), "period": .string("Quý 2".decomposedStringWithCanonicalMapping),
                                                      "service": .string("S01"), "level": .string("full")])
        #expect(try replica.get("service_deployments", key: "SD/Quý 2/S01") != nil)
    }

    @Test func schemaErrorsNameTheField() throws {
        let replica = try memoryReplica()
        #expect(throws: RecordError(table: "units", field: "colour", message: "no such field; fields are id, name, short_name, group, valid_from, valid_to, sort")) {
            try replica.put("units", json: ["id": .string("X"), "colour": .string("red")])
        }
        #expect(throws: RecordError.self) { try replica.put("units", json: ["id": .string("X"), "name": .integer(5), "group": .string("district")]) }
        #expect(throws: RecordError.self) { try replica.put("units", json: ["id": .string("X"), "name": .string("n"), "group": .string("ward")]) }
        #expect(throws: RecordError.self) { try replica.put("assessment_scores", json: ["unit": .string("A"), "year": .integer(2021)]) }
        #expect(throws: RecordError.self) { try replica.put("assessment_scores", json: ["unit": .string("A"), "year": .integer(2021), "criterion": .string("c"), "self_score": .double(101)]) }
        #expect(throws: RecordError.self) { try replica.put("tasks", json: ["id": .string("T1"), "title": .string("x"), "responsible_unit": .string("A"), "deadline": .string("2022-02-30")]) }
        #expect(throws: ReplicaError.missingRequired(table: "units", key: "X", field: "name")) {
            try replica.put("units", json: ["id": .string("X"), "group": .string("district")])
        }
        #expect(throws: ReplicaError.unknownTable("nope")) { try replica.put("nope", json: [:]) }
        #expect(try replica.list("units").isEmpty, "nothing was stored by the failed writes")
    }

    @Test func appendOnlyRowsCannotChange() throws {
        let replica = try memoryReplica()
        let report: [String: JSONValue] = ["id": .string("R1"), "task": .string("T1"), "unit": .string("SONDUONG"), "reported_on": .string("2022-06-30")]
        try replica.put("task_reports", json: report)
        #expect(throws: ReplicaError.appendOnly(table: "task_reports", key: "R1")) {
            try replica.put("task_reports", json: report.merging(["note": .string("sửa")]) { $1 })
        }
        #expect(throws: ReplicaError.appendOnly(table: "task_reports", key: "R1")) { try replica.delete("task_reports", key: "R1") }
    }

    @Test func historyKeepsEveryVersionAcrossMerges() throws {
        let clock = TestClock()
        let hub = try memoryReplica(unit: "SNV", role: .hub, clock: clock)
        let node = try memoryReplica(unit: "SONDUONG", clock: clock)
        try node.put("initiatives", json: ["id": .string("I1"), "unit": .string("SONDUONG"), "year": .integer(2022), "title": .string("Một cửa")])
        clock.advance(1000)
        try node.put("initiatives", json: ["id": .string("I1"), "title": .string("Một cửa liên thông")])
        try sync(from: node, to: hub)
        clock.advance(1000)
        try hub.put("initiatives", json: ["id": .string("I1"), "title": .string("Một cửa liên thông hiện đại")])
        try sync(from: hub, to: node)
        let titles = try node.history("initiatives", key: "I1").filter { $0.column == "title" }
        #expect(titles.map(\.value) == [.text("Một cửa"), .text("Một cửa liên thông"), .text("Một cửa liên thông hiện đại")])
        #expect(titles.map(\.fate) == [.superseded, .superseded, .current])
        #expect(titles.last?.unit == "SNV")
        #expect(titles.first?.unit == "SONDUONG")
        let hubTitles = try hub.history("initiatives", key: "I1").filter { $0.column == "title" }
        #expect(hubTitles.map(\.value).last == .text("Một cửa liên thông hiện đại"))
    }
}
