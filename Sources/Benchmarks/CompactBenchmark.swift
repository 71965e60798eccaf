import CRDT
import Foundation
import ReformData
import Replica

/// `reformsync bench compact`: a hub replica after years of churn, before and after compaction
/// (Protocol/README.md §19.2) and `VACUUM`.
///
/// Churn per unit and year: 25 Decision-06 services reported every quarter and each report
/// corrected twice; 12 initiatives retitled twice, 4 of them withdrawn and deleted; 88 self-
/// assessment scores each rescored once and appraised (kept forever: the audit trail).
public enum CompactBenchmark {
    public struct Figures: Codable, Sendable {
        public var bytesBefore: Int64
        public var bytesAfter: Int64
        /// bytes after ÷ bytes before.
        public var compactedRatio: Double
        public var tombstones: Int
        public var historyEntries: Int
        public var compactSeconds: Double
        public var vacuumSeconds: Double

        enum CodingKeys: String, CodingKey {
            case bytesBefore = "bytes_before", bytesAfter = "bytes_after", compactedRatio = "compacted_ratio", tombstones
            case historyEntries = "history_entries", compactSeconds = "compact_seconds", vacuumSeconds = "vacuum_seconds"
        }
    }

    public static func run(units: Int = 40, years: Int = 5, directory: String, progress: @escaping @Sendable (String) -> Void) throws -> Figures {
        let path = directory + "/hub.sqlite"
        let hub = try Replica.create(path: path, unit: "SNV", role: .hub)
        let codes = (1...units).map { String(format: "U%03d", $0) }
        progress("writing \(years) years of churn for \(units) units …")
        for code in codes {
            for year in 2021..<(2021 + years) {
                var deployments: [ValidatedRecord] = [], initiatives: [ValidatedRecord] = [], scores: [ValidatedRecord] = []
                for round in 0..<3 {
                    for service in 1...25 {
                        for quarter in 1...4 {
                            deployments.append(ValidatedRecord(key: "\(code)/\(year)-Q\(quarter)/DVC\(service)", values: [
                                "unit": .text(code), "period": .text("\(year)-Q\(quarter)"), "service": .text("DVC\(service)"),
                                "level": .text(round == 0 ? "partial" : "full"), "dossiers_received": .integer(Int64(1000 + round * 17 + service)),
                                "dossiers_online": .integer(Int64(600 + round * 31 + quarter)), "note": .text("Báo cáo lần \(round + 1)"),
                            ]))
                        }
                    }
                    for n in 0..<12 {
                        initiatives.append(ValidatedRecord(key: "SK-\(code)-\(year)-\(n)", values: [
                            "unit": .text(code), "year": .integer(Int64(year)), "title": .text("Sáng kiến \(n), bản \(round + 1)"),
                            "summary": .text("Tóm tắt sáng kiến cải cách hành chính số \(n) của \(code), năm \(year), sửa lần \(round + 1)"),
                        ]))
                    }
                }
                for round in 0..<2 {
                    for n in 1...88 {
                        var values: [String: Value] = ["unit": .text(code), "year": .integer(Int64(year)), "criterion": .text("C\(n)"),
                                                       "self_score": .real(Double(n % 8) / 4 + Double(round) / 4)]
                        if round == 1 { values["appraised_score"] = .real(Double(n % 8) / 4) }
                        scores.append(ValidatedRecord(key: "\(code)/\(year)/C\(n)", values: values))
                    }
                }
                try hub.put(tables: [("service_deployments", deployments), ("initiatives", initiatives), ("assessment_scores", scores)])
                for n in 0..<4 { try hub.delete("initiatives", key: "SK-\(code)-\(year)-\(n)") }
            }
        }
        let version = try hub.writer.read { db in try Int64.fetchOne(db, sql: "SELECT version FROM _rs_state") ?? 0 }
        try hub.vacuum()  // the same footing for both measurements
        let before = size(path)
        progress("compacting through version \(version) …")
        let start = Date()
        let report = try hub.compact(through: version, tombstones: true, apply: true)
        let compactSeconds = Date().timeIntervalSince(start)
        let vacuumStart = Date()
        try hub.vacuum()
        let vacuumSeconds = Date().timeIntervalSince(vacuumStart)
        let after = size(path)
        return Figures(bytesBefore: before, bytesAfter: after, compactedRatio: Double(after) / Double(max(before, 1)),
                       tombstones: report.tombstones, historyEntries: report.historyEntries,
                       compactSeconds: compactSeconds, vacuumSeconds: vacuumSeconds)
    }

    static func size(_ path: String) -> Int64 {
        [path, path + "-wal"].reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int64) ?? 0) }
    }
}
