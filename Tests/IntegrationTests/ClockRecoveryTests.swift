import CRDT
import Foundation
import Replica
import Testing

extension EndToEnd {
    @Suite("a node whose clock ran a year ahead")
    struct ClockRecovery {
        /// Debian's `faketime` runs the real binary with a clock a year ahead (its wrapper, not a bare
        /// LD_PRELOAD: without the wrapper's shared state the Swift runtime loses its arguments).
        static let faketime = "/usr/bin/faketime"
        static let yearAhead = [faketime, "-f", "+365d"]

        /// The office keeps working while the server's clock is a year ahead; the hub refuses
        /// every write (`clock_skew`), even one made after the clock is fixed. `clock repair`
        /// re-stamps them and the next sync brings every office write to the hub, values intact,
        /// with no other row disturbed and the quarantine empty.
        @Test("after its clock is fixed, `clock repair` brings every office write to the hub")
        func officeWritesReachTheHubAfterClockRepair() throws {
            try #require(FileManager.default.fileExists(atPath: Self.faketime),
                         "Debian's faketime package is needed (scripts/install-deps.sh installs it as root)")
            let world = try World("clock")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let node = try world.makeNode("SONDUONG", hub: hub)
            let other = try world.makeNode("YENSON", hub: hub)
            Reference.seed(hub, districts: ["SONDUONG", "YENSON"])
            node.put("initiatives", [["id": "SD-0", "unit": "SONDUONG", "year": 2023, "title": "Trước khi lệch giờ"]])
            other.put("initiatives", [["id": "YS-1", "unit": "YENSON", "year": 2023, "title": "Của Yên Sơn"]])
            node.sync()
            other.sync()
            let hubBefore = try dumpLines(hub.replicaPath)

            // A year ahead: the office's writes are stamped in 2027 and refused.
            let ahead = node.run(["record", "put", "initiatives", "-"], stdin: jsonData([
                ["id": "SD-1", "unit": "SONDUONG", "year": 2023, "title": "Sáng kiến một"],
                ["id": "SD-2", "unit": "SONDUONG", "year": 2023, "title": "Sáng kiến hai"],
            ]), wrapper: Self.yearAhead)
            #expect(ahead.code == 0, "\(ahead)")
            let edit = node.run(["record", "put", "initiatives", #"{"id":"SD-0","unit":"SONDUONG","year":2023,"title":"Sửa khi lệch giờ"}"#],
                                wrapper: Self.yearAhead)
            #expect(edit.code == 0, "\(edit)")
            let refused = node.run(["sync", "--once", "--json"], wrapper: Self.yearAhead)
            #expect(refused.code == 1, "\(refused)")
            #expect(try node.openReplica().quarantined().allSatisfy { $0.code == "clock_skew" })
            #expect(try node.openReplica().quarantineCount() == 9, "SD-1 and SD-2 (marker + 3 fields each), the edited title")

            // The clock is fixed; a write now still carries the replica's clock of 2027 and is refused too.
            node.put("initiatives", [["id": "SD-3", "unit": "SONDUONG", "year": 2023, "title": "Sau khi sửa giờ"]])
            let stillRefused = node.sync(expectSuccess: false)
            #expect(stillRefused.result.code == 1, "\(stillRefused.result)")
            #expect(try node.openReplica().quarantineCount() == 13)
            let show = node.run(["clock", "show", "--json"])
            #expect((parseJSON(show.stdout) as? [String: Any])?["own_changes_ahead"] as? Int == 13, "\(show)")
            let degraded = node.run(["status", "--json"])
            let problems = ((parseJSON(degraded.stdout) as? [String: Any])?["problems"] as? [String]) ?? []
            #expect(problems.contains { $0.contains("quarantine") } && problems.contains { $0.contains("clock repair") }, "\(degraded)")
            #expect((parseJSON(degraded.stdout) as? [String: Any])?["own_changes_ahead"] as? Int == 13, "\(degraded)")

            // The repair: nothing to re-enter.
            let repair = node.run(["clock", "repair", "--json"])
            #expect(repair.code == 0, "\(repair)")
            let report = parseJSON(repair.stdout) as? [String: Any]
            #expect(report?["restamped"] as? Int == 13, "\(repair)")
            #expect(report?["quarantine_resolved"] as? Int == 13, "\(repair)")
            #expect(try node.openReplica().quarantineCount() == 0)
            let synced = node.sync()
            #expect(synced.report?["refused_changes"] as? Int == 0, "\(synced.result)")

            // Every office write is at the hub, as entered.
            let hubReplica = try hub.openReplica()
            let titles = try hubReplica.list("initiatives").reduce(into: [String: Value]()) { $0[$1.key] = $1.values["title"] }
            #expect(titles["SD-0"] == .text("Sửa khi lệch giờ"))
            #expect(titles["SD-1"] == .text("Sáng kiến một"))
            #expect(titles["SD-2"] == .text("Sáng kiến hai"))
            #expect(titles["SD-3"] == .text("Sau khi sửa giờ"))
            #expect(titles["YS-1"] == .text("Của Yên Sơn"))
            // No other row disturbed: everything but SONDUONG's initiatives is as it was.
            let office = Set(["SD-0", "SD-1", "SD-2", "SD-3"])
            let untouched = { (lines: [String]) in lines.filter { line in
                let row = dumpRow(line)
                return !(row.table == "initiatives" && office.contains(row.key))
            } }
            expectSameDump(untouched(try dumpLines(hub.replicaPath)), untouched(hubBefore), "the hub's other rows")
            // Nothing stamped ahead; the status says what happened and has nothing left to complain of
            // but the daemon, which this test does not run.
            #expect(try node.openReplica().ownChangesAhead() == 0)
            let healthy = node.run(["status", "--json"])
            let after = parseJSON(healthy.stdout) as? [String: Any]
            #expect(after?["problems"] as? [String] == ["the daemon is not running (status read from the replica directly)"], "\(healthy)")
            #expect(after?["quarantined"] as? Int == 0 && after?["own_changes_ahead"] as? Int == 0, "\(healthy)")
            #expect(after?["clock_repair_restamped"] as? Int == 13, "\(healthy)")
            #expect(node.run(["status"]).stdout.contains("13 field(s) re-stamped"))
            // YENSON receives the office's records as published data would flow: its own view is unchanged.
            other.sync()
            #expect(try other.openReplica().get("initiatives", key: "SD-1") == nil, "another unit still never reads SONDUONG's rows")
        }
    }
}
