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
