import CRDT
import Foundation
import GRDB
import ReformData
import Replica

/// `reformsync bench merge`: how fast a replica merges remote changes compared with a plain
/// SQLite upsert of the same rows, how long a single local write takes, and how much bigger the
/// replica file is than a plain table holding the same rows.
///
/// Both sides use the same library (GRDB on the system SQLite), the same kind of database
/// (a WAL `DatabasePool` with the replica's configuration), the same durability settings (SQLite's
/// defaults, printed in the run), the same rows in the same order and the same transaction
/// sizes. Batches of the two sides run interleaved, so a machine that gets busier or quieter
/// during the run (a build starting next to it) slows both alike and the ratio stays fair.
public enum MergeBenchmark {
    /// The figures of one run; the JSON line of `reformsync bench merge` holds exactly these keys.
    public struct Figures: Codable, Sendable, Equatable {
        /// Remote column changes merged per second (row markers come along but are not counted).
        public var mergeChangesPerSecond: Double
        /// The same column changes written by a plain upsert, per second.
        public var plainUpsertsPerSecond: Double
        /// `mergeChangesPerSecond / plainUpsertsPerSecond`; target ≥ 0.7.
        public var mergeVsPlain: Double
        /// Median latency of one single-record local `put`, in milliseconds.
        public var writeP50Milliseconds: Double
        /// 99th-percentile latency of one single-record local `put`; target ≤ 2 ms.
        public var writeP99Milliseconds: Double
        /// Replica file bytes per row over plain table file bytes per row; target ≤ 2.
        public var replicaVsPlainBytes: Double

        public init(mergeChangesPerSecond: Double, plainUpsertsPerSecond: Double, mergeVsPlain: Double,
                    writeP50Milliseconds: Double, writeP99Milliseconds: Double, replicaVsPlainBytes: Double) {
            self.mergeChangesPerSecond = mergeChangesPerSecond
            self.plainUpsertsPerSecond = plainUpsertsPerSecond
            self.mergeVsPlain = mergeVsPlain
            self.writeP50Milliseconds = writeP50Milliseconds
            self.writeP99Milliseconds = writeP99Milliseconds
            self.replicaVsPlainBytes = replicaVsPlainBytes
        }

        enum CodingKeys: String, CodingKey {
            case mergeChangesPerSecond = "merge_changes_per_s"
            case plainUpsertsPerSecond = "plain_upserts_per_s"
            case mergeVsPlain = "merge_vs_plain"
            case writeP50Milliseconds = "write_p50_ms"
            case writeP99Milliseconds = "write_p99_ms"
            case replicaVsPlainBytes = "replica_vs_plain_bytes"
        }

        /// One line of JSON, keys in the documented order.
        public var jsonLine: String {
            func number(_ value: Double, _ digits: Int) -> String {
                guard value.isFinite else { return "null" }
                return String(format: "%.\(digits)f", value)
            }
            return "{\"merge_changes_per_s\": \(number(mergeChangesPerSecond, 0)), "
                + "\"plain_upserts_per_s\": \(number(plainUpsertsPerSecond, 0)), "
                + "\"merge_vs_plain\": \(number(mergeVsPlain, 3)), "
                + "\"write_p50_ms\": \(number(writeP50Milliseconds, 3)), "
                + "\"write_p99_ms\": \(number(writeP99Milliseconds, 3)), "
                + "\"replica_vs_plain_bytes\": \(number(replicaVsPlainBytes, 3))}"
        }
    }

    /// The targets of the issue.
    public enum Target {
        public static let mergeVsPlain = 0.7
        public static let writeP99Milliseconds = 2.0
        public static let replicaVsPlainBytes = 2.0
    }

    public struct Options: Sendable {
        /// Remote column changes to merge (row markers not counted).
        public var changes = 1_000_000
        /// Column changes per transaction (rows are never split, like sync pages).
        public var batch = 10_000
        /// Single-record local writes to time.
        public var writes = 2_000
        /// Where the two database files go (a fresh folder is made inside and removed afterwards).
        public var directory = FileManager.default.temporaryDirectory.path
        /// Keep the database files (their folder is reported).
        public var keepFiles = false

