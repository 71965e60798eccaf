import ArgumentParser
import Benchmarks
import Foundation

struct BenchDaemonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "The daemon's idle memory and CPU, and its peak memory while syncing a large batch.",
        discussion: """
            Starts a real hub and a real daemon (this binary) in a temporary folder, measures the daemon's resident \
            memory and CPU while idle, then writes the changes at the node, asks the daemon to sync and records its \
            peak resident memory. Targets: idle RSS ≤ 20 MB and no measurable CPU. The last line is one JSON object \
            with idle_rss_mb, idle_cpu_percent, sync_peak_rss_mb. Use a release build.
            """
    )
    @Option(help: "Seconds to measure idleness.") var idleSeconds: Double = 60
    @Option(help: "Column changes to sync.") var changes = 100_000

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-bench-daemon-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let figures = try DaemonBenchmark.run(binary: binary, directory: directory, idleSeconds: idleSeconds, changes: changes) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        print("idle (\(Int(figures.idleSeconds)) s):   RSS \(String(format: "%.1f", figures.idleRSSMegabytes)) MB (target ≤ 20), of which private \(String(format: "%.1f", figures.idlePrivateMegabytes)) MB (the rest: shared libraries' and the binary's code pages)")
        print("idle CPU:         \(String(format: "%.3f", figures.idleCPUPercent)) % (target: not measurable)")
        print("syncing \(figures.syncChanges) changes: \(String(format: "%.1f", figures.syncSeconds)) s, peak RSS \(String(format: "%.1f", figures.syncPeakRSSMegabytes)) MB")
        try JSONOutput.print(figures, pretty: false)
    }
}
