import Foundation
import Testing

@Suite("history, schema, check")
struct InspectionCommandTests {
    @Test func historyShowsOldAndNewValues() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise()
        node.put("initiatives", #"{"id":"SD-2022-1","unit":"SONDUONG","year":2022,"title":"Một cửa số"}"#)
        node.put("initiatives", #"{"id":"SD-2022-1","title":"\#("Một cửa liên thông".nfdForm)","status":"proposed"}"#)

        let text = node.run(["history", "initiatives", "SD-2022-1"])
        #expect(text.code == 0, "\(text)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "initiatives SD-2022-1")
        #expect(lines.contains { $0.contains("(record)") && $0.hasSuffix("created") }, "\(text)")
        #expect(lines.contains { $0.contains("title") && $0.hasSuffix(#"∅ → "Một cửa số""#) }, "\(text)")
        #expect(lines.contains { $0.contains("title") && $0.hasSuffix(#""Một cửa số" → "Một cửa liên thông""#.nfcForm) }, "\(text)")
        #expect(lines.contains { $0.contains("status") && $0.hasSuffix(#"∅ → "proposed""#) }, "\(text)")
        #expect(lines.contains { $0.contains("year") && $0.hasSuffix("∅ → 2022") }, "\(text)")
        #expect(lines.contains { $0.contains("SONDUONG") }, "the writing unit is shown: \(text)")

        let json = node.run(["history", "initiatives", "SD-2022-1", "--json"])
        #expect(json.code == 0, "\(json)")
        let entries = try #require(parseJSON(json.stdout) as? [[String: Any]], "history --json must be a JSON array: \(json)")
        let titles = entries.filter { $0["field"] as? String == "title" }
        #expect(titles.count == 2)
        let second = try #require(titles.last)
        #expect(second["old"] as? String == "Một cửa số")
        #expect(utf8Bytes(second["new"]) == Array("Một cửa liên thông".nfcForm.utf8))
        #expect(second["event"] as? String == "set")
        #expect(second["unit"] as? String == "SONDUONG")
        #expect(entries.contains { $0["field"] as? String == "(record)" && $0["event"] as? String == "created" })
        for entry in entries {
            #expect(entry["hlc"] is String && entry["time"] is String && entry["site"] is String, "\(entry)")
        }
    }

    @Test func schemaListsTablesAndFields() throws {
        let all = run(["schema"])
        #expect(all.code == 0, "\(all.stderr)")
        #expect(all.stdout.hasPrefix("schema version 2"), "\(all.stdout)")
        for table in ["units", "criteria", "assessments", "assessment_scores", "task_reports", "initiatives", "published_results", "evidence_files"] {
            #expect(all.stdout.contains("  \(table) "), "schema should list \(table)")
        }

        let scores = run(["schema", "assessment_scores"])
        #expect(scores.code == 0, "\(scores.stderr)")
        #expect(scores.stdout.contains("key: id = unit/year/criterion"), "\(scores.stdout)")
        let selfScore = scores.stdout.split(separator: "\n").first { $0.contains("self_score") }
        #expect(selfScore?.contains("real") == true && selfScore?.contains("0…100") == true, "\(scores.stdout)")
        #expect(scores.stdout.contains("→ criteria"), "references are shown: \(scores.stdout)")

        let reports = run(["schema", "task_reports"])
        #expect(reports.stdout.contains("append-only"), "\(reports.stdout)")
        #expect(reports.stdout.contains("id (given by the writer)"), "\(reports.stdout)")

        let unknown = run(["schema", "nosuch"])
        #expect(unknown.code == 2, "\(unknown)")
        #expect(unknown.stderr.contains("unknown table 'nosuch'"), "\(unknown)")
    }

    @Test func checkListsDanglingReferencesUntilTheyResolve() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise(role: "hub")  // it writes the referenced units and criteria too

        let empty = node.run(["check"])
        #expect(empty.code == 0, "\(empty)")
        #expect(empty.stdout.contains("integrity: ok"), "\(empty)")

        node.put("assessments", #"{"unit":"SONDUONG","year":2022,"status":"draft"}"#)
        let dangling = node.run(["check"])
        #expect(dangling.code == 1, "\(dangling)")
        #expect(dangling.stdout.contains("integrity: ok"), "\(dangling)")
        #expect(dangling.stdout.contains("1 dangling"), "\(dangling)")
        #expect(dangling.stdout.contains(#"assessments 'SONDUONG/2022': unit = "SONDUONG" but units has no such record"#), "\(dangling)")

        node.put("units", #"{"id":"SONDUONG","name":"UBND huyện Sơn Dương","group":"district"}"#)
        let resolved = node.run(["check"])
        #expect(resolved.code == 0, "\(resolved)")
        #expect(resolved.stdout.contains("references: all resolve"), "\(resolved)")

        // Deleting the referenced record makes the reference dangle again.
        #expect(node.run(["record", "delete", "units", "SONDUONG"]).code == 0)
        let again = node.run(["check"])
        #expect(again.code == 1, "\(again)")
        #expect(again.stdout.contains("units has no such record"), "\(again)")
    }
}
