import Foundation
import Replica
import Testing

@Suite("export-changes / import-changes")
struct ExchangeTests {
    static let touchedTables = ["assessments", "assessment_scores", "initiatives", "task_reports"]

    /// A district node with a little of everything: Vietnamese text, updates, a delete, an append-only report.
    static func populate(_ node: Node) {
        node.put("initiatives", #"{"id":"SD-2022-9","unit":"SONDUONG","year":2022,"title":"Nhập nhầm, sẽ xoá"}"#)
        node.put("assessments", #"{"unit":"SONDUONG","year":2022,"status":"draft","submitted_on":"2023-01-15"}"#)
        node.put("assessment_scores", #"[{"unit":"SONDUONG","year":2022,"criterion":"C1.1","self_score":2.5,"evidence":"Kế hoạch 12/KH-UBND"},{"unit":"SONDUONG","year":2022,"criterion":"C1.2","self_score":1}]"#)
        node.put("assessment_scores", #"{"unit":"SONDUONG","year":2022,"criterion":"C1.2","self_score":1.5,"self_note":"\#("Đã bổ sung".nfdForm)"}"#)
        node.put("initiatives", #"{"id":"SD-2022-1","unit":"SONDUONG","year":2022,"title":"Một cửa số"}"#)
        node.put("task_reports", #"{"id":"R1","task":"T1","unit":"SONDUONG","reported_on":"2023-02-01","done":false}"#)
        #expect(node.run(["record", "delete", "initiatives", "SD-2022-9"]).code == 0)
    }

    func listings(_ node: Node) -> [String] {
        Self.touchedTables.map { node.run(["record", "list", $0]).stdout }
    }

    @Test(arguments: ["changes.json", "changes.json.gz"])
    func replicasConvergeThroughFiles(_ fileName: String) throws {
        let temp = try TemporaryDirectory()
        let a = Node(temp, "a"), b = Node(temp, "b")
        a.initialise(unit: "SONDUONG")
        b.initialise(unit: "SONDUONG")
        Self.populate(a)
        let file = temp.path(fileName)

        let exported = a.run(["export-changes", file])
        #expect(exported.code == 0, "\(exported)")
        #expect(exported.stderr.contains("next time use --since"), "\(exported)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect((bytes.prefix(2) == Data([0x1F, 0x8B])) == fileName.hasSuffix(".gz"), "gzip exactly for .gz")

        let imported = b.run(["import-changes", file])
        #expect(imported.code == 0, "\(imported)")
        #expect(imported.stdout.contains("imported"), "\(imported)")
        #expect(try replicaDump(a) == replicaDump(b))
        #expect(listings(a) == listings(b))
        #expect(b.get("initiatives", "SD-2022-9") == nil, "the delete travelled")
        #expect(utf8Bytes(b.get("assessment_scores", "SONDUONG/2022/C1.2")?["self_note"]) == Array("Đã bổ sung".nfcForm.utf8))

        // Importing twice is harmless.
        let dump = try replicaDump(b)
        let twice = b.run(["import-changes", file])
        #expect(twice.code == 0, "\(twice)")
        #expect(twice.stdout.contains("0 applied"), "\(twice)")
        #expect(try replicaDump(b) == dump)

        // And the other way round, incrementally: b writes, a takes only what is new.
        b.put("assessment_scores", #"{"unit":"SONDUONG","year":2022,"criterion":"C1.1","self_score":3}"#)
        let back = temp.path("back-" + fileName)
        let fromB = b.run(["export-changes", back])
        #expect(fromB.code == 0, "\(fromB)")
        let intoA = a.run(["import-changes", back])
        #expect(intoA.code == 0, "\(intoA)")
        #expect(try replicaDump(a) == replicaDump(b))
        #expect((a.get("assessment_scores", "SONDUONG/2022/C1.1")?["self_score"] as? NSNumber)?.doubleValue == 3)

        let more = temp.path("more-" + fileName)
        a.put("initiatives", #"{"id":"SD-2022-1","status":"withdrawn"}"#)
        let nextSince = try #require(Self.sinceValue(a.run(["export-changes", temp.path("all.json")]).stderr))
        a.put("initiatives", #"{"id":"SD-2022-2","unit":"SONDUONG","year":2022,"title":"Số hoá hồ sơ"}"#)
        let incremental = a.run(["export-changes", more, "--since", String(nextSince)])
        #expect(incremental.code == 0, "\(incremental)")
        #expect(incremental.stderr.contains("exported 4 change(s) of 1 record(s)"), "only the new record: \(incremental)")
        #expect(b.run(["import-changes", temp.path("all.json")]).code == 0)
        #expect(b.run(["import-changes", more]).code == 0)
        #expect(try replicaDump(a) == replicaDump(b))
    }

    static func sinceValue(_ stderr: String) -> Int64? {
        guard let range = stderr.range(of: "--since ") else { return nil }
        return Int64(stderr[range.upperBound...].prefix { $0.isNumber })
    }

    @Test func truncatedOrGarbageFilesChangeNothing() throws {
        let temp = try TemporaryDirectory()
        let a = Node(temp, "a"), b = Node(temp, "b")
        a.initialise(unit: "SONDUONG")
        b.initialise(unit: "HAMYEN")
        Self.populate(a)
        b.put("initiatives", #"{"id":"HY-2022-1","unit":"HAMYEN","year":2022,"title":"Sáng kiến Hàm Yên"}"#)
        let plain = temp.path("changes.json"), gz = temp.path("changes.json.gz")
        #expect(a.run(["export-changes", plain]).code == 0)
        #expect(a.run(["export-changes", gz]).code == 0)
        let plainBytes = try Data(contentsOf: URL(fileURLWithPath: plain))
        let gzBytes = try Data(contentsOf: URL(fileURLWithPath: gz))
        let before = try replicaDump(b)

        var bad: [(String, Data)] = [
            ("truncated.json", plainBytes.prefix(plainBytes.count * 2 / 3)),
            ("truncated.json.gz", gzBytes.prefix(gzBytes.count / 2)),
            ("garbage.json", Data("xin chào, đây không phải là tệp thay đổi".utf8)),
            ("empty.json", Data()),
            ("other.json", Data(#"{"changes":[1,2,3]}"#.utf8)),
        ]
        var corruptGz = gzBytes
        corruptGz[corruptGz.count / 2] ^= 0xFF
        bad.append(("corrupt.json.gz", corruptGz))
        var random = SystemRandomNumberGenerator()
        bad.append(("random.bin", Data([0x1F, 0x8B] + (0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) })))
        // A well-formed file whose change names a field the schema does not have: the whole file is refused.
        let text = String(decoding: plainBytes, as: UTF8.self)
        if let range = text.range(of: "\"self_note\"") {
            bad.append(("unknown-field.json", Data(text.replacingCharacters(in: range, with: "\"ghi_chu\"").utf8)))
        } else {
            Issue.record("the export should name self_note: \(text.prefix(400))")
        }

        for (name, data) in bad {
            let path = temp.write(name, data)
            let result = b.run(["import-changes", path])
            #expect(result.code == 2, "\(name): \(result)")
            #expect(result.stderr.contains("error:"), "\(name): \(result)")
            #expect(try replicaDump(b) == before, "\(name) must change nothing")
        }
        let check = b.run(["check"])
        #expect(check.stdout.contains("integrity: ok"), "\(check)")

        // The good file still imports afterwards.
        #expect(b.run(["import-changes", gz]).code == 0)
        #expect(b.get("initiatives", "SD-2022-1") != nil)
    }

    @Test func standardInputAndOutput() throws {
        let temp = try TemporaryDirectory()
        let a = Node(temp, "a"), b = Node(temp, "b")
        a.initialise(unit: "SONDUONG")
        b.initialise(unit: "HAMYEN")
        Self.populate(a)
        let exported = a.run(["export-changes", "-"])
        #expect(exported.code == 0)
        #expect(parseJSON(exported.stdout) is [String: Any], "export to - writes the JSON to standard output")
        let imported = b.run(["import-changes", "-"], stdin: exported.stdout)
        #expect(imported.code == 0, "\(imported)")
        #expect(try replicaDump(a) == replicaDump(b))
    }
}
