import Foundation
import HubClient
import NodeSync
import ReformData
import Replica
import Synchronization

/// `reformsync bench hub`: one real hub process and many simulated nodes in this process
/// (``HubFleet``: own units, tokens, sites and replica files; the project's libcurl client; real
/// HTTP on 127.0.0.1). Phases: every node pushes its changes and pulls until caught up, the
/// rounds spread over a few seconds as nodes on their own timers would; every node idles with a
/// long-poll pull open while the hub's CPU is measured, and a write at the hub is timed until the
/// nodes see it; one node syncs through a proxy adding a fixed delay each way; one node runs
/// thousands of small rounds while both sides' memory is watched (Protocol/README.md §18).
///
/// What the figures measure at the hub, and what shaped them (README, "Figures"): a fresh node's
/// first pull reads the rows its unit may read through the hub's (owner, version) index, not the
/// province's other rows (request_p99_ms); pulls and pushes look up only the sites they meet, not
/// the hub's thousand-site table (idle_hub_cpu_percent: the long polls' renewals every 50 s); a
/// write at the hub wakes the long polls of the units that may read it — here a shared `units`
/// row, so all 1,000 — noticed by the hub's watcher within 250 ms (propagation_ms).
public enum HubBenchmark {
    public struct Figures: Codable, Sendable {
        public var nodes: Int
        public var changesPerNode: Int
        public var errors: Int
        public var requests: Int
        public var requestP50Milliseconds: Double
        public var requestP99Milliseconds: Double
        public var totalSeconds: Double
        public var spreadSeconds: Double
        public var overloaded: Int
        public var hubPeakRSSMegabytes: Double
        public var livePulls: Int
        public var idleSeconds: Double
        public var idleHubCPUPercent: Double
        public var propagationMilliseconds: Double
        public var propagationMaxMilliseconds: Double
        public var delayEachWayMilliseconds: Double
        public var rttMilliseconds: Double
        public var roundOneChangeMilliseconds: Double
        public var roundIdleMilliseconds: Double
        public var roundIdleBytes: Int
        public var soakRounds: Int
        public var nodeRSSGrowthMegabytes: Double
        public var hubRSSGrowthMegabytes: Double

        enum CodingKeys: String, CodingKey {
            case nodes, changesPerNode = "changes_per_node", errors, requests
            case requestP50Milliseconds = "request_p50_ms", requestP99Milliseconds = "request_p99_ms"
            case totalSeconds = "total_seconds", spreadSeconds = "spread_seconds", overloaded = "overloaded_503"
            case hubPeakRSSMegabytes = "hub_peak_rss_mb", livePulls = "live_pulls", idleSeconds = "idle_seconds"
            case idleHubCPUPercent = "idle_hub_cpu_percent"
            case propagationMilliseconds = "propagation_ms", propagationMaxMilliseconds = "propagation_max_ms"
            case delayEachWayMilliseconds = "delay_each_way_ms", rttMilliseconds = "rtt_ms"
            case roundOneChangeMilliseconds = "round_one_change_ms", roundIdleMilliseconds = "round_idle_ms"
            case roundIdleBytes = "round_idle_bytes", soakRounds = "soak_rounds"
            case nodeRSSGrowthMegabytes = "node_rss_growth_mb", hubRSSGrowthMegabytes = "hub_rss_growth_mb"
        }
    }

    public struct Options: Sendable {
        public var nodes = 1_000
        public var changes = 100
        public var spreadSeconds = 10.0
        public var idleSeconds = 60.0
        public var delayMilliseconds = 100.0
        public var soakRounds = 10_000
        public init() {}
    }

    typealias Failure = DaemonBenchmark.Failure

