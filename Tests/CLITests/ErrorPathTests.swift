import Foundation
import Replica
import Testing

/// A command that must fail with a given exit code and say certain things on standard error.
struct FailingCase: CustomTestStringConvertible, Sendable {
    var name: String
    var args: [String]
    var code: Int32 = 2
    var mentions: [String]
    var testDescription: String { name }
}

@Suite("bad input")
struct ErrorPathTests {
    static let cases: [FailingCase] = [
        FailingCase(name: "unknown table", args: ["record", "put", "nosuch", #"{"id":"A"}"#],
                    mentions: ["unknown table 'nosuch'", "reformsync schema"]),
        FailingCase(name: "unknown field", args: ["record", "put", "units", #"{"id":"A","name":"a","group":"district","colour":"red"}"#],
                    mentions: ["units.colour", "no such field", "short_name"]),
        FailingCase(name: "text for an integer", args: ["record", "put", "units", #"{"id":"A","name":"a","group":"district","sort":"ba"}"#],
                    mentions: ["units.sort", "whole number", "\"ba\""]),
        FailingCase(name: "value outside its range", args: ["record", "put", "assessments", #"{"unit":"SONDUONG","year":1999}"#],
                    mentions: ["assessments.year", "outside 2000…2100"]),
        FailingCase(name: "score outside its range", args: ["record", "put", "assessment_scores", #"{"unit":"SONDUONG","year":2022,"criterion":"C1","self_score":-0.5}"#],
                    mentions: ["assessment_scores.self_score", "outside 0…100"]),
        FailingCase(name: "bad enum value", args: ["record", "put", "units", #"{"id":"A","name":"a","group":"village"}"#],
                    mentions: ["units.group", "\"village\" is not one of department, district, commune, province"]),
        FailingCase(name: "missing key field", args: ["record", "put", "assessments", #"{"unit":"SONDUONG","status":"draft"}"#],
                    mentions: ["assessments.year", "missing", "row key"]),
        FailingCase(name: "missing id", args: ["record", "put", "units", #"{"name":"a","group":"district"}"#],
                    mentions: ["units.id", "missing"]),
        FailingCase(name: "id not matching the key fields", args: ["record", "put", "assessments", #"{"id":"X/2022","unit":"SONDUONG","year":2022}"#],
                    mentions: ["assessments.id", "SONDUONG/2022"]),
        FailingCase(name: "required field missing on create", args: ["record", "put", "units", #"{"id":"A","name":"a"}"#],
                    mentions: ["units.group", "required"]),
        FailingCase(name: "bad date", args: ["record", "put", "units", #"{"id":"A","name":"a","group":"district","valid_from":"2022-02-30"}"#],
                    mentions: ["units.valid_from", "date"]),
        FailingCase(name: "invalid JSON", args: ["record", "put", "units", #"{"id":"A","name":"a""#],
                    mentions: ["not valid JSON"]),
        FailingCase(name: "JSON that is not an object", args: ["record", "put", "units", "42"],
                    mentions: ["JSON object"]),
        FailingCase(name: "unknown --where field", args: ["record", "list", "units", "--where", "colour=red"],
                    mentions: ["units.colour"]),
        FailingCase(name: "bad --where value", args: ["record", "list", "assessments", "--where", "year=năm"],
                    mentions: ["assessments.year", "whole number"]),
        FailingCase(name: "--where without =", args: ["record", "list", "units", "--where", "group"],
                    mentions: ["field=value"]),
        FailingCase(name: "missing argument", args: ["record", "list"],
                    mentions: ["Missing expected argument '<table>'"]),
        FailingCase(name: "unknown option", args: ["record", "list", "units", "--bogus"],
                    mentions: ["Unknown option '--bogus'"]),
        FailingCase(name: "bad option value", args: ["record", "list", "units", "--limit", "nhiều"],
                    mentions: ["--limit"]),
        FailingCase(name: "unknown subcommand", args: ["recrod", "list", "units"],
                    mentions: ["Usage: reformsync <subcommand>"]),
        FailingCase(name: "bad csv delimiter", args: ["import-csv", "units", "x.csv", "--delimiter", "|"],
                    mentions: ["--delimiter"]),
        FailingCase(name: "get of a missing record", args: ["record", "get", "units", "KHONGCO"], code: 1,
                    mentions: ["no record 'KHONGCO' in units"]),
        FailingCase(name: "delete of a missing record", args: ["record", "delete", "units", "KHONGCO"], code: 1,
                    mentions: ["no record 'KHONGCO' in units"]),
        FailingCase(name: "history of an unknown table", args: ["history", "nosuch", "A"],
                    mentions: ["unknown table 'nosuch'"]),
    ]

    @Test(arguments: cases)
    func failsWithTheFieldNamedAndStoresNothing(_ failing: FailingCase) throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise()
        let before = try replicaDump(node)
        let result = node.run(failing.args)
        #expect(result.code == failing.code, "\(result)")
        for text in failing.mentions {
            #expect(result.stderr.contains(text), "stderr should mention \(text): \(result)")
        }
        #expect(!result.stderr.contains("Fatal error"), "\(result)")
        #expect(try replicaDump(node) == before, "a failed command must change nothing")
    }

    @Test func badArgumentsWithoutAReplicaExitWithTwo() {
        let unknown = run(["recrod"])
        #expect(unknown.code == 2, "\(unknown)")
        #expect(unknown.stderr.contains("Unexpected argument 'recrod'"), "\(unknown)")
        let help = run(["import-csv", "--help"])
        #expect(help.code == 0, "\(help)")
        #expect(help.stdout.contains("reformsync import-csv assessment_scores diem-2022.csv"), "--help has an example: \(help.stdout)")
        #expect(help.stdout.contains("--keep-empty"), "\(help.stdout)")
        #expect(help.stdout.contains("EMPTY CELL"), "\(help.stdout)")
    }

    @Test func appendOnlyReportsCannotBeUpdatedOrDeleted() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise()
        node.put("task_reports", #"{"id":"R1","task":"T1","unit":"SONDUONG","reported_on":"2023-02-01","progress_percent":40}"#)
        let before = try replicaDump(node)

        let update = node.run(["record", "put", "task_reports", #"{"id":"R1","progress_percent":90}"#])
        #expect(update.code == 2, "\(update)")
        #expect(update.stderr.contains("append-only"), "\(update)")
        #expect(update.stderr.contains("'R1'"), "\(update)")

        let delete = node.run(["record", "delete", "task_reports", "R1"])
        #expect(delete.code == 2, "\(delete)")
        #expect(delete.stderr.contains("append-only"), "\(delete)")

        let csv = temp.write("reports.csv", "id,task,unit,reported_on,progress_percent\nR2,T1,SONDUONG,02/03/2023,50\nR1,T1,SONDUONG,01/02/2023,90\n")
        let imported = node.run(["import-csv", "task_reports", csv])
        #expect(imported.code == 2, "\(imported)")
        #expect(imported.stderr.contains("reports.csv:3: task_reports rows are append-only"), "\(imported)")
        #expect(!imported.stderr.contains("reports.csv:2:"), "\(imported)")

        #expect(try replicaDump(node) == before)
        #expect((node.get("task_reports", "R1")?["progress_percent"] as? NSNumber)?.doubleValue == 40)
        #expect(node.get("task_reports", "R2") == nil)

        // A new report is the way to record progress.
        node.put("task_reports", #"{"id":"R2","task":"T1","unit":"SONDUONG","reported_on":"2023-03-02","progress_percent":90,"done":true}"#)
        #expect(node.get("task_reports", "R2")?["done"] as? Bool == true)
    }
}

/// The replica's canonical dump, read in this process.
func replicaDump(_ node: Node) throws -> String {
    try Replica.open(path: node.replicaPath).canonicalDump()
}
