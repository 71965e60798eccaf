import Aggregation
import Benchmarks
import CRDT
import Foundation
import Hub
import HubClient
import ReformData
import Replica
import SeedScenario
import WireProtocol

/// The 2021 season of the demo (Protocol §17): dates, the deadline passing with one office
/// offline, a late edit, the appraisal with one deduction, its explanation and re-appraisal. The
/// seed's final figures are unchanged: the deduction is given back on re-appraisal.
extension DemoRunner {
    /// The district whose link is down across the deadline; the one that explains a deduction.
    static let offlineUnit = "NAHANG"
    static let explainingUnit = "SONDUONG"

    /// Moves every demo process's clock to noon (Vietnam time) of `day`.
    func setClock(_ day: String) throws {
        try ClockOffset.set(file: path("clock-offset-ms"), toRead: SeasonDay.endMillis(day)! - 12 * 3_600_000)
    }

    func startDaemon(_ unit: String, hubURL url: String) throws {
        let port = try apiPorts[unit] ?? DaemonBenchmark.freePort()
        apiPorts[unit] = port
        try """
            role: node
            unit: \(unit)
            data_dir: \(path(unit))
            log_level: warning
            hub:
              url: \(url)
              token: \(tokensByUnit[unit] ?? "")
              connect_timeout: 1
            api:
              port: \(port)
            sync:
              interval: 3600
              debounce: 0.2
            """.write(toFile: path("\(unit)/district.yaml"), atomically: true, encoding: .utf8)
        let process = try start(unit, ["daemon", "--config", path("\(unit)/district.yaml")], log: path("\(unit)/daemon.log"))
        daemons[unit] = process
        let line = try waitForLine(path("\(unit)/daemon.log"), prefix: "daemon running", process: process)
        apis[unit] = line.components(separatedBy: "API listening on ").last ?? ""
    }

