import ArgumentParser
import Benchmarks
import Foundation

struct BenchSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync column changes node → hub → a second node on loopback; print changes/s, wire bytes per change and the merge-only rate.",
        discussion: """
            Runs a real hub (Hummingbird, 127.0.0.1) and two nodes of one unit in this process; the nodes use the \
            libcurl client with gzip. Targets: ≥ 100,000 changes/s end to end and ≤ 20 bytes per change on the wire \
            (per link crossed). The sync runs --runs times, each with a fresh hub and nodes; the figures are the \
            median run's. The last line is one JSON object with sync_changes_per_s, wire_bytes_per_change, \
            merge_changes_per_s (and sync_changes_per_s_runs). Build with -c release for meaningful figures.
            """
    )
    @Option(help: "Column changes to sync.") var changes = 100_000
    @Option(help: "Changes per push request and pull page.") var batch = 10_000
    @Option(help: "Syncs to run (fresh replicas each time); the median run is reported.") var runs = 3

    func validate() throws {
        guard changes >= 5 else { throw ValidationError("--changes must be at least 5 (one assessment score of five fields), got \(changes)") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
        guard (1...15).contains(runs) else { throw ValidationError("--runs must be from 1 to 15, got \(runs)") }
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-bench-sync-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let figures = try await SyncBenchmark.run(changes: changes, batch: batch, runs: runs, directory: directory) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        print("median run: synced \(figures.changes) column changes node → hub → node in \(String(format: "%.2f", figures.seconds)) s "
              + "(push \(String(format: "%.2f", figures.pushSeconds)) s, pull \(String(format: "%.2f", figures.pullSeconds)) s)")
        print("end to end:        \(Int(figures.syncChangesPerSecond)) changes/s   (target ≥ 100000; median of "
              + "\(figures.runs.map { String(Int($0)) }.joined(separator: ", ")))")
        print("on the wire:       \(String(format: "%.2f", figures.wireBytesPerChange)) bytes per change per link (\(figures.wireBytes) bytes in all; target ≤ 20)")
        print("merge only:        \(Int(figures.mergeChangesPerSecond)) changes/s (the same changes into a fresh replica)")
        try JSONOutput.print(figures, pretty: false)
    }
}
