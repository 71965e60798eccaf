import Foundation
import Testing

/// The benchmarks are for figures, not verdicts (no timing is asserted); these tests check that
/// a small run works end to end and that its last line carries the keys scripts read.
@Suite("bench")
struct BenchCommandTests {
    @Test("bench sync: a small run syncs everything and ends with its figures as one JSON line")
    func syncSmall() throws {
        let result = run(["bench", "sync", "--changes", "2000", "--batch", "300", "--runs", "3"])
        #expect(result.code == 0, "\(result.stderr)")
        let last = try #require(result.stdout.split(separator: "\n").last, "no output")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], "last line: \(last)")
        for key in ["sync_changes_per_s", "wire_bytes_per_change", "merge_changes_per_s"] {
            #expect((figures[key] as? Double).map { $0 > 0 } == true, "\(key) in \(last)")
        }
        let runs = try #require(figures["sync_changes_per_s_runs"] as? [Double], "runs in \(last)")
        #expect(runs.count == 3)
        // The reported rate is the median run's.
        #expect(figures["sync_changes_per_s"] as? Double == runs.sorted()[1])
        #expect(result.stdout.contains("median of"), "\(result.stdout)")
    }

    @Test("bench hub: a small run (20 nodes) has no errors and ends with every figure of issue 14 as one JSON line")
    func hubSmall() throws {
        let result = run(["bench", "hub", "--nodes", "20", "--changes", "20", "--spread", "1", "--idle", "2", "--delay-ms", "20",
                          "--soak-rounds", "30"])
        #expect(result.code == 0, "\(result.stderr.suffix(3000))")
        let last = try #require(result.stdout.split(separator: "\n").last, "no output")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], "last line: \(last)")
        for key in ["request_p50_ms", "request_p99_ms", "total_seconds", "hub_peak_rss_mb", "rtt_ms", "round_one_change_ms",
                    "round_idle_ms", "propagation_ms"] {
            #expect((figures[key] as? Double).map { $0 > 0 } == true, "\(key) in \(last)")
        }
        for key in ["idle_hub_cpu_percent", "node_rss_growth_mb", "hub_rss_growth_mb"] {
            #expect(figures[key] is Double, "\(key) in \(last)")
        }
        #expect(figures["nodes"] as? Int == 20 && figures["errors"] as? Int == 0 && figures["live_pulls"] as? Int == 20, "\(last)")
        // The proxy adds 20 ms each way: a round trip through it is at least 40 ms.
        #expect((figures["rtt_ms"] as? Double ?? 0) >= 40, "\(last)")
    }

    @Test("bench hub refuses nonsense options with a clear message")
    func hubBadOptions() {
        for (args, message) in [(["--nodes", "0"], "--nodes must be from 1 to 5000"), (["--idle", "0"], "--idle must be from 1 to 600"),
                                (["--delay-ms", "6000"], "--delay-ms must be from 0 to 5000"), (["--soak-rounds", "5"], "--soak-rounds must be from 10")] {
            let result = run(["bench", "hub"] + args)
            #expect(result.code != 0 && result.stderr.contains(message), "\(args): \(result.stderr)")
        }
    }

    @Test("bench sync refuses nonsense options with a clear message")
    func syncBadOptions() {
        for (args, message) in [(["--runs", "0"], "--runs must be from 1 to 15"), (["--batch", "0"], "--batch must be at least 1"),
                                (["--changes", "3"], "--changes must be at least 5")] {
            let result = run(["bench", "sync"] + args)
            #expect(result.code != 0 && result.stderr.contains(message), "\(args): \(result.stderr)")
        }
    }

    @Test("bench bootstrap: a small run makes the same node both ways and ends with its figures as one JSON line")
    func bootstrapSmall() throws {
        let result = run(["bench", "bootstrap", "--units", "6", "--years", "2", "--rows-per-unit-year", "50"])
        #expect(result.code == 0, "\(result.stderr)")
        let last = try #require(result.stdout.split(separator: "\n").last, "no output")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], "last line: \(last)")
        for key in ["snapshot_seconds", "replay_seconds", "speedup"] {
            #expect((figures[key] as? Double).map { $0 > 0 } == true, "\(key) in \(last)")
        }
        #expect(figures["hub_rows"] as? Int == 6 + 6 * 2 * 50, "\(last)")
        #expect((figures["snapshot_bytes"] as? Int).map { $0 > 0 } == true, "\(last)")
        let bad = run(["bench", "bootstrap", "--units", "1"])
        #expect(bad.code != 0 && bad.stderr.contains("--units must be from 2 to 2000"), "\(bad.stderr)")
    }

    @Test("bench compact: a small run compacts and ends with compacted_ratio as one JSON line")
    func compactSmall() throws {
        let result = run(["bench", "compact", "--units", "2", "--years", "1"])
        #expect(result.code == 0, "\(result.stderr)")
        let last = try #require(result.stdout.split(separator: "\n").last, "no output")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], "last line: \(last)")
        let ratio = try #require(figures["compacted_ratio"] as? Double, "\(last)")
        #expect(ratio > 0 && ratio < 1, "\(last)")
        #expect(figures["tombstones"] as? Int == 2 * 1 * 4, "\(last)")
        let bad = run(["bench", "compact", "--years", "0"])
        #expect(bad.code != 0 && bad.stderr.contains("--years must be from 1 to 50"), "\(bad.stderr)")
    }
}
