import ArgumentParser
import Benchmarks
import Foundation

struct BenchAppsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apps",
        abstract: "The unit's office app: time to serve the self-assessment page and to save one criterion.",
        discussion: """
            Starts a real hub and daemon (this binary) in a temporary folder, loads the 2021 reference data \
            (--reference), scores every criterion the unit scores, attaches 100 evidence files, logs in as a clerk, \
            then times over loopback HTTP the self-assessment page of the year (the full tree, its files) and the \
            saving of one criterion. Goals: page_p99_ms ≤ 50, save_p99_ms ≤ 20. The last line is one JSON object. \
            Use a release build.
            """)
    @Option(help: "The reference data folder (units, methodology, criteria, services).") var reference = "Config/reference/2021"
    @Option(help: "Page views and saves timed.") var requests = 300
    @Option(help: "Evidence files attached.") var files = 100

    func run() throws {
        guard (1...100_000).contains(requests), (0...10_000).contains(files) else {
            throw ValidationError("--requests 1…100000, --files 0…10000")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-bench-apps-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let reference = (reference as NSString).standardizingPath.hasPrefix("/") ? reference : FileManager.default.currentDirectoryPath + "/" + reference
        let figures = try AppsBenchmark.run(binary: binary, directory: directory, reference: reference, requests: requests, files: files) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        print("self-assessment page (\(figures.criteria) criteria, \(figures.evidenceFiles) evidence files, \(figures.pageBytes) bytes): p50 \(String(format: "%.2f", figures.pageP50Milliseconds)) ms, p99 \(String(format: "%.2f", figures.pageP99Milliseconds)) ms (goal ≤ 50)")
        print("save one criterion: p50 \(String(format: "%.2f", figures.saveP50Milliseconds)) ms, p99 \(String(format: "%.2f", figures.saveP99Milliseconds)) ms (goal ≤ 20)")
        try JSONOutput.print(figures, pretty: false)
    }
}
