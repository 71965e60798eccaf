import Foundation
import Testing

/// Issue 15's small inconsistencies, each through the real binary: numbers as Vietnamese
/// spreadsheets write them, integers shown as integers, empty lists as `[]`, one JSON key style.
@Suite("output and input consistency")
struct ConsistencyTests {
    /// Whole numbers with dots between thousands (1.234 = 1234), as a Vietnamese Excel writes them;
    /// a dot that cannot be a thousands separator in a whole-number field is refused, naming the rule.
    @Test("import-csv reads 1.234 and 1.000.000 as whole numbers, refuses 1.23")
    func thousandsSeparators() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise(role: "hub")
        node.put("services", #"{"id":"DVC01","number":1,"name":"Thông báo lưu trú","field":"Công an"}"#)
        let file = temp.write("dvc.csv", "unit;period;service;level;dossiers_received;dossiers_online\r\nSONDUONG;2022;DVC01;full;1.234.567;1.234\r\n")
        let imported = node.run(["import-csv", "service_deployments", file])
        #expect(imported.code == 0, "\(imported)")
        let row = try #require(node.list("service_deployments").first, "\(imported)")
        #expect((row["dossiers_received"] as? NSNumber)?.intValue == 1_234_567, "\(row)")
        #expect((row["dossiers_online"] as? NSNumber)?.intValue == 1_234, "\(row)")

        for bad in ["1.23", "1.2345", ".234", "1,234"] {
            let badFile = temp.write("bad.csv", "unit;period;service;level;dossiers_received\r\nSONDUONG;2023;DVC01;full;\(bad)\r\n")
            let refused = node.run(["import-csv", "service_deployments", badFile])
            #expect(refused.code == 2, "\(bad): \(refused)")
            #expect(refused.stderr.contains("dossiers_received") && refused.stderr.contains("1.234"), "\(bad): \(refused)")
        }
    }

    /// Decimal fields: comma or point, and grouped thousands before a decimal comma.
    @Test("import-csv reads 81,99, 81.99 and 1.234,5 in a decimal field; refuses 1,234.5")
    func decimals() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise(role: "hub")
        let file = temp.write("indices.csv", "index;year;value\r\nPAR_INDEX;2021;81,99\r\nSIPAS;2021;81.99\r\nPAPI;2021;1.234,5\r\n")
        let imported = node.run(["import-csv", "external_indices", file])
        #expect(imported.code == 0, "\(imported)")
        let values = node.list("external_indices").map { ($0["index"] as? String ?? "", ($0["value"] as? NSNumber)?.doubleValue ?? -1) }
        #expect(Dictionary(uniqueKeysWithValues: values) == ["PAR_INDEX": 81.99, "SIPAS": 81.99, "PAPI": 1234.5], "\(values)")
        let bad = temp.write("bad.csv", "index;year;value\r\nPCI;2021;1,234.5\r\n")
        let refused = node.run(["import-csv", "external_indices", bad])
        #expect(refused.code == 2 && refused.stderr.contains("value") && refused.stderr.contains("1.234,5"), "\(refused)")
    }

    @Test("schema shows integer ranges as integers")
    func integerRanges() throws {
        let result = run(["schema", "initiatives"])
        #expect(result.code == 0, "\(result)")
        #expect(result.stdout.contains("2000…2100"), "\(result.stdout)")
        #expect(!result.stdout.contains("2000.0"), "\(result.stdout)")
    }

    /// An empty table is `[]`, not `[`, a blank line, `]`; every --json key is snake_case.
    @Test("record list of an empty table prints []; --json keys are snake_case")
    func emptyListAndKeyStyle() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise()
        let list = node.run(["record", "list", "initiatives"])
        #expect(list.code == 0 && list.stdout == "[]\n", "\(list)")
        let quarantine = node.run(["quarantine", "list", "--json"])
        #expect(quarantine.code == 0 && quarantine.stdout == "[]\n", "\(quarantine)")

        let clock = node.run(["clock", "show", "--json"])
        #expect(clock.code == 0, "\(clock)")
        let keys = try #require(parseJSON(clock.stdout) as? [String: Any], "\(clock)").keys
        #expect(!keys.isEmpty && keys.allSatisfy { $0 == $0.lowercased() }, "snake_case keys: \(keys.sorted())")
        #expect(keys.contains("own_changes_ahead"), "\(keys.sorted())")
    }
}
