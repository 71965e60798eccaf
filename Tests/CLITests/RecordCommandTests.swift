import Foundation
import Replica
import Testing

@Suite("init and record")
struct RecordCommandTests {
    @Test func initTwiceLeavesTheReplicaUntouched() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        let created = node.initialise(unit: "SONDUONG")
        #expect(created.stdout.contains("created node replica for unit SONDUONG"))
        node.put("initiatives", #"{"id":"SD-1","unit":"SONDUONG","year":2022,"title":"Một cửa số"}"#)
        let siteBefore = try Replica.open(path: node.replicaPath).site
        let dumpBefore = try Replica.open(path: node.replicaPath).canonicalDump()

        let again = node.run(["init", "--unit", "HAMYEN", "--role", "hub"])
        #expect(again.code == 2, "\(again)")
        #expect(again.stderr.contains("already exists"), "\(again)")
        #expect(again.stderr.contains("untouched"), "\(again)")

        let replica = try Replica.open(path: node.replicaPath)
        #expect(replica.unit == "SONDUONG")
        #expect(replica.role == .node)
        #expect(replica.site == siteBefore)
        #expect(try replica.canonicalDump() == dumpBefore)
        #expect(node.list("initiatives").count == 1)
    }

    @Test func initRejectsABadUnitCode() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        let result = node.run(["init", "--unit", "Sơn Dương"])
        #expect(result.code == 2, "\(result)")
        #expect(result.stderr.contains("unit code"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: node.replicaPath))
    }

    @Test(arguments: [
        ["record", "list", "units"],
        ["record", "get", "units", "SONDUONG"],
        ["record", "put", "units", #"{"id":"X","name":"x","group":"district"}"#],
        ["record", "delete", "units", "X"],
        ["history", "units", "X"],
        ["check"],
        ["export-changes", "out.json"],
        ["import-changes", "in.json"],
        ["import-csv", "units", "in.csv"],
    ])
    func commandsOnAMissingReplicaSayToRunInit(_ args: [String]) throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "nothing-here")
        let result = node.run(args)
        #expect(result.code == 1, "\(result)")
        #expect(result.stderr.contains("no replica at"), "\(result)")
        #expect(result.stderr.contains("reformsync init"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: node.replicaPath), "a failed command must not create a replica file")
    }

    @Test func putGetDeleteListWithDecomposedVietnamese() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise(role: "hub")  // units: a table only the hub writes

        // Typed in a terminal that sends decomposed (NFD) text; stored and read back precomposed (NFC).
        let name = "UBND huyện Sơn Dương"
        #expect(Array(name.nfdForm.utf8) != Array(name.nfcForm.utf8))
        node.put("units", #"{"id":"SONDUONG","name":"\#(name.nfdForm)","group":"district","sort":3}"#)
        node.put("units", #"{"id":"SOTUPHAP","name":"Sở Tư pháp","group":"department","valid_from":"2008-04-01"}"#)

        let unit = try #require(node.get("units", "SONDUONG"))
        #expect(utf8Bytes(unit["name"]) == Array(name.nfcForm.utf8))
        #expect(unit["group"] as? String == "district")
        #expect((unit["sort"] as? NSNumber)?.intValue == 3)
        #expect(unit["valid_to"] is NSNull)

        // A key given decomposed names the same record as the precomposed one.
        let initiative = "SD-Sáng-kiến-1"
        node.put("initiatives", #"{"id":"\#(initiative.nfdForm)","unit":"SONDUONG","year":2022,"title":"Một cửa số \#("Tiếp nhận".nfdForm)"}"#)
        let stored = try #require(node.get("initiatives", initiative.nfcForm))
        #expect(utf8Bytes(stored["id"]) == Array(initiative.nfcForm.utf8))
        #expect(utf8Bytes(stored["title"]) == Array("Một cửa số Tiếp nhận".nfcForm.utf8))
        #expect(node.get("initiatives", initiative.nfdForm) != nil)

        // An update touches only the fields given.
        node.put("units", #"{"id":"SONDUONG","short_name":"Sơn Dương"}"#)
        let updated = try #require(node.get("units", "SONDUONG"))
        #expect(utf8Bytes(updated["name"]) == Array(name.nfcForm.utf8))
        #expect(updated["short_name"] as? String == "Sơn Dương")

        // --where
        let districts = node.list("units", ["--where", "group=district"])
        #expect(districts.map { $0["id"] as? String } == ["SONDUONG"])
        let departments = node.list("units", ["--where", "group=department"])
        #expect(departments.map { $0["id"] as? String } == ["SOTUPHAP"])
        #expect(node.list("units", ["--where", "group=province"]).isEmpty)
        let byName = node.list("units", ["--where", "short_name=\("Sơn Dương".nfdForm)"])
        #expect(byName.map { $0["id"] as? String } == ["SONDUONG"])
        #expect(node.list("units").map { $0["id"] as? String } == ["SONDUONG", "SOTUPHAP"])
        #expect(node.list("units", ["--limit", "1"]).count == 1)

        // delete
        let deleted = node.run(["record", "delete", "units", "SOTUPHAP"])
        #expect(deleted.code == 0, "\(deleted)")
        let gone = node.run(["record", "get", "units", "SOTUPHAP"])
        #expect(gone.code == 1, "\(gone)")
        #expect(gone.stderr.contains("no record 'SOTUPHAP' in units"), "\(gone)")
        #expect(node.list("units").map { $0["id"] as? String } == ["SONDUONG"])
        let deletedAgain = node.run(["record", "delete", "units", "SOTUPHAP"])
        #expect(deletedAgain.code == 1, "\(deletedAgain)")

        // Re-created after a delete.
        node.put("units", #"{"id":"SOTUPHAP","name":"Sở Tư pháp","group":"department"}"#)
        #expect(node.get("units", "SOTUPHAP")?["valid_from"] is NSNull, "a re-created record starts afresh")
    }

    @Test func putAnArrayFromStandardInputIsAllOrNothing() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise(role: "hub")  // units: a table only the hub writes
        let bad = """
            [{"unit":"SONDUONG","year":2022,"criterion":"C1.1","self_score":2.5},
             {"unit":"SONDUONG","year":2022,"criterion":"C1.2","self_score":101},
             {"unit":"SONDUONG","year":2022,"criterion":"C1.3","self_score":1}]
            """
        let rejected = node.run(["record", "put", "assessment_scores", "-"], stdin: bad)
        #expect(rejected.code == 2, "\(rejected)")
        #expect(rejected.stderr.contains("record 1"), "\(rejected)")
        #expect(rejected.stderr.contains("assessment_scores.self_score"), "\(rejected)")
        #expect(node.list("assessment_scores").isEmpty, "nothing of a rejected array may be stored")

        // One item creating a record without a required field: the replica refuses the whole transaction.
        let missingRequired = #"[{"id":"A","name":"A","group":"district"},{"id":"B","name":"B"}]"#
        let refused = node.run(["record", "put", "units", missingRequired])
        #expect(refused.code == 2, "\(refused)")
        #expect(refused.stderr.contains("units.group"), "\(refused)")
        #expect(node.list("units").isEmpty)

        let good = bad.replacingOccurrences(of: "101", with: "1.75")
        let stored = node.run(["record", "put", "assessment_scores"], stdin: good)
        #expect(stored.code == 0, "\(stored)")
        #expect(stored.stderr.contains("stored 3 record(s)"), "\(stored)")
        let scores = node.list("assessment_scores")
        #expect(scores.map { $0["id"] as? String } == ["SONDUONG/2022/C1.1", "SONDUONG/2022/C1.2", "SONDUONG/2022/C1.3"])
        #expect((scores[1]["self_score"] as? NSNumber)?.doubleValue == 1.75)
    }
}
