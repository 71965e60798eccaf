import ArgumentParser
import Benchmarks
import Foundation

/// `reformsync bench hub`: the hub under 1,000 simulated nodes, long links and live pulls.
struct BenchHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "A real hub under 1,000 simulated nodes: request latency, live pulls' idle cost and propagation, rounds over a long link, memory over many rounds.",
        discussion: """
            Starts a real hub (this binary) in a temporary folder and simulates --nodes nodes in this process, each \
            with its own unit, token, site and replica file, syncing over real HTTP on 127.0.0.1 with the project's \
            libcurl client. Phases: (1) every node pushes --changes changes and pulls until caught up, the rounds \
            starting at random moments within --spread seconds (request_p50_ms, request_p99_ms, errors, \
            total_seconds, hub_peak_rss_mb); (2) every node holds a long-poll pull open for --idle seconds \
            (idle_hub_cpu_percent), then a write at the hub is timed until the nodes see it (propagation_ms: the \
            median node); (3) one node syncs through a proxy adding --delay-ms each way (rtt_ms, round_idle_ms, \
            round_one_change_ms); (4) one node runs --soak-rounds small rounds (node_rss_growth_mb: this process, \
            hub_rss_growth_mb: the hub, both after the first tenth). Goals (issue 14): errors 0, request_p99_ms ≤ 250, \
            idle_hub_cpu_percent ≤ 5, propagation_ms ≤ 2000, a one-change round ≤ 1.5 × RTT + transfer, an idle round \
            ≤ 1 × RTT, memory growth ≤ 5 MB each. The last line is one JSON object. Build with -c release.
            """
    )
    @Option(help: "Simulated nodes (1–5000).") var nodes = 1_000
    @Option(help: "Changes each node pushes in the load phase (5–10000).") var changes = 100
    @Option(help: "Seconds over which the nodes start their rounds (0–600).") var spread = 10.0
    @Option(help: "Seconds the hub idles with every node's long poll open (1–600).") var idle = 60.0
    @Option(name: .customLong("delay-ms"), help: "Milliseconds the long-link proxy adds each way (0–5000).") var delayMilliseconds = 100.0
    @Option(name: .customLong("soak-rounds"), help: "Small rounds in the memory soak (10–1000000).") var soakRounds = 10_000

    func validate() throws {
        guard (1...5_000).contains(nodes) else { throw ValidationError("--nodes must be from 1 to 5000, got \(nodes)") }
        guard (5...10_000).contains(changes) else { throw ValidationError("--changes must be from 5 to 10000, got \(changes)") }
        guard spread.isFinite, (0...600).contains(spread) else { throw ValidationError("--spread must be from 0 to 600 seconds, got \(spread)") }
        guard idle.isFinite, (1...600).contains(idle) else { throw ValidationError("--idle must be from 1 to 600 seconds, got \(idle)") }
        guard delayMilliseconds.isFinite, (0...5_000).contains(delayMilliseconds) else {
            throw ValidationError("--delay-ms must be from 0 to 5000, got \(delayMilliseconds)")
        }
        guard (10...1_000_000).contains(soakRounds) else { throw ValidationError("--soak-rounds must be from 10 to 1000000, got \(soakRounds)") }
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-bench-hub-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var options = HubBenchmark.Options()
        options.nodes = nodes
        options.changes = changes
        options.spreadSeconds = spread
        options.idleSeconds = idle
        options.delayMilliseconds = delayMilliseconds
        options.soakRounds = soakRounds
        let f = try await HubBenchmark.run(binary: binary, directory: directory, options: options) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        func n(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        print("load:        \(f.nodes) nodes × \(f.changesPerNode) changes, \(f.requests) requests in \(n(f.totalSeconds)) s; errors \(f.errors) (goal 0); 503s \(f.overloaded)")
        print("requests:    p50 \(n(f.requestP50Milliseconds)) ms, p99 \(n(f.requestP99Milliseconds)) ms (goal ≤ 250); hub peak RSS \(n(f.hubPeakRSSMegabytes)) MB")
        print("idle:        \(f.livePulls) live pulls open, hub CPU \(n(f.idleHubCPUPercent, 2)) % over \(Int(f.idleSeconds)) s (goal ≤ 5)")
        print("propagation: hub write → node \(Int(f.propagationMilliseconds)) ms median, \(Int(f.propagationMaxMilliseconds)) ms last (goal ≤ 2000)")
        print("long link:   +\(Int(f.delayEachWayMilliseconds)) ms each way: RTT \(Int(f.rttMilliseconds)) ms; idle round \(Int(f.roundIdleMilliseconds)) ms (\(f.roundIdleBytes) bytes; goal ≤ 1 × RTT); one-change round \(Int(f.roundOneChangeMilliseconds)) ms (goal ≤ 1.5 × RTT + transfer)")
        print("soak:        \(f.soakRounds) rounds: node RSS +\(n(f.nodeRSSGrowthMegabytes)) MB, hub RSS +\(n(f.hubRSSGrowthMegabytes)) MB (goal ≤ 5 each)")
        try JSONOutput.print(f, pretty: false)
    }
}
