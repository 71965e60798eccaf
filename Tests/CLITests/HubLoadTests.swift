import Foundation
import Replica
import Testing

/// `reformsync hub load`: a hub's first set-up from the reference files a Department of Home
/// Affairs keeps, with the shipped illustrative sets of Config/reference/, run as the real binary.
@Suite("hub load")
struct HubLoadTests {
    static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Config/reference")
    static var set2021: String { reference.appendingPathComponent("2021").path }
    static var set2026: String { reference.appendingPathComponent("2026").path }

    /// A fresh hub replica.
    static func hub(_ temp: TemporaryDirectory) -> Node {
        let hub = Node(temp, "hub")
        let result = hub.run(["init", "--role", "hub", "--unit", "SNV"])
        #expect(result.code == 0, "\(result)")
        return hub
    }

    static func version(_ node: Node) throws -> Int64 { try Replica.open(path: node.replicaPath).currentVersion() }

    @Test func loadsTheShipped2021And2026Sets() throws {
        let temp = try TemporaryDirectory("hubload")
        let hub = Self.hub(temp)

        let first = hub.run(["hub", "load", Self.set2021])
        #expect(first.code == 0, "\(first)")
        #expect(first.stdout.contains("loaded 4 file(s)"), "\(first)")
        #expect(first.stdout.contains("units          27 record(s): 27 new, 0 changed, 0 unchanged"), "\(first)")
        #expect(first.stdout.contains("criteria       63 record(s): 63 new"), "\(first)")
        #expect(hub.list("units").count == 27)
        #expect(hub.list("methodologies").count == 1)
        #expect(hub.list("criteria").count == 63)
        #expect(hub.list("services").count == 25)

        let sonDuong = try #require(hub.get("units", "SONDUONG"))
        #expect(utf8Bytes(sonDuong["name"]) == Array("UBND huyện Sơn Dương".nfcForm.utf8))
        #expect(sonDuong["group"] as? String == "district")
        #expect(sonDuong["valid_to"] as? String == "2025-06-30")
        #expect((sonDuong["sort"] as? NSNumber)?.intValue == 207)
        let department = try #require(hub.get("units", "SLDTBXH"))
        #expect(utf8Bytes(department["name"]) == Array("Sở Lao động - Thương binh và Xã hội".nfcForm.utf8))
        // A ";" file with decimal commas and có/không, read as import-csv reads it.
        let leaf = try #require(hub.get("criteria", "TQ2021-3.3.2"))
        #expect((leaf["max_points"] as? NSNumber)?.doubleValue == 1.0)
        #expect(leaf["parent"] as? String == "TQ2021-3.3")
        #expect(leaf["level"] as? String == "sub_criterion")
        #expect(leaf["survey"] as? Bool == false)
        let half = try #require(hub.get("criteria", "TQ2021-1.2"))
        #expect((half["max_points"] as? NSNumber)?.doubleValue == 1.5)
        #expect(hub.get("criteria", "TQ2021-8.1")?["survey"] as? Bool == true)
        #expect(hub.get("criteria", "TQ2021-2.2")?["applies_to"] as? String == "district")
        #expect(utf8Bytes(hub.get("services", "D06-02")?["name"]) == Array("Đăng ký khai sinh".nfcForm.utf8))
        #expect(hub.get("services", "D06-25")?["number"] as? NSNumber == 25)

        // 2026 (YAML): departments and communes; the districts and merged departments it repeats
        // carry the same values as the 2021 files, so they are unchanged.
        let second = hub.run(["hub", "load", Self.set2026])
        #expect(second.code == 0, "\(second)")
        #expect(second.stdout.contains("units          43 record(s): 16 new, 0 changed, 27 unchanged"), "\(second)")
        #expect(second.stdout.contains("services       25 record(s): 0 new, 0 changed, 25 unchanged"), "\(second)")
        #expect(hub.list("units").count == 43)
        #expect(hub.list("units", ["--where", "group=commune"]).count == 14)
        #expect(hub.list("methodologies").count == 2)
        #expect(hub.list("criteria").count == 126)
        let commune = try #require(hub.get("units", "XA_SONDUONG"))
        #expect(utf8Bytes(commune["name"]) == Array("UBND xã Sơn Dương".nfcForm.utf8))
        #expect(commune["valid_from"] as? String == "2025-07-01")
        #expect(commune["valid_to"] is NSNull)
        #expect(hub.get("units", "SONDUONG")?["valid_to"] as? String == "2025-06-30")
        #expect(hub.get("criteria", "TQ2026-2.2")?["applies_to"] as? String == "commune")
        #expect(hub.get("methodologies", "TQ2026")?["first_year"] as? NSNumber == 2026)
    }

