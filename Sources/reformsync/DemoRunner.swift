#if canImport(Glibc)
import Glibc
#endif
import Aggregation
import CRDT
import Benchmarks
import Daemon
import FileStore
import Foundation
import Hub
import HubClient
import ReformData
import Replica
import SeedScenario
import WireProtocol

/// Runs the Tuyên Quang seed scenario for real: a hub and the seven district daemons as
/// processes on 127.0.0.1, each district's data entered at its own node through its local API,
/// everything synced over HTTP, appraised and published at the hub.
final class DemoRunner {
    let binary: String
    let directory: String
    let hubPort: Int
    let log: (String) -> Void
    private(set) var processes: [(name: String, process: Process)] = []
    private(set) var hubURL = ""
    var apis: [String: String] = [:]
    var tokensByUnit: [String: String] = [:]
    var daemons: [String: Process] = [:]
    var apiPorts: [String: Int] = [:]
    /// SONDUONG's criterion appraised with a deduction, and its appraised score in the seed.
    var deduction: (key: String, criterion: String, seedScore: CRDT.Value)?
    var hubReplica: Replica!

    init(binary: String, directory: String, hubPort: Int, log: @escaping (String) -> Void) {
        self.binary = binary
        self.directory = directory
        self.hubPort = hubPort
        self.log = log
    }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Steps 1–9: start everything, run the 2021 season through its phases (Protocol §17) on a
    /// shared shifted clock (``ClockOffset``): enter, sync, the deadline, an office offline across
    /// it, a late edit, appraisal, an explanation and its re-appraisal, publication.
    func run() async throws {
        // Every process of the demo (this one, the hub, the daemons) reads the season's time from one file.
        setenv(ClockOffset.variable, path("clock-offset-ms"), 1)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try setClock("2022-01-10")
        log("1/9 the hub (Sở Nội vụ) enters the reference data and the departments' self-assessments (clock: 10/01/2022)")
        try FileManager.default.createDirectory(atPath: path("SNV"), withIntermediateDirectories: true)
        let hub = try Replica.create(path: path("SNV/replica.sqlite"), unit: SeedScenario.hubUnit, role: .hub)
        hubReplica = hub
        for batch in SeedScenario.referenceRecords() { try hub.put(batch.table, records: batch.records) }
        // Departments without a node of their own write at the hub.
        for unit in SeedScenario.departments {
            // NAHANG, offline, submits only after the deadline (step 5).
            for batch in SeedScenario.unitRecords(unit: unit) where !(unit == Self.offlineUnit && batch.table == "assessments") { try hub.put(batch.table, records: batch.records) }
        }
        let tokens = try TokenAuthority(writer: hub.writer)
        try "role: hub\nunit: SNV\ndata_dir: \(path("SNV"))\nlog_level: warning\nserver:\n  host: 127.0.0.1\n  port: \(hubPort)\n"
            .write(toFile: path("SNV/hub.yaml"), atomically: true, encoding: .utf8)
        let hubProcess = try start("hub", ["hub", "--config", path("SNV/hub.yaml")], log: path("SNV/hub.log"))
        hubURL = try waitForLine(path("SNV/hub.log"), prefix: "listening on ", process: hubProcess)
        log("    hub listening on \(hubURL)")

        log("2/9 seven district daemons start, each with its own replica and token, and meet the hub")
        for unit in SeedScenario.districts {
            try FileManager.default.createDirectory(atPath: path(unit), withIntermediateDirectories: true)
            _ = try Replica.create(path: path("\(unit)/replica.sqlite"), unit: unit)
            tokensByUnit[unit] = try tokens.create(unit: unit, note: "demo").token
            try startDaemon(unit, hubURL: hubURL)
        }
        try await syncAll(nil)
        // NAHANG's link goes down before the season is announced: it will not hear of it in time.
        try restartDaemon(Self.offlineUnit, hubURL: "http://127.0.0.1:1")
        try await seasonSet(hub)

        log("3/9 each district enters its self-assessment, Decision-06 report, task reports and initiatives at its own node, and submits (10/01)")
        for unit in SeedScenario.districts {
            let client = try api(unit)
            // NAHANG, offline, submits only after the deadline (step 5).
            for batch in SeedScenario.unitRecords(unit: unit) where !(unit == Self.offlineUnit && batch.table == "assessments") {
                let table = hub.schema.table(batch.table)!
                let body = try WireJSON.encode(JSONValue.array(batch.records.map { JSONValue.object(Record(key: $0.key, values: $0.values).json(table).filter { $0.value != .null }) }))
                _ = try await client.send(HubRequest(method: "PUT", path: "/records/\(batch.table)", headers: [("Content-Type", "application/json")], body: body))
            }
            // Evidence files through the local API: the province's decision (the same bytes at all
            // seven: the hub stores it once) on the first score, the district's own report on the second.
            let scores = SeedScenario.unitRecords(unit: unit).first { $0.table == "assessment_scores" }?.records.map(\.key) ?? []
            for (index, (name, bytes)) in [(SeedEvidence.sharedName, SeedEvidence.sharedPDF), (SeedEvidence.unitName(unit), SeedEvidence.unitPDF(unit))].enumerated()
            where index < scores.count {
                let query = "id=\(Self.percent(scores[index]))&name=\(Self.percent(name))"
                _ = try await client.send(HubRequest(method: "POST", path: "/records/assessment_scores/files?\(query)",
                                                     headers: [("Content-Type", "application/pdf")], body: bytes))
            }
        }
        try await syncAll("4/9 the districts sync with the hub (\(Self.offlineUnit)'s link is down)", skipping: [Self.offlineUnit])

        try await deadlinePasses()

        log("6/9 the hub appraises every criterion (10/04), enters the survey results and national indices")
        try setClock("2022-04-10")
        try await appraise(hub)

        try await explanationRound(hub)

        log("9/9 the council approves: the hub publishes \(SeedScenario.year) (18/06/2022); appraisals and rankings reach every district")
        try setClock("2022-06-18")
        _ = try ProvinceReport.publish(replica: hub, year: SeedScenario.year, decision: "Kết quả Chỉ số CCHC năm \(SeedScenario.year) (minh hoạ)",
                                       today: ReportDate.date("2022-06-18")!)
        try await syncAll(nil)
    }

