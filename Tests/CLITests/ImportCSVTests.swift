import Foundation
import Replica
import Testing

@Suite("import-csv")
struct ImportCSVTests {
    /// A Vietnamese Excel export: BOM, CRLF, ";" delimiter, decimal commas, a quoted cell over two lines,
    /// a quoted cell with ";" and "" inside, and decomposed (NFD) text.
    static let excelExport: Data = {
        let lines = [
            "unit;year;criterion;self_score;evidence;self_note",
            "SONDUONG;2022;C1.1;2,5;\"Kế hoạch số 12/KH-UBND\r\n(bản sửa đổi)\";",
            "SONDUONG;2022;C1.2;1,75;Báo cáo 45/BC-UBND;\"Đã nộp; chờ \"\"thẩm định\"\"\"",
            "SONDUONG;2022;C2.1;0;;\("Chưa có tài liệu kiểm chứng".nfdForm)",
            ";;;;;",
        ]
        return Data([0xEF, 0xBB, 0xBF]) + Data((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }()

    @Test func importsAVietnameseExcelExport() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise(role: "hub")  // units and services: tables only the hub writes
        let file = temp.write("diem-2022.csv", Self.excelExport)

        let dry = node.run(["import-csv", "assessment_scores", file, "--dry-run"])
        #expect(dry.code == 0, "\(dry)")
        #expect(dry.stdout.contains("3 row(s)"), "\(dry)")
        #expect(node.list("assessment_scores").isEmpty, "--dry-run stores nothing")

        let result = node.run(["import-csv", "assessment_scores", file])
        #expect(result.code == 0, "\(result)")
        #expect(result.stdout.contains("imported 3 rows into assessment_scores"), "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")

        let rows = node.list("assessment_scores")
        #expect(rows.map { $0["id"] as? String } == ["SONDUONG/2022/C1.1", "SONDUONG/2022/C1.2", "SONDUONG/2022/C2.1"])
        let first = try #require(rows.first)
        #expect((first["self_score"] as? NSNumber)?.doubleValue == 2.5)
        #expect((first["year"] as? NSNumber)?.intValue == 2022)
        #expect(utf8Bytes(first["evidence"]) == Array("Kế hoạch số 12/KH-UBND\n(bản sửa đổi)".nfcForm.utf8))
        #expect(first["self_note"] is NSNull)
        #expect((rows[1]["self_score"] as? NSNumber)?.doubleValue == 1.75)
        #expect(utf8Bytes(rows[1]["self_note"]) == Array("Đã nộp; chờ \"thẩm định\"".utf8))
        #expect((rows[2]["self_score"] as? NSNumber)?.doubleValue == 0)
        #expect(rows[2]["evidence"] is NSNull)
        #expect(utf8Bytes(rows[2]["self_note"]) == Array("Chưa có tài liệu kiểm chứng".nfcForm.utf8))

        // The same file again changes nothing.
        let before = try replicaDump(node)
        let again = node.run(["import-csv", "assessment_scores", file])
        #expect(again.code == 0, "\(again)")
        #expect(again.stdout.contains("0 new, 3 existing; 0 change(s)"), "\(again)")
        #expect(try replicaDump(node) == before)
    }

    @Test func importsCommaSeparatedDatesBooleansAndIDs() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise(role: "hub")  // units and other tables only the hub writes
        let criteria = temp.write("criteria.csv", """
            id,methodology,level,code,name,max_points,survey,applies_to
            PAR22-1,PAR2022,field,1,Công tác chỉ đạo điều hành,"10,5",không,
            PAR22-1.1,PAR2022,criterion,1.1,"Kế hoạch CCHC năm",1,có,district
            PAR22-8,PAR2022,field,8,"Khảo sát, đánh giá","25,5",x,all
            """)
        let result = node.run(["import-csv", "criteria", criteria])
        #expect(result.code == 0, "\(result)")
        #expect(result.stdout.contains("imported 3 rows into criteria"), "\(result)")
        let field = try #require(node.get("criteria", "PAR22-1"))
        #expect((field["max_points"] as? NSNumber)?.doubleValue == 10.5)
        #expect(field["survey"] as? Bool == false)
        #expect(field["applies_to"] is NSNull)
        #expect(node.get("criteria", "PAR22-1.1")?["survey"] as? Bool == true)
        #expect(node.get("criteria", "PAR22-8")?["name"] as? String == "Khảo sát, đánh giá")

        let units = temp.write("units.tsv", "id\tname\tgroup\tvalid_from\nSONDUONG\tUBND huyện Sơn Dương\tdistrict\t01/01/2000\n")
        let tabs = node.run(["import-csv", "units", units])
        #expect(tabs.code == 0, "\(tabs)")
        #expect(node.get("units", "SONDUONG")?["valid_from"] as? String == "2000-01-01")
    }

