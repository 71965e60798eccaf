import ArgumentParser
import Benchmarks
import Foundation

struct BenchCompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "A hub replica after years of churn, before and after compaction and VACUUM; prints compacted_ratio.",
        discussion: """
            Writes, in a temporary folder (removed afterwards), --years of churn for --units units: Decision-06 \
            reports corrected twice, initiatives retitled and some deleted, self-assessment scores rescored and \
            appraised (kept forever). Then compacts everything below the hub's version (as if every node had \
            acknowledged it) and vacuums. The last line is one JSON object with bytes_before, bytes_after, \
            compacted_ratio (after ÷ before), tombstones, history_entries, compact_seconds and vacuum_seconds.
            """
    )
    @Option(help: "Units.") var units = 40
    @Option(help: "Years of churn.") var years = 5

    func validate() throws {
        guard (1...1_000).contains(units) else { throw ValidationError("--units must be from 1 to 1000, got \(units)") }
        guard (1...50).contains(years) else { throw ValidationError("--years must be from 1 to 50, got \(years)") }
    }

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-bench-compact-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let figures = try CompactBenchmark.run(units: units, years: years, directory: directory) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        print("replica: \(figures.bytesBefore) → \(figures.bytesAfter) bytes (\(String(format: "%.2f", figures.compactedRatio)) of before)")
        print("removed: \(figures.tombstones) tombstone(s), \(figures.historyEntries) history entries "
              + "in \(String(format: "%.2f", figures.compactSeconds)) s (VACUUM \(String(format: "%.2f", figures.vacuumSeconds)) s)")
        try JSONOutput.print(figures, pretty: false)
    }
}
