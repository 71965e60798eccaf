import Foundation
import Hummingbird
import Prometheus
import ReformData

/// The hub's Prometheus metrics, served at `/metrics` (operator group; Protocol/README.md §8.5).
///
/// Each hub owns its registry (not the process-wide swift-metrics bootstrap), so several hubs
/// in one test process never share counters. Every metric has `# HELP` and `# TYPE`.
public final class HubMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    public init() {
        // Present from the start (at 0), so dashboards and alerts see them before the first push.
        merged(0)
        overloaded(by: 0)
        livePullsWoken(0)
    }

    /// `reformsync_hub_<name>_<unit>` with its help text.
    static func describe(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "reformsync", subsystem: "hub", metricName: name, unitName: unit, helpText: help)
    }

    /// Counts one answered request; `route` is the router's pattern (never the raw path, which
    /// anyone could vary to grow the series without bound).
    func request(route: String, status: Int) {
        registry.makeCounter(descriptor: Self.describe("requests", "total", "HTTP requests answered by the hub, by route pattern and status code."),
                             labels: [("route", route), ("status", String(status))]).increment()
    }

    /// Buckets of the request-duration and queue-wait histograms, in seconds: 1 ms to 30 s.
    static let buckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                      .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
                                      .seconds(5), .seconds(10), .seconds(30)]

    /// How long one answered request took, by route pattern (long-poll pulls, which wait on
    /// purpose, are left out: they would drown the figure).
    func duration(route: String, _ elapsed: Duration) {
        registry.makeDurationHistogram(descriptor: Self.describe("request_duration", "seconds",
                                                                 "Time to answer a request, by route pattern (long-poll pulls excluded)."),
                                       labels: [("route", route)], buckets: Self.buckets).record(elapsed)
    }

    /// How long a protocol request waited for an admission slot (Protocol/README.md §18.1).
    func queueWait(_ waited: Duration) {
        registry.makeDurationHistogram(descriptor: Self.describe("queue_wait", "seconds",
                                                                 "Time protocol requests waited for an admission slot (server.max_concurrent_requests)."),
                                       buckets: Self.buckets).record(waited)
    }

    /// Long polls woken to read again by a commit their unit may read something of (§18.3): with
    /// wake-ups filtered by read scope (Protocol A.22), a push readable by its own unit only wakes
    /// that unit's polls, not every node's.
    func livePullsWoken(_ count: Int) {
        registry.makeCounter(descriptor: Self.describe("live_pull_wakeups", "total",
                                                       "Long-poll pulls woken by a commit their unit may read something of (Protocol/README.md §18.3)."))
            .increment(by: Int64(count))
    }

    /// Changes accepted and merged (applied) from pushes and exchange files.
    func merged(_ count: Int) {
        registry.makeCounter(descriptor: Self.describe("changes_merged", "total", "Changes the hub accepted and applied (pushes and import-changes)."))
            .increment(by: Int64(count))
    }

    /// Changes refused by the write policy, by refusal code.
    func refused(code: String, count: Int = 1) {
        registry.makeCounter(descriptor: Self.describe("refused_changes", "total", "Changes the hub refused, by refusal code (Protocol/README.md §10.3)."),
                             labels: [("code", code)]).increment(by: Int64(count))
    }

    /// Requests refused 503 `overloaded` (with Retry-After): the hub's admission was full.
    func overloaded(by count: Int64 = 1) {
        registry.makeCounter(descriptor: Self.describe("overloaded", "total", "Requests answered 503 overloaded with Retry-After (Protocol/README.md §18.1)."))
            .increment(by: count)
    }

    /// Requests refused by a guard or a check, by error code (404s included).
    func error(code: String) {
        registry.makeCounter(descriptor: Self.describe("errors", "total", "Error responses of the hub, by error code (Protocol/README.md §12)."),
                             labels: [("code", code)]).increment()
    }

    /// The exposition text, with the node registry's figures computed at scrape time.
    /// - Parameter load: the admission figures (``HubAdmission/figures``), as gauges.
    public func render(nodes: [NodeRegistry.Node], load: (running: Int, queued: Int, livePulls: Int) = (0, 0, 0), now: Date = Date()) -> [UInt8] {
        var text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
        text += "# HELP reformsync_hub_requests_in_flight Protocol requests being handled now (at most server.max_concurrent_requests).\n"
        text += "# TYPE reformsync_hub_requests_in_flight gauge\n"
        text += "reformsync_hub_requests_in_flight \(load.running)\n"
        text += "# HELP reformsync_hub_requests_queued Protocol requests waiting for a slot (at most server.max_queued_requests; beyond, 503).\n"
        text += "# TYPE reformsync_hub_requests_queued gauge\n"
        text += "reformsync_hub_requests_queued \(load.queued)\n"
        text += "# HELP reformsync_hub_live_pulls Long-poll pulls waiting for a change (at most server.max_live_pulls).\n"
        text += "# TYPE reformsync_hub_live_pulls gauge\n"
        text += "reformsync_hub_live_pulls \(load.livePulls)\n"
        text += "# HELP reformsync_hub_nodes_seen Nodes (sites) the hub has seen, from its node registry.\n"
        text += "# TYPE reformsync_hub_nodes_seen gauge\n"
        text += "reformsync_hub_nodes_seen \(nodes.count)\n"
        text += "# HELP reformsync_hub_node_last_seen_age_seconds Seconds since the hub last heard from each node (-1: never).\n"
        text += "# TYPE reformsync_hub_node_last_seen_age_seconds gauge\n"
        for node in nodes {
            let age = node.lastSeenAt.flatMap(Timestamp.date).map { max(0, now.timeIntervalSince($0)) } ?? -1
            text += "reformsync_hub_node_last_seen_age_seconds{unit=\"\(Self.label(node.unit))\",site=\"\(Self.label(node.site))\"} \(age)\n"
        }
        return Array(text.utf8)
    }

    /// A label value escaped as the exposition format wants (\\, \", newline).
    static func label(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// Counts every answer by route pattern and status; sits outside ``HubErrorMiddleware`` so it
/// sees the final status of errors too.
public struct HubMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HubMetrics

    public init(metrics: HubMetrics) { self.metrics = metrics }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath.map { $0 == "NotFound" ? "unmatched" : $0 } ?? "unmatched"
        metrics.request(route: route, status: Int(response.status.code))
        if request.uri.queryParameters["wait"] == nil { metrics.duration(route: route, ContinuousClock.now - started) }
        if response.status.code == 503 { metrics.overloaded() }
        return response
    }
}
