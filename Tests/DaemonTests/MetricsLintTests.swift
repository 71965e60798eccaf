import Daemon
import NodeSync
import Foundation
import Testing

/// The daemon's exposition text, linted by Debian's `promtool check metrics`: every metric has
/// `# HELP` and `# TYPE` (promtool exits 3 on a metric without HELP).
@Suite("daemon metrics lint")
struct MetricsLintTests {
    @Test("every daemon metric has # HELP and # TYPE, and promtool accepts the text")
    func daemonMetricsPassPromtool() throws {
        let metrics = DaemonMetrics()
        // With the evidence-file gauges (Protocol §16), a refused file among them.
        var files = EvidenceBacklog()
        files.waitingUpload = 2
        files.waitingUploadBytes = 3_000_000
        files.oldestWaitingSeconds = 42.5
        files.refused = [.init(sha256: String(repeating: "ab", count: 32), code: "file_not_found", reason: "no row")]
        let text = String(decoding: metrics.render(lastSyncAt: Date(timeIntervalSinceNow: -30), files: files), as: UTF8.self)
        let names = Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .compactMap { $0.split(whereSeparator: { $0 == "{" || $0 == " " }).first.map(String.init) })
        #expect(names.count == 19, "the daemon's 13 metrics and 6 evidence-file gauges: \(names.sorted())\n\(text)")
        #expect(text.contains("reformsync_files_refused{code=\"file_not_found\"} 1"), "\(text)")
        for name in names {
            #expect(text.contains("# HELP \(name) ") && text.contains("# TYPE \(name) "), "\(name) lacks HELP or TYPE:\n\(text)")
        }
        if let lint = promtoolCheck(text) {
            #expect(lint.code == 0, "promtool check metrics: \(lint.output)\n\(text)")
        }
    }
}