    func syncAll(_ title: String?, skipping: Set<String> = []) async throws {
        if let title { log(title) }
        for unit in SeedScenario.districts where !skipping.contains(unit) {
            let response = try await api(unit).send(HubRequest(method: "POST", path: "/sync?wait=1"))
            let report = try WireJSON.decode(SyncReportLine.self, from: response.body, what: "sync report")
            log("    \(unit.padding(toLength: 14, withPad: " ", startingAt: 0)) pushed \(report.pushedChanges), pulled \(report.pulledChanges), \(report.bytesSent + report.bytesReceived) bytes")
        }
    }

    /// The daemon's `POST /sync?wait=1` answer (snake_case, as every JSON reformsync prints).
    struct SyncReportLine: Decodable {
        var pushedChanges: Int
        var pulledChanges: Int
        var bytesSent: Int
        var bytesReceived: Int
        enum CodingKeys: String, CodingKey {
            case pushedChanges = "pushed_changes", pulledChanges = "pulled_changes"
            case bytesSent = "bytes_sent", bytesReceived = "bytes_received"
        }
    }

    static func percent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    /// Per district: evidence files its records carry, how many the hub holds (read from the hub).
    func evidenceCounts() throws -> [(unit: String, attached: Int, atHub: Int)] {
        let store = FileStore(dataDirectory: path("SNV"))
        let all = try hubReplica.evidenceByUnit()
        return SeedScenario.districts.map { unit in
            let hashes = all.filter { $0.unit == unit }.map(\.sha256)
            return (unit, hashes.count, hashes.filter { SHA256Hex.isValid($0) && store.contains($0) }.count)
        }
    }

    /// Each district's own published rank, read from its replica (what it sees offline).
    func publishedRanks() throws -> [(unit: String, rank: Int?, of: Int?, index: Double?)] {
        try SeedScenario.districts.map { unit in
            let replica = try Replica.open(path: path("\(unit)/replica.sqlite"))
            let row = try replica.get("published_results", key: "\(SeedScenario.year)/\(unit)")
            func int(_ name: String) -> Int? { if case .integer(let i)? = row?.values[name] { return Int(i) } else { return nil } }
            var index: Double?
            if case .real(let d)? = row?.values["index_percent"] { index = d }
            return (unit, int("rank"), int("ranked_of"), index)
        }
    }

    func api(_ unit: String) throws -> HubHTTPClient {
        // The local API wants the node's API token (created by the daemon at start) like any program.
        let token = try APIToken.loadOrCreate(dataDirectory: path(unit))
        return try HubHTTPClient(configuration: HubClientConfiguration(baseURL: apis[unit] ?? "", bearerToken: token, totalTimeout: 300, retry: .none))
    }

    func stopAll() {
        for (_, process) in processes.reversed() where process.isRunning { process.terminate() }
        for (_, process) in processes { process.waitUntilExit() }
        processes = []
    }

    // MARK: - Processes

    func start(_ name: String, _ arguments: [String], log file: String) throws -> Process {
        FileManager.default.createFile(atPath: file, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let handle = FileHandle(forWritingAtPath: file)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes.append((name, process))
        return process
    }

    func waitForLine(_ file: String, prefix: String, process: Process) throws -> String {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: file, encoding: .utf8),
               let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                return String(line.dropFirst(prefix.count))
            }
            guard process.isRunning else {
                throw ReportableError.failure("\(process.arguments?.first ?? "a process") stopped: \((try? String(contentsOfFile: file, encoding: .utf8)) ?? "")")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw ReportableError.failure("no \"\(prefix)\" in \(file) after 60 s")
    }
}
