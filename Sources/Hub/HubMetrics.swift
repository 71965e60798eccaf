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

    /// Requests refused by a guard or a check, by error code (404s included).
    func error(code: String) {
        registry.makeCounter(descriptor: Self.describe("errors", "total", "Error responses of the hub, by error code (Protocol/README.md §12)."),
                             labels: [("code", code)]).increment()
    }

    /// The exposition text, with the node registry's figures computed at scrape time.
    public func render(nodes: [NodeRegistry.Node], now: Date = Date()) -> [UInt8] {
        var text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
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
        let response = try await next(request, context)
        let route = context.endpointPath.map { $0 == "NotFound" ? "unmatched" : $0 } ?? "unmatched"
        metrics.request(route: route, status: Int(response.status.code))
        return response
    }
}