    @Test func loadingAgainChangesNothing() throws {
        let temp = try TemporaryDirectory("hubload")
        let hub = Self.hub(temp)
        #expect(hub.run(["hub", "load", Self.set2021, Self.set2026]).code == 0)
        let version = try Self.version(hub)
        let dump = try replicaDump(hub)

        for sets in [[Self.set2021], [Self.set2026], [Self.set2026, Self.set2021]] {
            let again = hub.run(["hub", "load"] + sets)
            #expect(again.code == 0, "\(again)")
            #expect(again.stdout.contains("0 changes: the hub already holds these values"), "\(again)")
            #expect(!again.stdout.contains(" new,") || again.stdout.contains(": 0 new, 0 changed"), "\(again)")
        }
        #expect(try Self.version(hub) == version, "re-loading the same files writes no change")
        #expect(try replicaDump(hub) == dump)
    }

    @Test func aChangedValueIsOneChange() throws {
        let temp = try TemporaryDirectory("hubload")
        let hub = Self.hub(temp)
        let units = "id;name;group;sort\nSONDUONG;UBND huyện Sơn Dương;district;7\nSTP;Sở Tư pháp;department;1\n"
        #expect(hub.run(["hub", "load", temp.write("units.csv", units)]).code == 0)
        let renamed = hub.run(["hub", "load", temp.write("units.csv", units.replacingOccurrences(of: ";7", with: ";8"))])
        #expect(renamed.code == 0, "\(renamed)")
        #expect(renamed.stdout.contains("2 record(s): 0 new, 1 changed, 1 unchanged"), "\(renamed)")
        #expect(renamed.stdout.contains("1 change(s) stored"), "\(renamed)")
        #expect(hub.get("units", "SONDUONG")?["sort"] as? NSNumber == 8)
    }

    /// A bad file among good ones: every problem named FILE:LINE: table.field, nothing stored.
    struct BadCase: CustomTestStringConvertible, Sendable {
        var name: String
        var file: String
        var text: String
        /// Expected in standard error (after the folder's path).
        var expected: [String]
        var testDescription: String { name }
    }

    static let goodUnits = "id;name;group;valid_to;sort\nSONDUONG;UBND huyện Sơn Dương;district;;7\nSTP;Sở Tư pháp;department;;1\n"
    static let goodMethod = "methodologies:\n  - id: M\n    name: Bộ chỉ số\n    first_year: 2026\n"

    static let badCases: [BadCase] = [
        BadCase(name: "unknown parent", file: "criteria.csv",
                text: "id;methodology;parent;level;code;name;max_points\nM-1;M;;field;1;Lĩnh vực 1;10\nM-1.1;M;M-9;criterion;1.1;Tiêu chí;5\n",
                expected: ["criteria.csv:3: criteria.parent: 'M-9' is neither in the files nor stored at the hub"]),
        BadCase(name: "unknown methodology", file: "criteria.yaml",
                text: "criteria:\n  - id: X-1\n    methodology: X\n    level: field\n    code: 1\n    name: Lĩnh vực\n    max_points: 10\n",
                expected: ["criteria.yaml:3: criteria.methodology: 'X' is neither in the files nor stored"]),
        BadCase(name: "duplicate unit code", file: "units-more.csv",
                text: "id;name;group\nNAHANG;UBND huyện Na Hang;district\nNAHANG;Na Hang;district\nSonDuong;Sơn Dương;district\n",  // read before units.csv
                expected: ["units-more.csv:3: units.id: record 'NAHANG' is already on line 2",
                           "units.csv:2: units.id: 'SONDUONG' differs from the unit 'SonDuong' (in the files) only in letter case"]),
        BadCase(name: "one record, two files, other values", file: "units-2026.csv",
                text: "id;name;group\nSONDUONG;UBND xã Sơn Dương;district\n",  // read before units.csv
                expected: ["units.csv:2: units.name: record 'SONDUONG' is also on "]),
        BadCase(name: "bad number", file: "services.csv",
                text: "id;number;name\nD06-01;1;Cấp Phiếu lý lịch tư pháp\nD06-02;hai;Đăng ký khai sinh\nD06-03;5000;Đăng ký khai tử\n",
                expected: ["services.csv:3: services.number: expected a whole number, got \"hai\"",
                           "services.csv:4: services.number: 5000 is outside 1…1000"]),
        BadCase(name: "missing column", file: "criteria-2026.csv",
                text: "id;methodology;level;code;name\nM-1;M;field;1;Lĩnh vực 1\n",
                expected: ["criteria-2026.csv:1: criteria.max_points: the header lacks this column"]),
        BadCase(name: "YAML: list where a value belongs, bad date", file: "more.yaml",
                text: "units:\n  - id: XA_A\n    name: [a, b]\n    group: commune\n  - id: XA_B\n    name: Xã B\n    group: commune\n    valid_from: 31/02/2025\n",
                expected: ["more.yaml:3: units.name: expected a single value", "more.yaml:8: units.valid_from: expected a date"]),
        BadCase(name: "YAML syntax", file: "broken.yaml",
                text: "services:\n  - id: D06-01\n    name: \"unterminated\n",
                expected: ["broken.yaml:4: not valid YAML: found unexpected end of stream"]),
        BadCase(name: "unknown table", file: "assessments.csv",
                text: "unit;year\nSONDUONG;2026\n",
                expected: ["assessments.csv: cannot tell which table the file holds"]),
    ]

