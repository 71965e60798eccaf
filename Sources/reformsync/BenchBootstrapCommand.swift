import ArgumentParser
import Benchmarks
import Foundation

struct BenchBootstrapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap",
        abstract: "A new node catching up on a province: from the hub's snapshot against ordinary pull pages.",
        discussion: """
            Loads a hub replica (in a temporary folder, removed afterwards) with --units × --years × \
            --rows-per-unit-year self-assessment rows (defaults: 150 × 5 × 1,333 ≈ 1 M rows, each a row marker and five \
            fields), runs the real hub on 127.0.0.1 in this process, and makes a new node of one unit twice: by \
            ordinary pull pages (replay) and by `GET /v1/snapshot` (manifest, ranged download, SHA-256, install). \
            Both replicas must come out identical. Goal: snapshot ≥ 5 × faster than replay. The last line is one \
            JSON object with hub_rows, node_rows, snapshot_seconds, replay_seconds, speedup, snapshot_bytes, \
            replay_wire_bytes and load_seconds. Build with -c release for meaningful figures.
            """
    )
    @Option(help: "Units at the hub.") var units = 150
    @Option(help: "Years of data per unit.") var years = 5
    @Option(name: .customLong("rows-per-unit-year"), help: "Self-assessment rows per unit and year.") var rowsPerUnitYear = 1_333

    func validate() throws {
        guard (2...2_000).contains(units) else { throw ValidationError("--units must be from 2 to 2000, got \(units)") }
        guard (1...50).contains(years) else { throw ValidationError("--years must be from 1 to 50, got \(years)") }
        guard (1...100_000).contains(rowsPerUnitYear) else { throw ValidationError("--rows-per-unit-year must be from 1 to 100000, got \(rowsPerUnitYear)") }
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-bench-bootstrap-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let figures = try await BootstrapBenchmark.run(units: units, years: years, rowsPerUnitYear: rowsPerUnitYear, directory: directory) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        print("hub: \(figures.hubRows) rows (loaded in \(String(format: "%.1f", figures.loadSeconds)) s); the new node reads \(figures.nodeRows)")
        print("snapshot: \(String(format: "%.2f", figures.snapshotSeconds)) s, \(figures.snapshotBytes) bytes compressed")
        print("replay:   \(String(format: "%.2f", figures.replaySeconds)) s, \(figures.replayWireBytes) bytes on the wire")
        print("speedup:  \(String(format: "%.1f", figures.speedup)) × (goal ≥ 5)")
        try JSONOutput.print(figures, pretty: false)
    }
}
