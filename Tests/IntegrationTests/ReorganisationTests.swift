import CRDT
import Foundation
import GRDB
import ReformData
import Replica
import Testing

extension EndToEnd {
    /// README "Reorganisation", step by step, with a real hub and node processes: a district's
    /// node carries on as the commune that succeeds it, its history kept and readable, the
    /// merged neighbour's history arriving, its old rows closed to writes.
    @Test func aMergedUnitsNodeContinuesAsItsSuccessor() throws {
        let world = try World("reorg")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        hub.put("units", Reference.units(["SNV", "SONDUONG", "NAHANG"]).map { unit in
            var unit = unit
            if unit["id"] as? String != "SNV" { unit["valid_to"] = "2025-06-30" }
            return unit
        } + [["id": "XA-SONDUONG", "name": "UBND xã Sơn Dương (minh họa)", "group": "commune", "valid_from": "2025-07-01", "sort": 10]])
        hub.put("methodologies", Reference.methodology)
        hub.put("criteria", Reference.criteria)

        let node = try world.makeNode("SONDUONG", hub: hub)
        let neighbour = try world.makeNode("NAHANG", hub: hub)
        for district in [node, neighbour] {
            district.put("assessment_scores", [["unit": district.unit, "year": 2024, "criterion": "C1.1", "self_score": 2, "evidence": "KH 2024"]])
            district.sync()
        }
        let oldSite = try node.openReplica().site.rawValue

        // Before the hub records the succession, the node cannot continue.
        let early = node.run(["continue-as", "XA-SONDUONG"])
        #expect(early.code == 2 && early.stderr.contains("no succession from SONDUONG to XA-SONDUONG"), "\(early)")

        hub.put("unit_successions", [
            ["id": "SONDUONG>XA-SONDUONG", "predecessor": "SONDUONG", "successor": "XA-SONDUONG", "kind": "split_from",
             "effective_on": "2025-07-01", "decision": "Nghị quyết sắp xếp đơn vị hành chính cấp xã (minh họa)"],
            ["id": "NAHANG>XA-SONDUONG", "predecessor": "NAHANG", "successor": "XA-SONDUONG", "kind": "merged_into",
             "effective_on": "2025-07-01", "decision": "Nghị quyết sắp xếp đơn vị hành chính cấp xã (minh họa)"],
        ])
        node.sync()
        // A change not pushed yet would be stranded under the old site: refused until synced.
        node.put("initiatives", [["id": "SK-SD-2025", "unit": "SONDUONG", "year": 2025, "title": "Sáng kiến cuối cùng của huyện"]])
        let unpushed = node.run(["continue-as", "XA-SONDUONG"])
        #expect(unpushed.code == 2 && unpushed.stderr.contains("not pushed yet"), "\(unpushed)")
        node.sync()

        let continued = node.run(["continue-as", "XA-SONDUONG"])
        try #require(continued.code == 0, "\(continued)")
        #expect(continued.stdout.contains("now serves XA-SONDUONG"))
        let config = try String(contentsOfFile: node.configPath, encoding: .utf8)
        #expect(config.contains("unit: XA-SONDUONG"))

        // The operator's remaining steps: the successor's token, then sync as usual.
        node.unit = "XA-SONDUONG"
        node.token = try hub.createToken(unit: "XA-SONDUONG")
        node.writeConfig()
        // The hub appraises the predecessor's row after the switch: it still reaches the node.
        hub.put("assessment_scores", [["unit": "SONDUONG", "year": 2024, "criterion": "C1.1", "appraised_score": 1.75]])
        node.sync()

        let replica = try node.openReplica()
        #expect(replica.unit == "XA-SONDUONG" && replica.site.rawValue != oldSite)
        // Its own history, kept and updated; the merged neighbour's history, received.
        #expect(try record(replica, "assessment_scores", "SONDUONG/2024/C1.1")?["appraised_score"] == .real(1.75))
        #expect(try record(replica, "assessment_scores", "NAHANG/2024/C1.1")?["self_score"] == .real(2))
        #expect(try record(replica, "initiatives", "SK-SD-2025") != nil)
        let history = node.run(["history", "assessment_scores", "SONDUONG/2024/C1.1"])
        #expect(history.code == 0 && history.stdout.contains("1.75"), "\(history)")
        // The predecessor's rows are closed: the node refuses to write them, as the hub would.
        let closed = node.run(["record", "put", "assessment_scores", #"{"unit":"SONDUONG","year":2024,"criterion":"C1.1","self_score":1}"#])
        #expect(closed.code == 2 && closed.stderr.contains("not_owner"), "\(closed)")

        // New work as the successor reaches the hub under the new site.
        node.put("assessment_scores", [["unit": "XA-SONDUONG", "year": 2025, "criterion": "C1.1", "self_score": 1.5, "evidence": "KH 2025"]])
        node.sync()
        #expect(try record(try hub.openReplica(), "assessment_scores", "XA-SONDUONG/2025/C1.1")?["self_score"] == .real(1.5))
        let registry = try hub.registry()
        #expect(registry.contains { $0.site == oldSite && $0.unit == "SONDUONG" })
        #expect(registry.contains { $0.site == replica.site.rawValue && $0.unit == "XA-SONDUONG" })
        // The node holds exactly what the successor may read, its predecessors' rows included.
        let hubReplica = try hub.openReplica()
        let lines = try hubReplica.canonicalDump().split(separator: "\n").map(String.init)
        let expected = try hubReplica.writer.read { db -> [String] in
            let policy = ReadPolicy(unit: "XA-SONDUONG", assignedTasks: [], predecessors: try hubReplica.successionGraph(db).ancestors(of: "XA-SONDUONG"))
            return try lines.filter { line in
                let row = dumpRow(line)
                guard let table = hubReplica.schema.table(row.table) else { return false }
                return policy.mayRead(table, key: row.key, owner: try hubReplica.rowState(row.table, key: row.key, db)?.owner)
            }
        }
        expectSameDump(try dumpLines(node.replicaPath), expected, "the continued node against the hub's rows readable by XA-SONDUONG")
    }
}