    @Test func emptyCellsClearValuesUnlessKeepEmpty() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise(role: "hub")  // units and services: tables only the hub writes
        node.put("assessment_scores", #"{"unit":"SONDUONG","year":2022,"criterion":"C1.1","self_score":2,"evidence":"QĐ 1","self_note":"cũ"}"#)
        let file = temp.write("update.csv", "unit,year,criterion,self_score,self_note\nSONDUONG,2022,C1.1,3,\n")

        let kept = node.run(["import-csv", "assessment_scores", file, "--keep-empty"])
        #expect(kept.code == 0, "\(kept)")
        var row = try #require(node.get("assessment_scores", "SONDUONG/2022/C1.1"))
        #expect((row["self_score"] as? NSNumber)?.doubleValue == 3)
        #expect(row["self_note"] as? String == "cũ", "--keep-empty leaves the value")
        #expect(row["evidence"] as? String == "QĐ 1", "a column not in the file is untouched")

        let cleared = node.run(["import-csv", "assessment_scores", file])
        #expect(cleared.code == 0, "\(cleared)")
        row = try #require(node.get("assessment_scores", "SONDUONG/2022/C1.1"))
        #expect(row["self_note"] is NSNull, "an empty cell means no value")
        #expect(row["evidence"] as? String == "QĐ 1")
    }

