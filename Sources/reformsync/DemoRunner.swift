#if canImport(Glibc)
import Glibc
#endif
import Aggregation
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
    private(set) var apis: [String: String] = [:]
    var hubReplica: Replica!

    init(binary: String, directory: String, hubPort: Int, log: @escaping (String) -> Void) {
        self.binary = binary
        self.directory = directory
        self.hubPort = hubPort
        self.log = log
    }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Steps 1–6: start everything, enter, sync, appraise, publish, sync again.
    func run() async throws {
        log("1/6 the hub (Sở Nội vụ) enters the reference data and the departments' self-assessments")
        try FileManager.default.createDirectory(atPath: path("SNV"), withIntermediateDirectories: true)
        let hub = try Replica.create(path: path("SNV/replica.sqlite"), unit: SeedScenario.hubUnit, role: .hub)
        hubReplica = hub
        for batch in SeedScenario.referenceRecords() { try hub.put(batch.table, records: batch.records) }
        // Departments without a node of their own write at the hub.
        for unit in SeedScenario.departments {
            for batch in SeedScenario.unitRecords(unit: unit) { try hub.put(batch.table, records: batch.records) }
        }
        let tokens = try TokenAuthority(writer: hub.writer)
        try "role: hub\nunit: SNV\ndata_dir: \(path("SNV"))\nlog_level: warning\nserver:\n  host: 127.0.0.1\n  port: \(hubPort)\n"
            .write(toFile: path("SNV/hub.yaml"), atomically: true, encoding: .utf8)
        let hubProcess = try start("hub", ["hub", "--config", path("SNV/hub.yaml")], log: path("SNV/hub.log"))
        hubURL = try waitForLine(path("SNV/hub.log"), prefix: "listening on ", process: hubProcess)
        log("    hub listening on \(hubURL)")

        log("2/6 seven district daemons start, each with its own replica and token")
        for unit in SeedScenario.districts {
            try FileManager.default.createDirectory(atPath: path(unit), withIntermediateDirectories: true)
            _ = try Replica.create(path: path("\(unit)/replica.sqlite"), unit: unit)
            let token = try tokens.create(unit: unit, note: "demo").token
            try """
                role: node
                unit: \(unit)
                data_dir: \(path(unit))
                log_level: warning
                hub:
                  url: \(hubURL)
                  token: \(token)
                api:
                  port: \(try DaemonBenchmark.freePort())
                sync:
                  interval: 3600
                  debounce: 0.2
                """.write(toFile: path("\(unit)/district.yaml"), atomically: true, encoding: .utf8)
            let process = try start(unit, ["daemon", "--config", path("\(unit)/district.yaml")], log: path("\(unit)/daemon.log"))
            let line = try waitForLine(path("\(unit)/daemon.log"), prefix: "daemon running", process: process)
            apis[unit] = line.components(separatedBy: "API listening on ").last ?? ""
        }

        log("3/6 each district enters its self-assessment, Decision-06 report, task reports and initiatives at its own node")
        for unit in SeedScenario.districts {
            let client = try api(unit)
            for batch in SeedScenario.unitRecords(unit: unit) {
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
        try await syncAll("4/6 the districts sync with the hub")

        log("5/6 the hub appraises, enters the survey results and national indices, and publishes \(SeedScenario.year)")
        for batch in SeedScenario.hubAssessmentRecords() { try hub.put(batch.table, records: batch.records) }
        _ = try ProvinceReport.publish(replica: hub, year: SeedScenario.year, decision: "Kết quả Chỉ số CCHC năm \(SeedScenario.year) (minh hoạ)")
        try await syncAll("6/6 the districts sync again: appraisals and published rankings reach every district")
    }

    func syncAll(_ title: String) async throws {
        log(title)
        for unit in SeedScenario.districts {
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
