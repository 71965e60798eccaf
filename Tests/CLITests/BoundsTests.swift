import Foundation
import Testing

/// Numbers, clocks and text no replica can hold, through the command line: each is refused with
/// exit 2 and a message naming it, and nothing stored changes (issue 9).
@Suite("bounds at the command line")
struct BoundsTests {
    /// A genuine change file of one new initiative, as `export-changes` writes it.
    static func exportedFile(_ temp: TemporaryDirectory) throws -> (node: Node, text: String) {
        let a = Node(temp, "a")
        a.initialise(unit: "SONDUONG")
        a.put("initiatives", #"{"id":"SD-2022-1","unit":"SONDUONG","year":2022,"title":"Một cửa số"}"#)
        let file = temp.path("good.json")
        #expect(a.run(["export-changes", file]).code == 0)
        return (a, try String(contentsOfFile: file, encoding: .utf8))
    }

    @Test("change files with causal lengths, clocks or text out of bounds are refused whole")
    func importRefusesOutOfBoundsFiles() throws {
        let temp = try TemporaryDirectory()
        let (_, good) = try Self.exportedFile(temp)
        let b = Node(temp, "b")
        b.initialise(unit: "SONDUONG")
        let before = try replicaDump(b)
        #expect(good.contains("\"l\":1"), "\(good)")
        // A stamp a year ahead of this machine's clock: the offset is added to the file's hlc0.
        let hlc0 = try #require(good.range(of: #""hlc0":(\d+)"#, options: .regularExpression).map { String(good[$0].dropFirst(7)) })
        let yearAhead = UInt64(hlc0)! + (UInt64(366 * 86_400_000) << 16)
        let cases: [(String, String, String)] = [
            ("causal length 2^64 - 1", good.replacingOccurrences(of: "\"l\":1", with: "\"l\":18446744073709551615"), "causal length"),
            ("U+0000 in a title", good.replacingOccurrences(of: "Một cửa", with: "Một\\u0000cửa"), "U+0000"),
            ("a stamp a year ahead", good.replacingOccurrences(of: "\"hlc0\":\(hlc0)", with: "\"hlc0\":\(yearAhead)"), "ahead of this server's clock"),
        ]
        for (name, text, reason) in cases {
            #expect(text != good, "\(name): the file was changed")
            let result = b.run(["import-changes", temp.write("\(name).json", text)])
            #expect(result.code == 2, "\(name): \(result)")
            #expect(result.stderr.contains(reason), "\(name): \(result)")
            #expect(try replicaDump(b) == before, "\(name) must change nothing")
        }
        // The clock did not move: a write now is stamped near the wall clock, not a year ahead.
        b.put("initiatives", #"{"id":"SD-2022-2","unit":"SONDUONG","year":2022,"title":"Sau khi từ chối"}"#)
        let history = b.run(["history", "initiatives", "SD-2022-2", "--json"])
        #expect(history.code == 0, "\(history)")
        #expect(!history.stdout.contains(String(Calendar.current.component(.year, from: Date()) + 1) + "-"), "\(history.stdout)")
        #expect(b.run(["check"]).stdout.contains("integrity: ok"))
        // The untouched file still imports.
        #expect(b.run(["import-changes", temp.write("good.json", good)]).code == 0)
        #expect(b.get("initiatives", "SD-2022-1") != nil)
    }

    @Test("control characters are refused at record put, import-csv and filters; tab and line breaks are text")
    func controlCharactersAreRefusedAtEveryLocalEntry() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "n")
        node.initialise(unit: "SONDUONG")
        let before = try replicaDump(node)
        let put = node.run(["record", "put", "initiatives", #"{"id":"SD-1","unit":"SONDUONG","year":2022,"title":"Một\u0000cửa"}"#])
        #expect(put.code == 2, "\(put)")
        #expect(put.stderr.contains("title") && put.stderr.contains("U+0000"), "\(put)")
        let key = node.run(["record", "put", "initiatives", #"{"id":"SD\u001b1","unit":"SONDUONG","year":2022,"title":"x"}"#])
        #expect(key.code == 2, "\(key)")
        let csv = temp.write("bad.csv", "id,unit,year,title\nSD-2,SONDUONG,2022,Sáng\u{7}kiến\n")
        let imported = node.run(["import-csv", "initiatives", csv])
        #expect(imported.code == 2, "\(imported)")
        #expect((imported.stdout + imported.stderr).contains("bad.csv:2: initiatives.title: contains the control character U+0007"), "\(imported)")
        #expect(try replicaDump(node) == before, "nothing stored")
        node.put("initiatives", #"{"id":"SD-3","unit":"SONDUONG","year":2022,"title":"Dòng 1\nDòng 2\tcột"}"#)
        #expect(node.get("initiatives", "SD-3")?["title"] as? String == "Dòng 1\nDòng 2\tcột")
    }
}