    @Test(arguments: badCases)
    func aBadFileIsRefusedWhole(_ bad: BadCase) throws {
        let temp = try TemporaryDirectory("hubload")
        let hub = Self.hub(temp)
        let folder = temp.path("reference")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        temp.write("reference/units.csv", Self.goodUnits)
        temp.write("reference/methodology.yaml", Self.goodMethod)
        temp.write("reference/" + bad.file, bad.text)
        let version = try Self.version(hub)

        let result = hub.run(["hub", "load", folder])
        #expect(result.code == 2, "\(result)")
        for expected in bad.expected {
            #expect(result.stderr.contains(folder + "/" + expected), "\(result)")
        }
        #expect(result.stderr.contains("nothing was loaded"), "\(result)")
        #expect(hub.list("units").isEmpty, "the good files are not stored either")
        #expect(hub.list("methodologies").isEmpty)
        #expect(try Self.version(hub) == version)
    }

    @Test func referencesResolveAgainstWhatIsStored() throws {
        let temp = try TemporaryDirectory("hubload")
        let hub = Self.hub(temp)
        #expect(hub.run(["hub", "load", Self.set2021]).code == 0)
        // A new sub-criterion under a stored criterion, in a file of its own: accepted.
        let extra = temp.write("criteria-extra.csv", "id;methodology;parent;level;code;name;max_points\nTQ2021-1.2.1;TQ2021;TQ2021-1.2;sub_criterion;1.2.1;Báo cáo quý;0,5\n")
        let added = hub.run(["hub", "load", extra])
        #expect(added.code == 0, "\(added)")
        // Its parent must be a criterion of the same method, and codes stay unique within it.
        let wrong = temp.write("criteria-wrong.csv", "id;methodology;parent;level;code;name;max_points\nTQ2021-X;TQ2021;TQ2021-1;sub_criterion;1.2.1;Trùng mã;1\n")
        let refused = hub.run(["hub", "load", wrong])
        #expect(refused.code == 2, "\(refused)")
        #expect(refused.stderr.contains("criteria-wrong.csv:2: criteria.parent: 'TQ2021-1' is a field; a sub_criterion belongs to a criterion"), "\(refused)")
        #expect(refused.stderr.contains("criteria-wrong.csv:2: criteria.code: code '1.2.1' of methodology 'TQ2021' is also that of criteria 'TQ2021-1.2.1'"), "\(refused)")
        #expect(hub.get("criteria", "TQ2021-X") == nil)
    }

    @Test func decomposedTextIsStoredNFC() throws {
        let temp = try TemporaryDirectory("hubload")
        let hub = Self.hub(temp)
        let name = "UBND huyện Chiêm Hóa"
        let csv = temp.write("units.csv", Data([0xEF, 0xBB, 0xBF]) + Data("id,name,group\r\nCHIEMHOA,\(name.nfdForm),district\r\n".utf8))
        let yaml = temp.write("services.yaml", "services:\n  - id: D06-04\n    number: 4\n    name: \("Đăng ký kết hôn".nfdForm)\n")
        let result = hub.run(["hub", "load", csv, yaml])
        #expect(result.code == 0, "\(result)")
        #expect(utf8Bytes(hub.get("units", "CHIEMHOA")?["name"]) == Array(name.nfcForm.utf8))
        #expect(utf8Bytes(hub.get("services", "D06-04")?["name"]) == Array("Đăng ký kết hôn".nfcForm.utf8))
    }

    @Test func aNodeRefusesToLoad() throws {
        let temp = try TemporaryDirectory("hubload")
        let node = Node(temp, "node")
        node.initialise(unit: "SONDUONG")
        let result = node.run(["hub", "load", Self.set2021])
        #expect(result.code == 2, "\(result)")
        #expect(result.stderr.contains("is a node replica (unit SONDUONG)"), "\(result)")
        #expect(result.stderr.contains("written at the hub"), "\(result)")
        #expect(node.list("units").isEmpty)
    }