        public init() {}
    }

    /// The benchmarked table and the columns a remote unit fills in when it creates a score.
    public static let table = "assessment_scores"
    public static let columnsPerRow = ["unit", "year", "criterion", "self_score", "evidence", "self_note"]

    /// Runs the benchmark; readable lines go to `report`, progress to `progress`.
    public static func run(_ options: Options, report: (String) -> Void, progress: (String) -> Void = { _ in }) throws -> Figures {
        precondition(options.changes > 0 && options.batch > 0 && options.writes > 0)
        let folder = URL(fileURLWithPath: options.directory).appendingPathComponent("reformsync-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if !options.keepFiles { try? FileManager.default.removeItem(at: folder) } }

        progress("generating \(options.changes) column changes…")
        let workload = Workload(changes: options.changes, batch: options.batch)
        let replicaPath = folder.appendingPathComponent("replica.sqlite").path
        let plainPath = folder.appendingPathComponent("plain.sqlite").path
        let replica = try Replica.create(path: replicaPath, unit: "BENCH")
        let plain = try PlainTable(path: plainPath, schema: replica.schema.table(table)!, columns: columnsPerRow)

        let replicaSettings = try settings(replica.writer)
        let plainSettings = try settings(plain.pool)
        report("reformsync bench merge: \(workload.columnChanges) column changes in \(workload.rows.count) new \(table) rows "
               + "(+\(workload.rows.count) row markers) from one remote site, \(workload.batches.count) transactions of ≤\(options.batch) changes")
        report("  replica: \(replicaSettings); plain: \(plainSettings)")
        #if DEBUG
        report("  warning: this is a debug build; build with -c release for meaningful figures")
        #endif

        // Merge and plain upsert, batch by batch, alternating which goes first.
        var mergeSeconds = 0.0, plainSeconds = 0.0
        var batchRatios: [Double] = []
        var applied = 0
        let loadBefore = loadAverage()
        let siteUnits = [workload.site: "SNV"]
        for (index, batch) in workload.batches.enumerated() {
            let changes = workload.changes(of: batch)
            let arguments = workload.plainArguments(of: batch)
            let merge = {
                let start = ContinuousClock.now
                let result = try replica.apply(changes, siteUnits: siteUnits)
                mergeSeconds += (ContinuousClock.now - start).seconds
                applied += result.applied
            }
            let upsert = {
                let start = ContinuousClock.now
                try plain.upsert(arguments)
                plainSeconds += (ContinuousClock.now - start).seconds
            }
            let (mergeBefore, plainBefore) = (mergeSeconds, plainSeconds)
            if index % 2 == 0 { try merge(); try upsert() } else { try upsert(); try merge() }
            batchRatios.append((plainSeconds - plainBefore) / (mergeSeconds - mergeBefore))
            if index % 10 == 9 { progress("  \(index + 1)/\(workload.batches.count) transactions") }
        }
        let expected = workload.columnChanges + workload.rows.count
        guard applied == expected else {
            throw BenchmarkError("the replica applied \(applied) of \(expected) changes")
        }
        let mergeRate = Double(workload.columnChanges) / mergeSeconds
        let plainRate = Double(workload.columnChanges) / plainSeconds
        report(String(format: "merge:        %10.0f column changes/s  (%.2f s; %.0f rows/s)", mergeRate, mergeSeconds, Double(workload.rows.count) / mergeSeconds))
        report(String(format: "plain upsert: %10.0f column changes/s  (%.2f s; %.0f rows/s)", plainRate, plainSeconds, Double(workload.rows.count) / plainSeconds))
        report(String(format: "merge / plain: %.3f  (target ≥ %.1f) %@", mergeRate / plainRate, Target.mergeVsPlain,
                      verdict(mergeRate / plainRate >= Target.mergeVsPlain)))
        batchRatios.sort()
        var spread = String(format: "  per transaction: median %.3f, middle half %.3f–%.3f", percentile(batchRatios, 0.5),
                            percentile(batchRatios, 0.25), percentile(batchRatios, 0.75))
        if let loadBefore, let loadAfter = loadAverage() {
            spread += String(format: "; load average %.2f before, %.2f after", loadBefore, loadAfter)
            if max(loadBefore, loadAfter) >= 1 { spread += " (other work was running: figures are noisy)" }
        }
        report(spread)

        // Size, with every table and index of the file counted.
        let replicaBytes = try fileBytes(replica.writer)
        let plainBytes = try fileBytes(plain.pool)
        let rows = Double(workload.rows.count)
        let sizeRatio = Double(replicaBytes) / Double(plainBytes)
        report(String(format: "replica file:  %.1f bytes/row (%@)", Double(replicaBytes) / rows, megabytes(replicaBytes)))
        report(String(format: "plain table:   %.1f bytes/row (%@)", Double(plainBytes) / rows, megabytes(plainBytes)))
        report(String(format: "replica / plain bytes: %.3f  (target ≤ %.1f) %@", sizeRatio, Target.replicaVsPlainBytes,
                      verdict(sizeRatio <= Target.replicaVsPlainBytes)))

        // Local writes: one record per transaction, half updates of merged rows, half new rows.
        progress("timing \(options.writes) local writes…")
        var latencies: [Double] = []
        latencies.reserveCapacity(options.writes)
        var random = SplitMix64(seed: 0x5EED)
        let warmUp = min(20, options.writes)
        for n in 0..<(warmUp + options.writes) {
            let record = localRecord(n, updating: n % 2 == 0, workload: workload, random: &random)
            let start = ContinuousClock.now
            try replica.put(table, json: record)
            let elapsed = (ContinuousClock.now - start).seconds
            if n >= warmUp { latencies.append(elapsed * 1000) }
        }
        latencies.sort()
        let p50 = percentile(latencies, 0.50), p99 = percentile(latencies, 0.99)
        report(String(format: "local write (put, 1 record/transaction, %d writes after %d warm-up): p50 %.3f ms, p99 %.3f ms, max %.3f ms  (target p99 ≤ %.0f ms) %@",
                      options.writes, warmUp, p50, p99, latencies.last ?? 0, Target.writeP99Milliseconds, verdict(p99 <= Target.writeP99Milliseconds)))
        if options.keepFiles { report("files kept in \(folder.path)") }

        return Figures(mergeChangesPerSecond: mergeRate, plainUpsertsPerSecond: plainRate, mergeVsPlain: mergeRate / plainRate,
                       writeP50Milliseconds: p50, writeP99Milliseconds: p99, replicaVsPlainBytes: sizeRatio)
    }

    // MARK: - Measuring

    static func verdict(_ met: Bool) -> String { met ? "met" : "MISSED" }

    static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }

