import CRDT
import Foundation
import GRDB
import Hub
import HubClient
import Hummingbird
import Logging
import NodeSync
import ReformData
import Replica
import WireProtocol

/// `reformsync bench sync`: column changes from one node through the hub to a second node on
/// loopback, over real HTTP with the libcurl client, against the engine's merge-only rate.
///
/// Both nodes serve the same unit (a district's main and standby servers), so the second node may
/// read everything the first wrote. Everything runs in one process: the hub is the real
/// Hummingbird server on 127.0.0.1, the nodes talk to it through `HubHTTPClient`.
public enum SyncBenchmark {
    public struct Figures: Codable, Sendable {
        public var changes: Int
        /// Of the median run (by end-to-end rate).
        public var seconds: Double
        public var pushSeconds: Double
        public var pullSeconds: Double
        public var wireBytes: Int
        public var syncChangesPerSecond: Double
        public var wireBytesPerChange: Double
        public var mergeChangesPerSecond: Double
        /// The end-to-end rate of every run, in the order they ran.
        public var runs: [Double]

        enum CodingKeys: String, CodingKey {
            case changes, seconds, pushSeconds = "push_seconds", pullSeconds = "pull_seconds", wireBytes = "wire_bytes"
            case syncChangesPerSecond = "sync_changes_per_s", wireBytesPerChange = "wire_bytes_per_change"
            case mergeChangesPerSecond = "merge_changes_per_s", runs = "sync_changes_per_s_runs"
        }
    }

    /// One sync of the changes from node A through the hub to node B.
    struct Run {
        var seconds: Double
        var pushSeconds: Double
        var pullSeconds: Double
        var wireBytes: Int
        var rate: Double
    }

    static let fields = 5

    /// Runs the benchmark in `directory` (created files are left for inspection): `runs` syncs,
    /// each with a fresh hub and fresh nodes, reported by the median run — a shared machine's
    /// hiccups move one run, not the median — then the engine's merge-only rate.
    public static func run(changes: Int = 100_000, batch: Int = 10_000, runs: Int = 3, directory: String,
                           progress: @escaping @Sendable (String) -> Void) async throws -> Figures {
        let records = makeRecords(changes: changes)
        var results: [Run] = []
        for index in 0..<max(1, runs) {
            let folder = directory + "/run-\(index + 1)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            progress("run \(index + 1) of \(max(1, runs)): writing \(changes) column changes at node A (\(changes / fields) assessment scores)…")
            results.append(try await syncOnce(records: records, batch: batch, directory: folder, progress: progress))
            progress(String(format: "run %d: %.0f changes/s end to end", index + 1, results.last!.rate))
        }
        let median = results.sorted { $0.rate < $1.rate }[results.count / 2]

        progress("merge only: the same changes into a fresh replica …")
        let source = try Replica.open(path: directory + "/run-1/node-a.sqlite")
        let all = try source.changes(after: .start, limit: changes * 2).changes
        let fresh = try Replica.create(path: directory + "/merge-only.sqlite", unit: "SNV", role: .hub)
        let mergeStart = Date()
        var index = 0
        while index < all.count {
            let end = min(all.count, index + batch)
            try fresh.apply(Array(all[index..<end]))
            index = end
        }
        let mergeSeconds = Date().timeIntervalSince(mergeStart)
        return Figures(changes: changes, seconds: median.seconds, pushSeconds: median.pushSeconds, pullSeconds: median.pullSeconds,
                       wireBytes: median.wireBytes, syncChangesPerSecond: median.rate,
                       // Each change crosses two links (node → hub, hub → node).
                       wireBytesPerChange: Double(median.wireBytes) / Double(2 * changes),
                       mergeChangesPerSecond: Double(all.count) / mergeSeconds, runs: results.map(\.rate))
    }

    /// Writes `records` at a fresh node A, then times its push to a fresh hub and node B's pull.
    static func syncOnce(records: [ValidatedRecord], batch: Int, directory: String,
                         progress: @escaping @Sendable (String) -> Void) async throws -> Run {
        var quiet = Logger(label: "reformsync.bench")
        quiet.logLevel = .critical
        let hub = try Replica.create(path: directory + "/hub.sqlite", unit: "SNV", role: .hub)
        let service = try HubService(replica: hub, settings: HubSettings(maxBodyBytes: 64 << 20, maxBatchChanges: batch), logger: quiet)
        let tokenA = try service.tokens.create(unit: "SONDUONG").token
        let tokenB = try service.tokens.create(unit: "SONDUONG").token
        let source = try Replica.create(path: directory + "/node-a.sqlite", unit: "SONDUONG")
        let target = try Replica.create(path: directory + "/node-b.sqlite", unit: "SONDUONG")
        try source.put("assessment_scores", records: records)
        let changes = records.count * fields

        return try await InProcessHub.serving(service, logger: quiet) { port in
            func session(_ replica: Replica, _ token: String) throws -> SyncSession {
                let client = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: "http://127.0.0.1:\(port)", bearerToken: token,
                                                                                      totalTimeout: 600, userAgent: "reformsync-bench"),
                                               logger: quiet)
                return SyncSession(replica: replica, client: client, batchChanges: batch, batchBytes: 64 << 20, logger: quiet)
            }
            progress("node A → hub (push), hub → node B (pull) …")
            let start = Date()
            let pushed = try await session(source, tokenA).runOnce()
            let pushSeconds = Date().timeIntervalSince(start)
            let pullStart = Date()
            let pulled = try await session(target, tokenB).runOnce()
            let pullSeconds = Date().timeIntervalSince(pullStart)
            let seconds = Date().timeIntervalSince(start)
            guard try target.list("assessment_scores").count == records.count else {
                throw SyncError("node B did not receive every record")
            }
            let wireBytes = pushed.bytesSent + pushed.bytesReceived + pulled.bytesSent + pulled.bytesReceived
            return Run(seconds: seconds, pushSeconds: pushSeconds, pullSeconds: pullSeconds, wireBytes: wireBytes,
                       rate: Double(changes) / seconds)
        }
    }

    /// Self-assessment scores with realistic Vietnamese evidence, `fields` columns each.
    static func makeRecords(changes: Int) -> [ValidatedRecord] {
        let units = ["SONDUONG"]
        let evidence = ["Báo cáo số %d/BC-UBND", "Kế hoạch %d/KH-UBND về cải cách hành chính", "Quyết định %d/QĐ-UBND", "Công văn %d/UBND-NC"]
        var records: [ValidatedRecord] = []
        let rows = (changes + fields - 1) / fields
        records.reserveCapacity(rows)
        for n in 0..<rows {
            let year = Int64(2000 + n / 2000)
            let criterion = "C\(n % 2000 / 100 + 1).\(n % 100 + 1)"
            let unit = units[n % units.count]
            records.append(ValidatedRecord(key: "\(unit)/\(year)/\(criterion)", values: [
                "unit": .text(unit), "year": .integer(year), "criterion": .text(criterion),
                "self_score": .real(Double(n % 41) / 4),
                "evidence": .text(String(format: evidence[n % evidence.count], 100 + n % 900)),
            ]))
        }
        return records
    }
}