    @Test func tokenCreateRefusesUnknownAndEndedUnits() throws {
        let temp = try TemporaryDirectory("hubload")
        let hub = Self.hub(temp)
        let unknown = hub.run(["hub", "token", "create", "--unit", "SONDUONG"])
        #expect(unknown.code == 2, "\(unknown)")
        #expect(unknown.stdout.isEmpty, "no token printed")
        #expect(unknown.stderr.contains("unit 'SONDUONG' does not exist at this hub"), "\(unknown)")
        #expect(unknown.stderr.contains("reformsync hub load"), "\(unknown)")

        #expect(hub.run(["hub", "load", Self.set2026]).code == 0)
        let typo = hub.run(["hub", "token", "create", "--unit", "xa_sonduong"])
        #expect(typo.code == 2 && typo.stderr.contains("did you mean XA_SONDUONG?"), "\(typo)")
        let ended = hub.run(["hub", "token", "create", "--unit", "SONDUONG"])
        #expect(ended.code == 2, "\(ended)")
        #expect(ended.stderr.contains("unit 'SONDUONG' ceased on 2025-06-30"), "\(ended)")

        let commune = hub.run(["hub", "token", "create", "--unit", "XA_SONDUONG"])
        #expect(commune.code == 0 && commune.stdout.hasPrefix("rs1_"), "\(commune)")
        let operatorToken = hub.run(["hub", "token", "create", "--operator"])
        #expect(operatorToken.code == 0 && operatorToken.stdout.hasPrefix("rs1_"), "\(operatorToken)")
        let listed = hub.run(["hub", "token", "list"]).stdout
        #expect(listed.contains("XA_SONDUONG") && !listed.contains(" SONDUONG "), "\(listed)")
    }

    @Test func theReportRunsOnAHubLoadedFromTheShippedSets() throws {
        let temp = try TemporaryDirectory("hubload")
        let hub = Self.hub(temp)
        #expect(hub.run(["hub", "load", Self.set2021]).code == 0)
        let report = hub.run(["report", "--year", "2021"])
        #expect(report.code == 0, "\(report)")
        #expect(report.stdout.contains("(TQ2021)"), "\(report)")
        #expect(report.stdout.contains("0/19"), "the 19 departments are listed, none ranked yet: \(report)")
        #expect(report.stdout.contains("0/7"), "the 7 districts are listed, none ranked yet: \(report)")
        #expect(report.stdout.contains("UBND huyện Sơn Dương".nfcForm), "\(report)")

        // 2026: departments and communes; the districts (ended 30/6/2025) form no group that year.
        #expect(hub.run(["hub", "load", Self.set2026]).code == 0)
        let later = hub.run(["report", "--year", "2026"])
        #expect(later.code == 0, "\(later)")
        #expect(later.stdout.contains("(TQ2026)") && later.stdout.contains("Khối xã, phường (0/14"), "\(later)")
        #expect(!later.stdout.contains("Khối huyện, thành phố") && !later.stdout.contains("UBND huyện Sơn Dương".nfcForm), "\(later)")
    }

    @Test func missingFilesAndEmptyFoldersAreNamed() throws {
        let temp = try TemporaryDirectory("hubload")
        let hub = Self.hub(temp)
        let empty = temp.path("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let notes = temp.write("units.txt", "id;name;group\n")
        let result = hub.run(["hub", "load", Self.set2021, temp.path("nowhere/units.csv"), empty, notes])
        #expect(result.code == 2, "\(result)")
        #expect(result.stderr.contains(temp.path("nowhere/units.csv") + ": no such file or folder"), "\(result)")
        #expect(result.stderr.contains(empty + ": the folder holds no .csv, .yaml or .yml file"), "\(result)")
        #expect(result.stderr.contains(notes + ": not a .csv, .yaml or .yml file"), "\(result)")
        #expect(hub.list("units").isEmpty, "the good folder is not loaded either")
    }

    @Test func dryRunStoresNothing() throws {
        let temp = try TemporaryDirectory("hubload")
        let hub = Self.hub(temp)
        let version = try Self.version(hub)
        let dry = hub.run(["hub", "load", Self.set2021, "--dry-run"])
        #expect(dry.code == 0, "\(dry)")
        #expect(dry.stdout.contains("checked 4 file(s): all good; nothing stored (--dry-run)"), "\(dry)")
        #expect(dry.stdout.contains("units          27 record(s): 27 new"), "\(dry)")
        #expect(hub.list("units").isEmpty && hub.list("criteria").isEmpty)
        #expect(try Self.version(hub) == version)
    }
}
