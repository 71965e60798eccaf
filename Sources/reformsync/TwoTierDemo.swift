import Aggregation
import FileStore
import Foundation
import Hub
import HubClient
import ReformData
import ReformsyncConfig
import Replica
import SeedScenario
import WireProtocol

/// `reformsync demo --two-tier` (Protocol/README.md §20): the national hub (Bộ Nội vụ) and two
/// provincial hubs as processes on 127.0.0.1, each provincial hub with two district daemons and
/// an `uplink:` to the national hub. The provinces self-assess as units of the national
/// methodology, the Ministry appraises and publishes, and each province's national rank comes
/// back into its hub's `external_indices` and on to its districts. Reuses ``DemoRunner`` for
/// the processes (one runner per province, one for the national hub).
final class TwoTierDemo {
    let binary: String
    let directory: String
    let log: (String) -> Void
    let national: DemoRunner
    var provinces: [(code: String, name: String, runner: DemoRunner, url: String, config: String)] = []
    var nationalURL = ""
    var nationalReplica: Replica!
    /// Seconds from the provinces' writes to both at the national hub, and from publication to both ranks at the provincial hubs.
    var upSeconds = 0.0, downSeconds = 0.0

    /// Each province's hub unit and its two districts (Tuyên Quang's from the seed; Hà Giang's illustrative).
    static let provincial: [String: (hubUnit: String, districts: [(code: String, name: String)])] = [
        "tuyen-quang": ("SNV", [("SONDUONG", "UBND huyện Sơn Dương"), ("YENSON", "UBND huyện Yên Sơn")]),
        "ha-giang": ("SNV-HG", [("BACQUANG", "UBND huyện Bắc Quang"), ("VIXUYEN", "UBND huyện Vị Xuyên")]),
    ]

    init(binary: String, directory: String, log: @escaping (String) -> Void) {
        self.binary = binary
        self.directory = directory
        self.log = log
        national = DemoRunner(binary: binary, directory: (directory as NSString).appendingPathComponent("national"), hubPort: 0, log: log)
    }

    func stopAll() {
        for province in provinces.reversed() { province.runner.stopAll() }
        national.stopAll()
    }

