import CoreMetrics
import Foundation
import Metrics
import Prometheus

/// The daemon's metrics, through swift-metrics, exported by swift-prometheus at `/metrics`.
///
/// Names follow Prometheus conventions (`reformsync_` prefix, `_total` counters, base units).
public final class DaemonMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let pendingChanges: CoreMetrics.Gauge
    let lastSyncTimestamp: CoreMetrics.Gauge
    let quarantined: CoreMetrics.Gauge
    let pushBytes: CoreMetrics.Counter
    let pullBytes: CoreMetrics.Counter
    let pushedChanges: CoreMetrics.Counter
    let pulledChanges: CoreMetrics.Counter
    let refusedChanges: CoreMetrics.Counter
    let syncErrors: CoreMetrics.Counter
    let syncRounds: CoreMetrics.Counter

    /// Bootstraps swift-metrics with a Prometheus registry (once per process).
    public static func bootstrap() -> DaemonMetrics {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return DaemonMetrics(registry: registry)
    }

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        pendingChanges = CoreMetrics.Gauge(label: "reformsync_pending_changes")
        lastSyncTimestamp = CoreMetrics.Gauge(label: "reformsync_last_sync_timestamp_seconds")
        quarantined = CoreMetrics.Gauge(label: "reformsync_quarantined_changes")
        pushBytes = CoreMetrics.Counter(label: "reformsync_push_bytes_total")
        pullBytes = CoreMetrics.Counter(label: "reformsync_pull_bytes_total")
        pushedChanges = CoreMetrics.Counter(label: "reformsync_pushed_changes_total")
        pulledChanges = CoreMetrics.Counter(label: "reformsync_pulled_changes_total")
        refusedChanges = CoreMetrics.Counter(label: "reformsync_refused_changes_total")
        syncErrors = CoreMetrics.Counter(label: "reformsync_sync_errors_total")
        syncRounds = CoreMetrics.Counter(label: "reformsync_sync_rounds_total")
    }

    /// The exposition text, with the last-sync age computed at scrape time.
    public func render(lastSyncAt: Date?) -> [UInt8] {
        var buffer = registry.emitToBuffer()
        let age = lastSyncAt.map { Date().timeIntervalSince($0) } ?? -1
        buffer += Array("# HELP reformsync_last_sync_age_seconds Seconds since the last successful sync (-1: never).\n# TYPE reformsync_last_sync_age_seconds gauge\nreformsync_last_sync_age_seconds \(age)\n".utf8)
        return buffer
    }
}
