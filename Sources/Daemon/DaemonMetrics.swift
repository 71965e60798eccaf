import CoreMetrics
import Foundation
import NodeSync
import Metrics
import Prometheus

/// The daemon's metrics, through swift-metrics, exported by swift-prometheus at `/metrics`.
///
/// Names follow Prometheus conventions (`reformsync_` prefix, `_total` counters, base units).
/// Every metric has `# HELP` and `# TYPE` (`promtool check metrics` passes): the help texts live in
/// ``help``, and ``DescribedPrometheusFactory`` hands them to the registry, since swift-metrics'
/// labels carry none.
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
    let fileBytesSent: CoreMetrics.Counter
    let fileBytesReceived: CoreMetrics.Counter

    /// The `# HELP` text of every metric the daemon exports.
    public static let help: [String: String] = [
        "reformsync_pending_changes": "Local changes not yet acknowledged by the hub, after the last sync round.",
        "reformsync_last_sync_timestamp_seconds": "Unix time of the last successful sync round.",
        "reformsync_quarantined_changes": "Changes refused by the hub and kept in quarantine (reformsync quarantine list).",
        "reformsync_push_bytes_total": "Bytes sent to the hub by pushes (on the wire, compressed).",
        "reformsync_pull_bytes_total": "Bytes received from the hub by pulls (on the wire, compressed).",
        "reformsync_pushed_changes_total": "Changes pushed to the hub.",
        "reformsync_pulled_changes_total": "Changes pulled from the hub.",
        "reformsync_refused_changes_total": "Pushed changes the hub refused (put in quarantine).",
        "reformsync_sync_errors_total": "Sync rounds that failed (hub unreachable, token refused, ...).",
        "reformsync_sync_rounds_total": "Sync rounds completed successfully.",
        "reformsync_file_bytes_sent_total": "Evidence-file bytes (chunk contents) sent to the hub.",
        "reformsync_file_bytes_received_total": "Evidence-file bytes received from the hub.",
    ]

    /// Bootstraps swift-metrics with a Prometheus registry (once per process).
    public static func bootstrap() -> DaemonMetrics {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(DescribedPrometheusFactory(registry: registry, help: help))
        return DaemonMetrics(registry: registry)
    }

    /// Metrics on `registry`, without touching the process-wide swift-metrics bootstrap (tests).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let factory = DescribedPrometheusFactory(registry: registry, help: Self.help)
        pendingChanges = CoreMetrics.Gauge(label: "reformsync_pending_changes", factory: factory)
        lastSyncTimestamp = CoreMetrics.Gauge(label: "reformsync_last_sync_timestamp_seconds", factory: factory)
        quarantined = CoreMetrics.Gauge(label: "reformsync_quarantined_changes", factory: factory)
        pushBytes = CoreMetrics.Counter(label: "reformsync_push_bytes_total", factory: factory)
        pullBytes = CoreMetrics.Counter(label: "reformsync_pull_bytes_total", factory: factory)
        pushedChanges = CoreMetrics.Counter(label: "reformsync_pushed_changes_total", factory: factory)
        pulledChanges = CoreMetrics.Counter(label: "reformsync_pulled_changes_total", factory: factory)
        refusedChanges = CoreMetrics.Counter(label: "reformsync_refused_changes_total", factory: factory)
        syncErrors = CoreMetrics.Counter(label: "reformsync_sync_errors_total", factory: factory)
        syncRounds = CoreMetrics.Counter(label: "reformsync_sync_rounds_total", factory: factory)
        fileBytesSent = CoreMetrics.Counter(label: "reformsync_file_bytes_sent_total", factory: factory)
        fileBytesReceived = CoreMetrics.Counter(label: "reformsync_file_bytes_received_total", factory: factory)
    }

    /// The exposition text, with the last-sync age computed at scrape time.
    public func render(lastSyncAt: Date?, files: EvidenceBacklog? = nil) -> [UInt8] {
        var buffer = registry.emitToBuffer()
        let age = lastSyncAt.map { Date().timeIntervalSince($0) } ?? -1
        buffer += Array("# HELP reformsync_last_sync_age_seconds Seconds since the last successful sync (-1: never).\n# TYPE reformsync_last_sync_age_seconds gauge\nreformsync_last_sync_age_seconds \(age)\n".utf8)
        if let files {
            // Measured at scrape time from the replica and the store (Protocol §16): files attached
            // since the last round count at once.
            func gauge(_ name: String, _ help: String, _ value: String) {
                buffer += Array("# HELP \(name) \(help)\n# TYPE \(name) gauge\n\(name) \(value)\n".utf8)
            }
            gauge("reformsync_files_waiting_upload", "Evidence files of this unit the hub does not hold yet.", "\(files.waitingUpload)")
            gauge("reformsync_files_waiting_upload_bytes", "Bytes of those files.", "\(files.waitingUploadBytes)")
            gauge("reformsync_files_waiting_download", "Evidence files of readable rows this node does not hold yet.", "\(files.waitingDownload)")
            gauge("reformsync_files_waiting_download_bytes", "Bytes still to receive for those files.", "\(files.waitingDownloadBytes)")
            gauge("reformsync_files_oldest_waiting_seconds", "Seconds since the oldest waiting evidence file was attached (0: none waits).", "\(files.oldestWaitingSeconds ?? 0)")
            buffer += Array("# HELP reformsync_files_refused Evidence files that cannot travel, by reason code (reformsync files list).\n# TYPE reformsync_files_refused gauge\n".utf8)
            let byCode = Dictionary(grouping: files.refused, by: \.code)
            if byCode.isEmpty { buffer += Array("reformsync_files_refused 0\n".utf8) }
            for (code, list) in byCode.sorted(by: { $0.key < $1.key }) {
                buffer += Array("reformsync_files_refused{code=\"\(code)\"} \(list.count)\n".utf8)
            }
        }
        return buffer
    }
}

/// swift-metrics → Prometheus, with a `# HELP` text per metric name (swift-prometheus's own
/// factory registers every metric without one). Counters and gauges only: the daemon has no
/// histograms or timers.
struct DescribedPrometheusFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    let help: [String: String]

    func describe(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: help[label] ?? "reformsync metric \(label).")
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: describe(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: describe(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        registry.makeGauge(descriptor: describe(label), labels: dimensions)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: describe(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: describe(label), labels: dimensions,
                                       buckets: [.milliseconds(10), .milliseconds(100), .seconds(1), .seconds(10)])
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}