    public static func run(binary: String, directory: String, options: Options,
                           progress: @escaping @Sendable (String) -> Void) async throws -> Figures {
        func path(_ name: String) -> String { directory + "/" + name }
        try DaemonBenchmark.runQuietly(binary, ["init", "--data-dir", path("hub"), "--unit", "SNV", "--role", "hub"])
        try "role: hub\nunit: SNV\ndata_dir: \(path("hub"))\nlog_level: error\nserver:\n  port: 0\n"
            .write(toFile: path("hub.yaml"), atomically: true, encoding: .utf8)
        let operatorToken = try DaemonBenchmark.runQuietly(binary, ["hub", "token", "create", "--operator", "--config", path("hub.yaml")])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let hub = try DaemonBenchmark.start(binary, ["hub", "--config", path("hub.yaml")], output: path("hub.out"))
        defer { hub.terminate(); hub.waitUntilExit() }
        let hubURL = try DaemonBenchmark.waitForLine(in: path("hub.out"), prefix: "listening on ", process: hub)
        let operatorClient = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: hubURL, bearerToken: operatorToken))
        let hubReplica = path("hub/replica.sqlite")
        let pid = hub.processIdentifier
        // The hub's own data every node pulls: the province's units (shared, §11).
        let hubData = try Replica.open(path: hubReplica)
        _ = try hubData.put("units", json: ["id": .string("SNV"), "name": .string("Sở Nội vụ"), "group": .string("department")])

        // 1. Load: every node pushes its changes and pulls until caught up.
        progress("creating \(options.nodes) nodes (own unit, token, site, replica) …")
        let fleet = try HubFleet.create(count: options.nodes, hubURL: hubURL, hubReplica: hubReplica, directory: path("fleet"))
        try fleet.write(changes: options.changes)
        progress("\(options.nodes) nodes push \(options.changes) changes each and pull until caught up, starting over \(Int(options.spreadSeconds)) s …")
        fleet.timings.reset()
        let loadStart = ContinuousClock.now
        let errors = await syncSpread(fleet, over: options.spreadSeconds)
        let totalSeconds = seconds(ContinuousClock.now - loadStart)
        let requests = fleet.timings.count
        let p50 = fleet.timings.quantile(0.5) ?? 0, p99 = fleet.timings.quantile(0.99) ?? 0
        let stored = try hubData.tableCounts().first { $0.table == "assessment_scores" }?.live ?? 0
        let missing = max(0, options.nodes * max(1, options.changes / 5) - stored)
        if !errors.isEmpty { progress("\(errors.count) node(s) failed, e.g. \(errors[0])") }
        progress(String(format: "load: %d requests, p50 %.1f ms, p99 %.1f ms, %.1f s, %d rows missing at the hub", requests, p50, p99, totalSeconds, missing))
        let overloaded = try await metric(operatorClient, "reformsync_hub_overloaded_total")

        // 2. A long link (before the long polls, whose wake-ups would blur it): one node through a proxy adding a fixed delay each way.
        progress("one node through a proxy adding \(Int(options.delayMilliseconds)) ms each way …")
        let proxy = try DelayProxy(targetPort: Int(hubURL.split(separator: ":").last ?? "") ?? 0, delay: options.delayMilliseconds / 1000)
        defer { proxy.stop() }
        let far = try HubFleet.create(count: 1, prefix: "XB", hubURL: proxy.url, hubReplica: hubReplica, directory: path("far")).nodes[0]
        _ = try await far.session.runOnce()  // the handshake, remembered from here
        var rtts: [Double] = [], idles: [Double] = [], ones: [Double] = []
        var idleBytes = 0
        for index in 0..<7 {
            let started = ContinuousClock.now
            _ = try await far.client.send(.get("/v1/health"))
            rtts.append(milliseconds(ContinuousClock.now - started))
            let idleStart = ContinuousClock.now
            let idle = try await far.session.runOnce()
            idles.append(milliseconds(ContinuousClock.now - idleStart))
            idleBytes = idle.bytesSent + idle.bytesReceived
            try fleetWrite(far, index: index)
            let oneStart = ContinuousClock.now
            _ = try await far.session.runOnce()
            ones.append(milliseconds(ContinuousClock.now - oneStart))
        }
        let rtt = median(rtts), roundIdle = median(idles), roundOne = median(ones)
        progress(String(format: "link: RTT %.0f ms, idle round %.0f ms (%d bytes), one-change round %.0f ms", rtt, roundIdle, idleBytes, roundOne))

        // 3. Idle with live pulls open; then a write at the hub, timed until the nodes see it.
        progress("every node opens a long-poll pull; idling \(Int(options.idleSeconds)) s …")
        let seen = SeenTimes()
        let poller = LivePoller(connections: options.nodes + 10)
        let live = Task {
            await withTaskGroup(of: Void.self) { group in
                for node in fleet.nodes {
                    group.addTask { await poller.poll(node, hubURL: hubURL, wait: 50, seen: seen) }
                }
            }
        }
        defer { live.cancel() }
        var open = 0
        for _ in 0..<120 {
            open = Int(try await metric(operatorClient, "reformsync_hub_live_pulls"))
            if open >= options.nodes { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        try await Task.sleep(for: .seconds(1))
        let cpuBefore = try DaemonBenchmark.cpuSeconds(pid)
        try await Task.sleep(for: .seconds(options.idleSeconds))
        let idleCPU = (try DaemonBenchmark.cpuSeconds(pid) - cpuBefore) / options.idleSeconds * 100
        progress(String(format: "idle: %d live pulls open, hub CPU %.2f %%", open, idleCPU))
        progress("a write at the hub (as an operator's appraisal) …")
        let written = ContinuousClock.now
        _ = try hubData.put("units", json: ["id": .string("XA_TANTRAO"), "name": .string("UBND xã Tân Trào"), "group": .string("commune")])
        for _ in 0..<300 where seen.count < options.nodes { try await Task.sleep(for: .milliseconds(50)) }
        let delays = seen.delays(since: written).sorted()
        let propagation = delays.isEmpty ? -1 : delays[delays.count / 2]
        let propagationMax = delays.last ?? -1
        progress(String(format: "propagation: %d of %d nodes, median %.0f ms, last %.0f ms", delays.count, options.nodes, propagation, propagationMax))
        live.cancel()
        await live.value
        let peakRSS = try DaemonBenchmark.memory(pid, field: "VmHWM") / 1024

        // 4. Soak: many small rounds at one node; memory of the node's process and of the hub.
        progress("soak: \(options.soakRounds) small rounds at one node …")
        let soak = try HubFleet.create(count: 1, prefix: "XC", hubURL: hubURL, hubReplica: hubReplica, directory: path("soak")).nodes[0]
        let warmUp = min(1_000, options.soakRounds / 10)
        var nodeStart = 0.0, hubStart = 0.0
        for round in 0..<options.soakRounds {
            if round == warmUp {
                nodeStart = try DaemonBenchmark.memory(getpid(), field: "VmRSS")
                hubStart = try DaemonBenchmark.memory(pid, field: "VmRSS")
            }
            try fleetWrite(soak, index: round)
            _ = try await soak.session.runOnce()
            if round % 2_000 == 1_999 { progress("soak: \(round + 1) rounds") }
        }
        let nodeGrowth = (try DaemonBenchmark.memory(getpid(), field: "VmRSS") - nodeStart) / 1024
        let hubGrowth = (try DaemonBenchmark.memory(pid, field: "VmRSS") - hubStart) / 1024

        return Figures(nodes: options.nodes, changesPerNode: options.changes, errors: errors.count + (missing > 0 ? 1 : 0), requests: requests,
                       requestP50Milliseconds: p50, requestP99Milliseconds: p99, totalSeconds: totalSeconds,
                       spreadSeconds: options.spreadSeconds, overloaded: Int(overloaded), hubPeakRSSMegabytes: peakRSS, livePulls: open,
                       idleSeconds: options.idleSeconds, idleHubCPUPercent: idleCPU,
                       propagationMilliseconds: propagation, propagationMaxMilliseconds: propagationMax,
                       delayEachWayMilliseconds: options.delayMilliseconds, rttMilliseconds: rtt,
                       roundOneChangeMilliseconds: roundOne, roundIdleMilliseconds: roundIdle, roundIdleBytes: idleBytes,
                       soakRounds: options.soakRounds, nodeRSSGrowthMegabytes: nodeGrowth, hubRSSGrowthMegabytes: hubGrowth)
    }

    /// One small change at `node`: one field of one record.
    static func fleetWrite(_ node: HubFleet.Node, index: Int) throws {
        _ = try node.replica.put("initiatives", json: ["id": .string("\(node.unit)-\(index % 50)"), "unit": .string(node.unit),
                                                       "year": .integer(2026), "title": .string("Sáng kiến \(index)")])
    }

    /// One round at every node, each starting at a random moment within `spread` seconds.
    static func syncSpread(_ fleet: HubFleet, over spread: Double) async -> [String] {
        await withTaskGroup(of: String?.self) { group in
            for node in fleet.nodes {
                let offset = Double.random(in: 0...max(0, spread))
                group.addTask {
                    try? await Task.sleep(for: .seconds(offset))
                    do {
                        let report = try await node.session.runOnce()
                        return report.pendingChanges == 0 ? nil : "\(node.unit): \(report.pendingChanges) pending"
                    } catch {
                        return "\(node.unit): \(error)"
                    }
                }
            }
            var errors: [String] = []
            for await outcome in group { if let outcome { errors.append(outcome) } }
            return errors
        }
    }

    /// A value of the hub's /metrics (the first series of that name), read with the operator token.
    static func metric(_ client: HubHTTPClient, _ name: String) async throws -> Double {
        let text = try await client.send(.get("/metrics")).text
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    static func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }
    static func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }
    static func median(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.sorted()[values.count / 2] }
}

/// When each node first saw the hub's write.
final class SeenTimes: Sendable {
    private let times = Mutex<[String: ContinuousClock.Instant]>([:])
    func record(_ unit: String) { times.withLock { if $0[unit] == nil { $0[unit] = .now } } }
    var count: Int { times.withLock { $0.count } }
    func delays(since start: ContinuousClock.Instant) -> [Double] {
        times.withLock { $0.values.map { HubBenchmark.milliseconds($0 - start) } }
    }
}