    /// Stops a district's daemon and starts it again pointing at `url` (its link down, or back).
    func restartDaemon(_ unit: String, hubURL url: String) throws {
        if let process = daemons[unit], process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: path("\(unit)/daemon.log"))
        try startDaemon(unit, hubURL: url)
    }

    func seasonSet(_ hub: Replica) async throws {
        try hub.put("seasons", json: [
            "year": .integer(Int64(SeedScenario.year)), "group": .string("all"), "methodology": .string(SeedScenario.methodology),
            "self_assessment_until": .string("2022-01-15"), "appraisal_until": .string("2022-04-30"),
            "explanation_until": .string("2022-05-15"), "reappraisal_until": .string("2022-05-31"), "final_on": .string("2022-06-18"),
            "decision": .string("Kế hoạch đánh giá Chỉ số CCHC năm 2021 (minh hoạ)"),
        ])
        log("    the hub sets the 2021 season: self-assessment until 15/01/2022, appraisal until 30/04, explanation until 15/05, re-appraisal until 31/05, final 18/06 (illustrative dates)")
    }

    /// Step 5: the deadline passes; a node that knows it refuses a late edit itself; the offline
    /// office makes a late edit, reconnects, and has its in-time data accepted and the edit refused.
    func deadlinePasses() async throws {
        log("5/9 the self-assessment deadline (15/01, 24:00) passes; \(Self.offlineUnit)'s link is still down")
        try setClock("2022-01-18")
        let own = SeedScenario.unitRecords(unit: Self.explainingUnit).first { $0.table == "assessment_scores" }!.records[0]
        let late = try WireJSON.encode(JSONValue.object(["unit": .string(Self.explainingUnit), "year": .integer(Int64(SeedScenario.year)),
                                                         "criterion": RecordValidator.json(own.values["criterion"]!, type: .text), "self_score": .double(0)]))
        do {
            _ = try await api(Self.explainingUnit).send(HubRequest(method: "PUT", path: "/records/assessment_scores", headers: [("Content-Type", "application/json")], body: late))
            log("    \(Self.explainingUnit): a late edit was stored?! (it should not be)")
        } catch let error as HubClientError {
            if case let .http(status, code, message) = error.kind {
                log("    18/01 \(Self.explainingUnit)'s node refuses a late edit itself: HTTP \(status) \(code ?? "") — \(message ?? "")")
            } else { throw error }
        }
        let offline = SeedScenario.unitRecords(unit: Self.offlineUnit).first { $0.table == "assessment_scores" }!.records[0]
        let edit = try WireJSON.encode(JSONValue.object(["unit": .string(Self.offlineUnit), "year": .integer(Int64(SeedScenario.year)),
                                                         "criterion": RecordValidator.json(offline.values["criterion"]!, type: .text),
                                                         "self_note": .string("Bổ sung sau hạn (18/01)")]))
        _ = try await api(Self.offlineUnit).send(HubRequest(method: "PUT", path: "/records/assessment_scores", headers: [("Content-Type", "application/json")], body: edit))
        log("    18/01 \(Self.offlineUnit), offline and never told the season, stores a late edit of \(offline.key) and submits (late)")
        let submission = SeedScenario.unitRecords(unit: Self.offlineUnit).first { $0.table == "assessments" }!.records[0]
        var fields = Record(key: submission.key, values: submission.values).json(hubReplica.schema.table("assessments")!).filter { $0.value != .null }
        fields["submitted_on"] = .string("2022-01-18")
        _ = try await api(Self.offlineUnit).send(HubRequest(method: "PUT", path: "/records/assessments", headers: [("Content-Type", "application/json")],
                                                           body: try WireJSON.encode(JSONValue.array([.object(fields)]))))
        try setClock("2022-01-20")
        try restartDaemon(Self.offlineUnit, hubURL: hubURL)
        try await syncAll(nil, skipping: Set(SeedScenario.districts).subtracting([Self.offlineUnit]))
        let arrivals = try await hubReplica.writer.read { db in try LateArrivals.list(db, year: SeedScenario.year, unit: Self.offlineUnit) }
        log("    20/01 \(Self.offlineUnit)'s link is back: the hub accepts its \(arrivals.count) changes written by 15/01 (late arrivals, `reformsync season late`)")
        let node = try Replica.open(path: path("\(Self.offlineUnit)/replica.sqlite"))
        for entry in try node.quarantined() {
            log("    it refuses the late edit; \(Self.offlineUnit)'s quarantine (`reformsync quarantine list`): \(entry.table) \(entry.key).\(entry.column ?? "") [\(entry.code)] \(entry.reason)")
        }
    }

    /// Step 6: the seed's appraisal, except one deduction more for SONDUONG, given back in step 8.
    func appraise(_ hub: Replica) async throws {
        var batches = SeedScenario.hubAssessmentRecords()
        for index in batches.indices where batches[index].table == "assessment_scores" {
            guard let position = batches[index].records.firstIndex(where: { record in
                record.key.hasPrefix("\(Self.explainingUnit)/") && (record.values["appraised_score"].flatMap(Self.number) ?? 0) >= 0.5
            }) else { continue }
            var record = batches[index].records[position]
            let seed = record.values["appraised_score"]!
            record.values["appraised_score"] = .real(Self.number(seed)! - 0.5)
            record.values["appraisal_note"] = .text("Thiếu tài liệu kiểm chứng (minh hoạ)")
            batches[index].records[position] = record
            deduction = (record.key, String(record.key.split(separator: "/").last ?? ""), seed)
            log("    \(record.key): appraised \(Self.number(seed)! - 0.5) instead of \(Self.number(seed)!) — \"Thiếu tài liệu kiểm chứng\"")
        }
        for batch in batches { try hub.put(batch.table, records: batch.records) }
        try await syncAll(nil)
    }

    /// Steps 7–8: SONDUONG explains its deduction; the hub re-appraises and gives the points back.
    func explanationRound(_ hub: Replica) async throws {
        guard let deduction else { return }
        log("7/9 \(Self.explainingUnit) sees its deduction and explains it with evidence (05/05, explanation phase)")
        try setClock("2022-05-05")
        let body = try WireJSON.encode(JSONValue.object([
            "unit": .string(Self.explainingUnit), "year": .integer(Int64(SeedScenario.year)), "criterion": .string(deduction.criterion),
            "explanation": .string("Tài liệu đã có, gửi bổ sung bản scan"), "explanation_evidence": .string("QĐ 125/QĐ-UBND (minh hoạ)"),
        ]))
        _ = try await api(Self.explainingUnit).send(HubRequest(method: "PUT", path: "/records/assessment_scores", headers: [("Content-Type", "application/json")], body: body))
        try await syncAll(nil, skipping: Set(SeedScenario.districts).subtracting([Self.explainingUnit]))
        log("8/9 the hub re-appraises (20/05): explanation accepted, final score \(Self.number(deduction.seedScore)!) (history: `reformsync history assessment_scores \(deduction.key) --chronological`)")
        try setClock("2022-05-20")
        try hub.put("assessment_scores", json: [
            "unit": .string(Self.explainingUnit), "year": .integer(Int64(SeedScenario.year)), "criterion": .string(deduction.criterion),
            "reappraised_score": .double(Self.number(deduction.seedScore)!), "explanation_accepted": .bool(true),
            "reappraisal_note": .string("Chấp nhận giải trình"),
        ])
    }

    static func number(_ value: Value) -> Double? {
        switch value {
        case .real(let d): return d
        case .integer(let i): return Double(i)
        default: return nil
        }
    }
}
