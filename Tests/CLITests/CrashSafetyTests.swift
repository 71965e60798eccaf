import CRDT
import Foundation
import ReformData
import Replica
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `import-changes` merges a whole file in one SQLite transaction. A process killed while it applies
/// must leave a sound replica holding exactly the state before the import, and the import must then
/// simply be run again.
@Suite("crash safety")
struct CrashSafetyTests {
    /// Rows written in the first transaction (the state the target replicas start from) and in total.
    static let earlyRows = 2_000
    static let totalRows = 26_000

    struct Timeline {
        /// From start until the WAL began to grow (decoding the file), and from then until exit (applying).
        var decode: Double
        var apply: Double
    }

    enum Outcome: String {
        case killedMidApply = "killed mid-apply: state before the import"
        case killedAfterCommit = "killed after the commit: state after the import"
        case finishedFirst = "finished before the kill"
    }

    @Test func importKilledWhileApplyingLeavesAllOrNothing() throws {
        let clock = monotonicSeconds()
        let temp = try TemporaryDirectory("crash")
        let sourceDirectory = temp.path("source")
        try FileManager.default.createDirectory(atPath: sourceDirectory, withIntermediateDirectories: true)
        let small = temp.path("early.json"), big = temp.path("all.json")

        // 1. A replica with ~180k changes, written in process; the early state exported on its own.
        let sourceDump: String
        do {
            let source = try Replica.create(path: sourceDirectory + "/replica.sqlite", unit: "SONDUONG")
            let validator = RecordValidator(table: try #require(source.schema.table("assessment_scores")))
            func record(_ i: Int, score: Double, note: String) throws -> ValidatedRecord {
                try validator.validate(json: [
                    "unit": .string("SONDUONG"), "year": .integer(Int64(2000 + i / 1_000)), "criterion": .string("C\(i % 1_000)"),
                    "self_score": .double(score), "evidence": .string("Tài liệu kiểm chứng số \(i)/QĐ-UBND"), "self_note": .string(note),
                ])
            }
            try source.put("assessment_scores", records: (0..<Self.earlyRows).map { try record($0, score: 1, note: "Tự chấm lần đầu") })
            let early = runResult(["export-changes", small, "--data-dir", sourceDirectory])
            try #require(early.code == 0, "\(early)")
            for batch in stride(from: Self.earlyRows, to: Self.totalRows, by: 8_000) {
                let rows = batch..<min(batch + 8_000, Self.totalRows)
                try source.put("assessment_scores", records: rows.map { try record($0, score: Double($0 % 50) / 2, note: "Ghi chú \($0)") })
            }
            // Updates of the early rows: a half-applied import would show some of them and not others.
            try source.put("assessment_scores", records: (0..<Self.earlyRows).map { try record($0, score: 2.5, note: "Đã điều chỉnh sau thẩm định") })
            sourceDump = try source.canonicalDump()
        }
        let exported = runResult(["export-changes", big, "--data-dir", sourceDirectory])
        try #require(exported.code == 0, "\(exported)")
        let changeCount = Int(exported.stderr.split(separator: " ").dropFirst().first ?? "") ?? 0
        #expect((150_000...300_000).contains(changeCount), "\(exported.stderr)")
        let prepared = monotonicSeconds()

        // 2. The reference: a replica that imports without interruption (timed, to aim the kill).
        let reference = Node(temp, "reference")
        reference.initialise(unit: "HAMYEN")
        #expect(reference.run(["import-changes", small]).code == 0)
        let before = try replicaDump(reference)
        let timeline = try Self.timedImport(reference, big)
        let after = try replicaDump(reference)
        #expect(after == sourceDump, "the uninterrupted import reproduces the source")
        #expect(before != after)
        #expect(before.split(separator: "\n").count == Self.earlyRows)

        // 3. The victim: same start, import killed while it applies; twice, then run to the end.
        let victim = Node(temp, "victim")
        victim.initialise(unit: "NAHANG")
        #expect(victim.run(["import-changes", small]).code == 0)
        #expect(try replicaDump(victim) == before)
        var outcomes: [Outcome] = []
        for attempt in 1...2 {
            let walBefore = fileSize(victim.replicaPath + "-wal")
            let process = try spawn(["import-changes", big, "--data-dir", victim.dataDirectory])
            let started = monotonicSeconds()
            var sawGrowth = false
            // The WAL grows once the merge writes (SQLite spills the transaction's pages); until then it decodes.
            while process.isRunning {
                let size = fileSize(victim.replicaPath + "-wal")
                if size > max(walBefore, 0) + 256 * 1024 { sawGrowth = true; break }
                // Fallback should a WAL be left over from an earlier attempt: aim by the reference timeline.
                if walBefore > 0 && monotonicSeconds() - started > timeline.decode * 1.2 + timeline.apply * 0.3 { break }
                if monotonicSeconds() - started > 120 { break }
                usleep(2_000)
            }
            if process.isRunning {
                // Somewhere in the first half of the apply.
                usleep(useconds_t(Double.random(in: 0.05...0.5) * timeline.apply * 1_000_000))
                kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
            let killed = process.terminationReason == .uncaughtSignal
            let elapsed = monotonicSeconds() - started

            let (integrity, dump) = try Self.inspect(victim.replicaPath)
            #expect(integrity == ["ok"], "attempt \(attempt): \(integrity)")
            #expect(dump == before || dump == after, "attempt \(attempt): a half-applied import is visible")
            let outcome: Outcome = !killed ? .finishedFirst : dump == before ? .killedMidApply : .killedAfterCommit
            outcomes.append(outcome)
            print("crash safety: attempt \(attempt) \(outcome.rawValue) after \(String(format: "%.2f", elapsed)) s "
                  + "(WAL before \(walBefore) bytes, saw it grow: \(sawGrowth); reference decode \(String(format: "%.2f", timeline.decode)) s, apply \(String(format: "%.2f", timeline.apply)) s)")
            if dump == after { break }
        }
        #expect(outcomes.contains(.killedMidApply), "no kill landed mid-apply: \(outcomes.map(\.rawValue))")

        let resumed = victim.run(["import-changes", big])
        #expect(resumed.code == 0, "\(resumed)")
        let (integrity, dump) = try Self.inspect(victim.replicaPath)
        #expect(integrity == ["ok"])
        #expect(dump == after, "the import run again gives what an uninterrupted import gives")
        let check = victim.run(["check"])
        #expect(check.stdout.contains("integrity: ok"), "\(check)")
        print("crash safety: \(changeCount) changes; prepared in \(String(format: "%.1f", prepared - clock)) s, total \(String(format: "%.1f", monotonicSeconds() - clock)) s")
    }

    /// Runs an import to completion, noting when the WAL started to grow.
    static func timedImport(_ node: Node, _ file: String) throws -> Timeline {
        let wal = node.replicaPath + "-wal"
        let walBefore = fileSize(wal)
        let process = try spawn(["import-changes", file, "--data-dir", node.dataDirectory])
        let start = monotonicSeconds()
        var growth: Double?
        while process.isRunning {
            if growth == nil && fileSize(wal) > max(walBefore, 0) + 256 * 1024 { growth = monotonicSeconds() }
            usleep(2_000)
        }
        process.waitUntilExit()
        let end = monotonicSeconds()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "the reference import failed")
        let decode = (growth ?? start) - start
        return Timeline(decode: decode, apply: max(0.2, end - (growth ?? start)))
    }

    /// Opens the replica in this process (recovering its WAL), then closes it again.
    static func inspect(_ path: String) throws -> (integrity: [String], dump: String) {
        let replica = try Replica.open(path: path)
        return (try replica.integrityCheck(), try replica.canonicalDump())
    }
}
