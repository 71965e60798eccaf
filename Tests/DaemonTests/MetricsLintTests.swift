import Daemon
import Foundation
import Testing

/// The daemon's exposition text, linted by Debian's `promtool check metrics`: every metric has
/// `# HELP` and `# TYPE` (promtool exits 3 on a metric without HELP).
@Suite("daemon metrics lint")
struct MetricsLintTests {
    @Test("every daemon metric has # HELP and # TYPE, and promtool accepts the text")
    func daemonMetricsPassPromtool() throws {
        let metrics = DaemonMetrics()
        let text = String(decoding: metrics.render(lastSyncAt: Date(timeIntervalSinceNow: -30)), as: UTF8.self)
        let names = Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .compactMap { $0.split(whereSeparator: { $0 == "{" || $0 == " " }).first.map(String.init) })
        #expect(names.count == 11, "the daemon's 11 metrics: \(names.sorted())\n\(text)")
        for name in names {
            #expect(text.contains("# HELP \(name) ") && text.contains("# TYPE \(name) "), "\(name) lacks HELP or TYPE:\n\(text)")
        }
        if let lint = promtoolCheck(text) {
            #expect(lint.code == 0, "promtool check metrics: \(lint.output)\n\(text)")
        }
    }
}