    /// The one-minute load average, where the system tells it (Linux).
    static func loadAverage() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Double($0) }
    }

    static func settings(_ writer: any DatabaseWriter) throws -> String {
        try writer.read { db in
            let journal = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?"
            let synchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            let names = [0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"]
            return "journal_mode=\(journal) synchronous=\(names[synchronous] ?? "\(synchronous)")"
        }
    }

    /// The file's size once the WAL is folded back in: every page, whatever it holds.
    static func fileBytes(_ writer: any DatabaseWriter) throws -> Int64 {
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let size = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            return pages * size
        }
    }

    /// The record of the `n`th local write: an edit of a merged row, or a new row.
    static func localRecord(_ n: Int, updating: Bool, workload: Workload, random: inout SplitMix64) -> [String: JSONValue] {
        if updating {
            let row = workload.rows[Int(random.next() % UInt64(workload.rows.count))]
            return ["unit": .string(row.unit), "year": .integer(row.year), "criterion": .string(row.criterion),
                    "self_score": .double(Double(random.next() % 401) / 4), "self_note": .string("Đã cập nhật lần \(n): bổ sung minh chứng")]
        }
        return ["unit": .string("BENCH"), "year": .integer(2000 + Int64(n % 100)), "criterion": .string("L\(n)"),
                "self_score": .double(Double(n % 401) / 4), "evidence": .string("Báo cáo số \(n)/BC-UBND"),
                "self_note": .string("Đơn vị tự chấm điểm")]
    }
}

/// A failure of the benchmark itself (not of a target).
public struct BenchmarkError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}

