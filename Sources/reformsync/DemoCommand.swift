import Aggregation
import ArgumentParser
import Dispatch
import FileStore
import Foundation
import Hub
import SeedScenario

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The Tuyên Quang seed scenario, for real: a hub and the seven district daemons on 127.0.0.1.",
        discussion: """
            Starts the hub and seven district daemons as processes, enters each district's 2021 data at its own \
            node (through its local API) and the departments' and the hub's at the hub, syncs everything over \
            HTTP, appraises and publishes, then prints the hub's report, the dashboard's address and an operator \
            token issued for the demo (the dashboard, the report and /metrics need one: in a browser give it as the \
            password, any user name; from scripts send Authorization: Bearer TOKEN). It keeps \
            running until Ctrl-C (then stops every process cleanly); with --once it exits after the report. \
            The 2021 figures are the seed report's; other values are illustrative (see SeedScenario).

            --two-tier runs the two tiers instead (README "Two tiers", Protocol §20): a national hub (Bộ Nội vụ), \
            two provincial hubs (Tuyên Quang, Hà Giang) each with an uplink to it and two district daemons; the \
            provinces self-assess as units of the national method, the Ministry publishes the ranking of 63 \
            provinces (61 illustrative), and each province's rank comes back into its hub's external_indices and on \
            to its districts. It prints the national ranking and what came back down.
            """
    )
    @Flag(help: "Exit after printing the report.") var once = false
    @Flag(help: "Print the report as JSON (implies nothing else on standard output).") var json = false
    @Option(help: "The hub's port (0: any free port).") var port = 0
    @Option(help: "Keep the replicas and logs in this folder (default: a temporary folder, removed at the end).") var dir: String?
    @Flag(name: .customLong("two-tier"), help: "Run a national hub above two provincial hubs and print the national ranking (Protocol §20).") var twoTier = false

    func run() async throws {
        let directory = dir ?? FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-demo-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        if twoTier { return try await runTwoTiers(binary: binary, directory: directory) }
        let runner = DemoRunner(binary: binary, directory: directory, hubPort: port) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        defer {
            runner.stopAll()
            if dir == nil { try? FileManager.default.removeItem(atPath: directory) }
        }
        do {
            try await runner.run()
        } catch {
            runner.stopAll()
            throw error
        }
        let report = try ProvinceReport.compute(reader: runner.hubReplica.writer, year: SeedScenario.year, asOf: SeedScenario.asOf)
        var output = ""
        if json {
            output = String(decoding: try ReportFormat.json(report, pretty: true), as: UTF8.self) + "\n"
        } else {
            output += ReportFormat.table(report) + "\n"
            output += "\nWhat each district sees offline in its own replica (published results):\n"
            for entry in try runner.publishedRanks() {
                output += "  \(entry.unit.padding(toLength: 14, withPad: " ", startingAt: 0)) rank \(entry.rank.map(String.init) ?? "—")/\(entry.of.map(String.init) ?? "—")  \(entry.index.map { String(format: "%.2f %%", $0) } ?? "")\n"
            }
            let evidence = try runner.evidenceCounts()
            output += "\nEvidence files (tài liệu kiểm chứng) per district, attached at its node / held at the hub:\n"
            for entry in evidence {
                output += "  \(entry.unit.padding(toLength: 14, withPad: " ", startingAt: 0)) \(entry.attached) attached, \(entry.atHub) at the hub\n"
            }
            output += "  (\(FileStore(dataDirectory: (directory as NSString).appendingPathComponent("SNV")).storedHashes().count) distinct files stored at the hub: the province's decision once for all seven)\n"
            let query = "year=\(SeedScenario.year)&as_of=\(SeedScenario.asOf)"
            // The dashboard is an operator route: the demo issues the token an operator would create
            // with `reformsync hub token create --operator`.
            let operatorToken = try TokenAuthority(writer: runner.hubReplica.writer).createOperator(note: "demo").token
            output += "\nDashboard: \(runner.hubURL)/dashboard?\(query)   ·   report JSON: \(runner.hubURL)/v1/report?\(query)\n"
            output += "Operator token: \(operatorToken)\n"
            output += "  (the browser asks for a user name and password: any user name, the token as password;\n"
            output += "   scripts: curl -H 'Authorization: Bearer \(operatorToken)' '\(runner.hubURL)/v1/report?\(query)';\n"
            output += "   at a real hub: reformsync hub token create --operator --note NAME)\n"
            output += "Replicas and logs: \(directory)\n"
        }
        // Straight to the descriptor, so it comes before the messages on standard error.
        FileHandle.standardOutput.write(Data(output.utf8))
        if once { return }
        FileHandle.standardError.write(Data("running; press Ctrl-C to stop the hub and the seven daemons\n".utf8))
        await Self.waitForSignal()
        FileHandle.standardError.write(Data("stopping…\n".utf8))
    }

    /// `--two-tier`: the national hub, two provincial hubs and their districts (``TwoTierDemo``).
    func runTwoTiers(binary: String, directory: String) async throws {
        let demo = TwoTierDemo(binary: binary, directory: directory) { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        defer {
            demo.stopAll()
            if dir == nil { try? FileManager.default.removeItem(atPath: directory) }
        }
        do {
            try await demo.run()
        } catch {
            demo.stopAll()
            throw error
        }
        FileHandle.standardOutput.write(Data(try demo.summary().utf8))
        if once { return }
        FileHandle.standardError.write(Data("running; press Ctrl-C to stop the three hubs and the four daemons\n".utf8))
        await Self.waitForSignal()
        FileHandle.standardError.write(Data("stopping…\n".utf8))
    }

    static func waitForSignal() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let queue = DispatchQueue(label: "reformsync.demo.signals")
            let sources = [SIGINT, SIGTERM].map { DispatchSource.makeSignalSource(signal: $0, queue: queue) }
            let resumed = OnceFlag()
            for source in sources {
                source.setEventHandler {
                    if resumed.set() { continuation.resume() }
                }
                source.resume()
            }
            _ = Unmanaged.passRetained(sources as NSArray)
        }
    }
}

/// Resumes a continuation once, whichever signal comes first.
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func set() -> Bool { lock.withLock { defer { done = true }; return !done } }
}