    @Test func reportsEveryBadRowByPhysicalLineAndStoresNothing() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise(role: "hub")  // units and services: tables only the hub writes
        let lines = [
            "unit;year;criterion;self_score;evidence",   // 1
            "SONDUONG;2022;C1.1;2,5;ok",                  // 2
            "SONDUONG;2022;C1.2;hai;ok",                  // 3  bad: not a number
            "SONDUONG;2022;C1.3;1;\"dòng một",           // 4  good, a cell over three lines
            "dòng hai",                                   // 5
            "dòng ba\"",                                  // 6
            "SONDUONG;1999;C1.4;1,5;ok",                  // 7  bad: year out of range
            "SONDUONG;2022;C1.5;1;ok",                    // 8
            "SONDUONG;2022;C1.1;3;again",                 // 9  bad: same record as line 2
            ";2022;C1.6;1;no unit",                       // 10 bad: key field missing
            "SONDUONG;2022;C1.7;101;\"x\"",              // 11 bad: out of range
            "SONDUONG;2022;C1.8;1;ok;extra",              // 12 bad: too many cells
        ]
        let file = temp.write("bad.csv", Data((lines.joined(separator: "\r\n") + "\r\n").utf8))
        let result = node.run(["import-csv", "assessment_scores", file])
        #expect(result.code == 2, "\(result)")
        let reported = result.stderr.split(separator: "\n").map(String.init)
        for (line, field) in [(3, "self_score"), (7, "year"), (9, "id"), (10, "unit"), (11, "self_score")] {
            #expect(reported.contains { $0.hasPrefix("\(file):\(line): assessment_scores.\(field): ") }, "line \(line) \(field): \(result)")
        }
        #expect(reported.contains { $0.hasPrefix("\(file):12: assessment_scores: ") && $0.contains("6 cells") }, "\(result)")
        #expect(reported.contains { $0.contains(":9:") && $0.contains("line 2") }, "the duplicate names the first line: \(result)")
        for good in [2, 4, 5, 6, 8] {
            #expect(!reported.contains { $0.hasPrefix("\(file):\(good):") }, "line \(good) is good: \(result)")
        }
        #expect(result.stderr.contains("6 bad row(s)"), "\(result)")
        #expect(result.stderr.contains("nothing was imported"), "\(result)")
        #expect(node.list("assessment_scores").isEmpty, "a file with bad rows stores nothing")
    }

    @Test func reportsNewRecordsLackingRequiredFieldsByLine() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise(role: "hub")  // units and services: tables only the hub writes
        node.put("units", #"{"id":"SONDUONG","name":"UBND huyện Sơn Dương","group":"district"}"#)
        // Without a group column: fine for the existing unit, not for new ones.
        let file = temp.write("units.csv", "id,name,sort\nSONDUONG,Huyện Sơn Dương,1\nHAMYEN,Huyện Hàm Yên,2\nNAHANG,Huyện Na Hang,3\n")
        let result = node.run(["import-csv", "units", file])
        #expect(result.code == 2, "\(result)")
        #expect(result.stderr.contains("\(file):3: units.group: required to create record 'HAMYEN'"), "\(result)")
        #expect(result.stderr.contains("\(file):4: units.group: required to create record 'NAHANG'"), "\(result)")
        #expect(!result.stderr.contains("\(file):2:"), "\(result)")
        #expect(node.list("units").count == 1)
        #expect(node.get("units", "SONDUONG")?["sort"] is NSNull, "the existing unit was not updated either")
    }

    @Test func rejectsAnUnknownColumnListingTheFields() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise(role: "hub")  // units and services: tables only the hub writes
        let file = temp.write("scores.csv", "unit,year,criterion,diem_tu_cham\nSONDUONG,2022,C1.1,2\n")
        let result = node.run(["import-csv", "assessment_scores", file])
        #expect(result.code == 2, "\(result)")
        #expect(result.stderr.contains("diem_tu_cham"), "\(result)")
        #expect(result.stderr.contains("self_score"), "valid fields are listed: \(result)")
        #expect(result.stderr.contains("\(file):1:"), "\(result)")
        #expect(node.list("assessment_scores").isEmpty)

        let missingKey = temp.write("nokey.csv", "unit,criterion,self_score\nSONDUONG,C1.1,2\n")
        let keyless = node.run(["import-csv", "assessment_scores", missingKey])
        #expect(keyless.code == 2, "\(keyless)")
        #expect(keyless.stderr.contains("year"), "\(keyless)")

        let noID = temp.write("noid.csv", "name,group\nSở Tư pháp,department\n")
        let idless = node.run(["import-csv", "units", noID])
        #expect(idless.code == 2, "\(idless)")
        #expect(idless.stderr.contains("id column"), "\(idless)")
    }

    @Test func rejectsMalformedFiles() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise(role: "hub")  // units and services: tables only the hub writes
        // Windows-1258 / Latin-1 bytes instead of UTF-8 on line 3.
        var latin = Data("id,name,group\nA,ok,district\nB,".utf8)
        latin.append(contentsOf: [0x53, 0xF5, 0x6E])
        latin.append(Data(",district\n".utf8))
        let notUTF8 = temp.write("latin.csv", latin)
        let encoding = node.run(["import-csv", "units", notUTF8])
        #expect(encoding.code == 2, "\(encoding)")
        #expect(encoding.stderr.contains("latin.csv:3:") && encoding.stderr.contains("UTF-8"), "\(encoding)")

        let unterminated = temp.write("quote.csv", "id,name,group\nA,\"ok\",district\nB,\"Sở\nNội vụ,department\nC,x,district\n")
        let quote = node.run(["import-csv", "units", unterminated])
        #expect(quote.code == 2, "\(quote)")
        #expect(quote.stderr.contains("quote.csv:3:") && quote.stderr.contains("closing quote"), "\(quote)")

        let empty = temp.write("empty.csv", "")
        let nothing = node.run(["import-csv", "units", empty])
        #expect(nothing.code == 2, "\(nothing)")
        #expect(nothing.stderr.contains("header"), "\(nothing)")

        let missing = node.run(["import-csv", "units", temp.path("does-not-exist.csv")])
        #expect(missing.code == 1, "\(missing)")
        #expect(missing.stderr.contains("cannot read"), "\(missing)")

        let unknownTable = node.run(["import-csv", "nosuch", unterminated])
        #expect(unknownTable.code == 2, "\(unknownTable)")
        #expect(unknownTable.stderr.contains("unknown table 'nosuch'"), "\(unknownTable)")

        #expect(node.list("units").isEmpty)
    }

    @Test func readsStandardInput() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise(role: "hub")  // units: a table only the hub writes
        let result = node.run(["import-csv", "units", "-"], stdin: "id,name,group\nSOTUPHAP,Sở Tư pháp,department\n")
        #expect(result.code == 0, "\(result)")
        #expect(node.get("units", "SOTUPHAP")?["group"] as? String == "department")
        let bad = node.run(["import-csv", "units", "-"], stdin: "id,name,group\nX,x,village\n")
        #expect(bad.code == 2, "\(bad)")
        #expect(bad.stderr.contains("<stdin>:2: units.group"), "\(bad)")
    }
}