    func run() async throws {
        let year = NationalScenario.year
        log("1/6 the national hub (Bộ Nội vụ) enters the provinces, the national method and the 61 other provinces' appraised results (illustrative)")
        try FileManager.default.createDirectory(atPath: national.path("BNV"), withIntermediateDirectories: true)
        nationalReplica = try Replica.create(path: national.path("BNV/replica.sqlite"), unit: NationalScenario.hubUnit, role: .hub)
        for batch in NationalScenario.referenceRecords() + NationalScenario.otherProvinces() { try nationalReplica.put(batch.table, records: batch.records) }
        let tokens = try TokenAuthority(writer: nationalReplica.writer)
        try "role: hub\nunit: BNV\ndata_dir: \(national.path("BNV"))\nlog_level: warning\nserver:\n  host: 127.0.0.1\n  port: 0\n"
            .write(toFile: national.path("BNV/hub.yaml"), atomically: true, encoding: .utf8)
        let process = try national.start("national hub", ["hub", "--config", national.path("BNV/hub.yaml")], log: national.path("BNV/hub.log"))
        nationalURL = try national.waitForLine(national.path("BNV/hub.log"), prefix: "listening on ", process: process)
        log("    national hub listening on \(nationalURL)")

        log("2/6 two provincial hubs start, each with an uplink to the national hub (its own unit there, its token), and two district daemons each")
        for (code, name) in NationalScenario.provinces {
            let setup = Self.provincial[code]!
            let runner = DemoRunner(binary: binary, directory: (directory as NSString).appendingPathComponent(code), hubPort: 0, log: log)
            try FileManager.default.createDirectory(atPath: runner.path("hub"), withIntermediateDirectories: true)
            let tokenFile = runner.path("hub/uplink.token")
            try (try tokens.create(unit: code, note: "demo: \(name)'s provincial hub").token + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let hub = try Replica.create(path: runner.path("hub/replica.sqlite"), unit: setup.hubUnit, role: .hub)
            try Self.provincialReference(hub, province: code, name: name)
            let provincialTokens = try TokenAuthority(writer: hub.writer)
            let config = runner.path("hub/hub.yaml")
            try """
                role: hub
                unit: \(setup.hubUnit)
                data_dir: \(runner.path("hub"))
                log_level: warning
                server:
                  host: 127.0.0.1
                  port: 0
                sync:
                  debounce: 0.2
                uplink:
                  url: \(nationalURL)
                  unit: \(code)
                  token_file: \(tokenFile)
                  interval: 3600

                """.write(toFile: config, atomically: true, encoding: .utf8)
            let hubProcess = try runner.start("\(code) hub", ["hub", "--config", config], log: runner.path("hub/hub.log"))
            let url = try runner.waitForLine(runner.path("hub/hub.log"), prefix: "listening on ", process: hubProcess)
            log("    \(name): hub listening on \(url), uplink as \(code) at \(nationalURL)")
            for district in setup.districts {
                try FileManager.default.createDirectory(atPath: runner.path(district.code), withIntermediateDirectories: true)
                _ = try Replica.create(path: runner.path("\(district.code)/replica.sqlite"), unit: district.code)
                runner.tokensByUnit[district.code] = try provincialTokens.create(unit: district.code, note: "demo").token
                try runner.startDaemon(district.code, hubURL: url)
            }
            provinces.append((code, name, runner, url, config))
        }

        log("3/6 the districts self-assess at their own nodes and sync with their provincial hub (their rows stay in the province)")
        for province in provinces {
            for district in Self.provincial[province.code]!.districts {
                let client = try province.runner.api(district.code)
                let body = try WireJSON.encode(JSONValue.array([.object(["unit": .string(district.code), "year": .integer(Int64(year)),
                                                                         "methodology": .string(SeedScenario.methodology), "status": .string("draft"),
                                                                         "note": .string("Tự đánh giá của \(district.name) (minh hoạ)")])]))
                _ = try await client.send(HubRequest(method: "PUT", path: "/records/assessments", headers: [("Content-Type", "application/json")], body: body))
                _ = try await client.send(HubRequest(method: "POST", path: "/sync?wait=1"))
            }
        }

        let upStarted = Date()
        log("4/6 each province enters its own self-assessment as a unit of the national method (`reformsync record put --uplink`) with its evidence (`reformsync files add --uplink`)")
        for province in provinces {
            let uplinkPath = province.runner.path("hub/uplink/replica.sqlite")
            try await Self.waitFor("\(province.code)'s uplink replica", seconds: 30) { FileManager.default.fileExists(atPath: uplinkPath) }
            let uplink = try Replica.open(path: uplinkPath)
            for batch in NationalScenario.selfAssessment(province.code) { try uplink.put(batch.table, records: batch.records) }
            let pdf = province.runner.path("ke-hoach-cchc-\(province.code).pdf")
            try Data(SeedEvidence.pdf(lines: ["\(province.name)", "Ke hoach CCHC nam \(year) (minh hoa)"])).write(to: URL(fileURLWithPath: pdf))
            try run(["files", "add", "assessment_scores", "\(province.code)/\(year)/T1", pdf, "--uplink", "--config", province.config],
                    log: province.runner.path("files-add.log"))
        }
        let nationalFiles = FileStore(dataDirectory: national.path("BNV"))
        try await Self.waitFor("both self-assessments and their evidence at the national hub", seconds: 60) {
            try NationalScenario.provinces.allSatisfy { try self.nationalReplica.list("assessment_scores", where: ["unit": .text($0.code)]).count == 8 }
                && nationalFiles.storedHashes().count == NationalScenario.provinces.count
        }
        upSeconds = Date().timeIntervalSince(upStarted)
        log("    both provinces' self-assessments and evidence reached the national hub (\(String(format: "%.1f", upSeconds)) s after the first write)")

        log("5/6 the Ministry appraises both provinces and publishes the national ranking of \(year)")
        for batch in NationalScenario.appraisals() { try nationalReplica.put(batch.table, records: batch.records) }
        _ = try ProvinceReport.publish(replica: nationalReplica, year: year, decision: "Chỉ số CCHC năm \(year) của các tỉnh (minh hoạ)")

        let published = Date()
        log("6/6 each province's national rank comes down into its hub's external_indices, and on to its districts")
        for province in provinces {
            let hub = try Replica.open(path: province.runner.path("hub/replica.sqlite"))
            try await Self.waitFor("\(province.code)'s national rank", seconds: 60) {
                try hub.get("external_indices", key: "PAR_INDEX/\(year)")?.values["national_rank"] != nil
            }
        }
        downSeconds = Date().timeIntervalSince(published)
        log("    the rank reached both provincial hubs \(String(format: "%.1f", downSeconds)) s after publication (live pulls)")
        for province in provinces {
            for district in Self.provincial[province.code]!.districts {
                _ = try await province.runner.api(district.code).send(HubRequest(method: "POST", path: "/sync?wait=1"))
            }
        }
    }

    /// The provincial hub's own reference data: itself, the province, its two districts, the provincial method.
    static func provincialReference(_ hub: Replica, province: String, name: String) throws {
        let setup = provincial[province]!
        var units: [[String: JSONValue]] = [["id": .string(setup.hubUnit), "name": .string("Sở Nội vụ \(name.lowercased())"), "group": .string("department")],
                                            ["id": .string(province.uppercased()), "name": .string(name), "group": .string("province")]]
        units += setup.districts.map { ["id": .string($0.code), "name": .string($0.name), "group": .string("district")] }
        for unit in units { try hub.put("units", json: unit) }
        for batch in SeedScenario.referenceRecords() where ["methodologies", "criteria"].contains(batch.table) {
            try hub.put(batch.table, records: batch.records)
        }
    }

    /// Runs `reformsync ARGS` to completion (a command an operator would type), failing on a non-zero exit.
    func run(_ arguments: [String], log file: String) throws {
        let process = try national.start(arguments.prefix(2).joined(separator: " "), arguments, log: file)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ReportableError.failure("`reformsync \(arguments.joined(separator: " "))` failed: \((try? String(contentsOfFile: file, encoding: .utf8)) ?? "")")
        }
    }

    static func waitFor(_ what: String, seconds: Double, _ condition: () throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ReportableError.failure("demo: \(what) did not happen within \(Int(seconds)) s (logs in the demo folder)")
    }
}
