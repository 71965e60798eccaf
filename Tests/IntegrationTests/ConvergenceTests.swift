import CRDT
import Foundation
import Replica
import Testing

extension EndToEnd {
    @Suite("convergence")
    struct Convergence {
        /// The issue's main scenario: reference data from the hub, each district's own data, two
        /// full rounds (push then pull) for everyone; then every replica holds the same shared
        /// records and each unit's rows are identical at its node and at the hub.
        @Test("a hub and three districts converge")
        func hubAndThreeDistricts() throws {
            let world = try World("three")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let nodes = try Reference.districts.map { try world.makeNode($0, hub: hub) }

            Reference.seed(hub)
            // SONDUONG's task is shared with YENSON (task_assignees): YENSON reads it too.
            hub.put("task_assignees", [["task": Reference.taskID("SONDUONG"), "unit": "YENSON", "role": "cooperate"]])
            for node in nodes { Reference.ownData(node) }

            // Round 1: each district pushes its data and receives the reference data and its task.
            for node in nodes { node.sync() }
            for node in nodes {
                let replica = try node.openReplica()
                #expect(try replica.get("tasks", key: Reference.taskID(node.unit))?.values["title"] != nil, "\(node.unit) received its task")
                #expect(try replica.liveCount("services") == 3)
            }

            // Meanwhile: districts report progress on their task, the hub edits reference data and publishes results.
            for (index, node) in nodes.enumerated() {
                node.put("tasks", [["id": Reference.taskID(node.unit), "progress_percent": 30 + 20 * index,
                                    "progress_note": "Đã số hoá \(30 + 20 * index)% hồ sơ"]])
                node.put("initiatives", [["id": "SK-\(node.unit)-2023", "summary": "Tóm tắt sáng kiến \(node.unit)"]])
            }
            hub.put("criteria", [["id": "C1.2", "name": "Báo cáo CCHC định kỳ", "max_points": 1]])
            hub.put("services", [["id": "DVC04", "number": 4, "name": "Đăng ký thường trú"]])
            hub.put("publications", [["year": 2022, "published_on": "2023-05-10", "decision": "715/QĐ-UBND"]])
            hub.put("published_results", Reference.districts.enumerated().map { index, unit in
                ["year": 2022, "unit": unit, "group": "district", "index_percent": 85.5 - Double(index), "rank": index + 1, "ranked_of": 7]
            })
            hub.put("assessments", [["unit": "NAHANG", "year": 2023, "appraisal_status": "in_progress"]])

            // Rounds 2 and 3: push then pull, everyone, twice.
            for _ in 0..<2 { for node in nodes { node.sync() } }

            // Each node holds exactly what the hub lets its unit read; shared tables are identical everywhere.
            for node in nodes { try expectNodeMatchesHub(node, hub) }
            let hubShared = sharedLines(try dumpLines(hub.replicaPath))
            #expect(hubShared.count == 4 + 1 + 4 + 4 + 1 + 1 + 3, "units, methodology, criteria, services, directive, publication, results")
            for node in nodes {
                expectSameDump(sharedLines(try dumpLines(node.replicaPath)), hubShared, "shared tables at \(node.unit)")
            }

            // Concrete values, at the hub and at the nodes.
            let hubReplica = try hub.openReplica()
            for (index, node) in nodes.enumerated() {
                let task = try #require(try hubReplica.get("tasks", key: Reference.taskID(node.unit)))
                #expect(task.values["progress_percent"] == .real(Double(30 + 20 * index)), "\(node.unit)'s progress reached the hub")
                #expect(task.values["title"] == .text("Số hoá hồ sơ TTHC tại \(Reference.names[node.unit]!)"))
                let initiative = try #require(try hubReplica.get("initiatives", key: "SK-\(node.unit)-2023"))
                #expect(initiative.values["summary"] == .text("Tóm tắt sáng kiến \(node.unit)"))
                #expect(try hubReplica.get("assessment_scores", key: "\(node.unit)/2023/C1.1")?.values["self_score"] == .real(2))

                let replica = try node.openReplica()
                #expect(try replica.get("criteria", key: "C1.2")?.values["name"] == .text("Báo cáo CCHC định kỳ"))
                #expect(try replica.get("services", key: "DVC04") != nil)
                #expect(try replica.liveCount("published_results") == 3)
                #expect(try replica.get("tasks", key: Reference.taskID(node.unit))?.values["progress_note"] == .text("Đã số hoá \(30 + 20 * index)% hồ sơ"))
                // Only its own owner-scoped rows.
                #expect(try replica.list("initiatives").map(\.key) == ["SK-\(node.unit)-2023"])
                #expect(Set(try replica.list("assessment_scores").compactMap { $0.values["unit"] }) == [.text(node.unit)])
            }
            #expect(try hubReplica.liveCount("initiatives") == 3)
            #expect(try hubReplica.liveCount("assessment_scores") == 6)
            #expect(try hubReplica.get("assessments", key: "NAHANG/2023")?.values["appraisal_status"] == .text("in_progress"))
            #expect(try nodes[2].openReplica().get("assessments", key: "NAHANG/2023")?.values["appraisal_status"] == .text("in_progress"))
            #expect(try nodes[2].openReplica().get("assessments", key: "NAHANG/2023")?.values["note"] == .text("Tự đánh giá NAHANG"))
            // Tasks: each district its own, YENSON also the one it cooperates on.
            #expect(try nodes[0].openReplica().list("tasks").map(\.key) == ["T-SONDUONG"])
            #expect(try nodes[1].openReplica().list("tasks").map(\.key) == ["T-SONDUONG", "T-YENSON"])
            #expect(try nodes[1].openReplica().get("tasks", key: "T-SONDUONG")?.values["progress_percent"] == .real(30))
            #expect(try nodes[2].openReplica().list("tasks").map(\.key) == ["T-NAHANG"])

            // In sync: another round moves nothing.
            for node in nodes {
                let (_, report) = node.sync()
                #expect(report?["pushed_changes"] as? Int == 0, "\(node.unit): \(String(describing: report))")
                #expect(report?["applied_changes"] as? Int == 0, "\(node.unit): \(String(describing: report))")
                #expect(report?["pending_changes"] as? Int == 0)
            }
        }

        /// The same field written at the hub and at a node before either syncs: the later write
        /// wins on both sides, and both versions stay in the history on both sides.
        @Test("concurrent edits of one field converge to the later write, both kept in history")
        func concurrentEdits() throws {
            let world = try World("concurrent")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let node = try world.makeNode("SONDUONG", hub: hub)
            Reference.seed(hub, districts: ["SONDUONG"])
            node.put("assessment_scores", [
                ["unit": "SONDUONG", "year": 2023, "criterion": "C1.1", "self_score": 1.5, "self_note": "ban đầu A"],
                ["unit": "SONDUONG", "year": 2023, "criterion": "C1.2", "self_score": 1, "self_note": "ban đầu B"],
            ])
            node.sync()

            // A: the node writes first, the hub later. B: the hub first, the node later.
            // Separate processes at least milliseconds apart: the later write has the later HLC.
            node.put("assessment_scores", [["unit": "SONDUONG", "year": 2023, "criterion": "C1.1", "self_note": "huyện sửa A"]])
            hub.put("assessment_scores", [["unit": "SONDUONG", "year": 2023, "criterion": "C1.1", "self_note": "Sở sửa A"]])
            hub.put("assessment_scores", [["unit": "SONDUONG", "year": 2023, "criterion": "C1.2", "self_note": "Sở sửa B"]])
            node.put("assessment_scores", [["unit": "SONDUONG", "year": 2023, "criterion": "C1.2", "self_note": "huyện sửa B"]])
            // Different fields of one row at the same time: both kept (hub-only appraisal, the unit's score).
            hub.put("assessment_scores", [["unit": "SONDUONG", "year": 2023, "criterion": "C1.2", "appraised_score": 0.75,
                                           "appraisal_note": "Thiếu tài liệu kiểm chứng"]])
            node.put("assessment_scores", [["unit": "SONDUONG", "year": 2023, "criterion": "C1.2", "self_score": 1.25]])

            let (result, report) = node.sync()
            #expect(report?["refused_changes"] as? Int == 0, "\(result)")
            node.sync()

            let hubReplica = try hub.openReplica(), nodeReplica = try node.openReplica()
            for replica in [hubReplica, nodeReplica] {
                let a = try #require(try replica.get("assessment_scores", key: "SONDUONG/2023/C1.1"))
                let b = try #require(try replica.get("assessment_scores", key: "SONDUONG/2023/C1.2"))
                #expect(a.values["self_note"] == .text("Sở sửa A"), "\(replica.unit): the hub's later write wins A")
                #expect(b.values["self_note"] == .text("huyện sửa B"), "\(replica.unit): the node's later write wins B")
                #expect(b.values["self_score"] == .real(1.25))
                #expect(b.values["appraised_score"] == .real(0.75))
                #expect(b.values["appraisal_note"] == .text("Thiếu tài liệu kiểm chứng"))
            }
            try expectNodeMatchesHub(node, hub)

            // The history, through `history --json`.
            let hubRun: ([String]) -> CommandResult = { hub.run($0) }
            let nodeRun: ([String]) -> CommandResult = { node.run($0) }
            func notes(_ run: ([String]) -> CommandResult, _ key: String) -> [[String: Any]] {
                historyLines(run, "assessment_scores", key).filter { $0["field"] as? String == "self_note" }
            }
            func versions(_ lines: [[String: Any]]) -> Set<String> {
                Set(lines.map { "\($0["hlc"] ?? "")@\($0["site"] ?? "")=\($0["new"] ?? "")" })
            }
            func entry(_ lines: [[String: Any]], _ value: String) -> [String: Any]? { lines.first { $0["new"] as? String == value } }
            func latest(_ lines: [[String: Any]]) -> String? {
                lines.max { hlcOrder($0).lexicographicallyPrecedes(hlcOrder($1)) }?["new"] as? String
            }

            // A (the node's write pushed, the hub's later write pulled): both versions on both sides, same stamps.
            let hubA = notes(hubRun, "SONDUONG/2023/C1.1"), nodeA = notes(nodeRun, "SONDUONG/2023/C1.1")
            for (side, lines) in [("hub", hubA), ("node", nodeA)] {
                let values = lines.compactMap { $0["new"] as? String }
                #expect(values.count == 3 && Set(values) == ["ban đầu A", "huyện sửa A", "Sở sửa A"], "\(side) history of A: \(values)")
                #expect(latest(lines) == "Sở sửa A", "\(side): the latest stamp is the current value")
            }
            #expect(versions(hubA) == versions(nodeA), "A: the same versions and stamps at hub and node")
            #expect(entry(hubA, "huyện sửa A")?["event"] as? String == "lost", "at the hub the node's earlier write arrived late: \(hubA)")
            #expect(entry(nodeA, "Sở sửa A")?["old"] as? String == "huyện sửa A", "at the node the hub's write replaced its own: \(nodeA)")

            // B (the hub's write first, the node's later): the hub holds both versions, the node's replaced the hub's.
            let hubB = notes(hubRun, "SONDUONG/2023/C1.2"), nodeB = notes(nodeRun, "SONDUONG/2023/C1.2")
            let valuesB = hubB.compactMap { $0["new"] as? String }
            #expect(valuesB.count == 3 && Set(valuesB) == ["ban đầu B", "Sở sửa B", "huyện sửa B"], "hub history of B: \(valuesB)")
            #expect(latest(hubB) == "huyện sửa B" && latest(nodeB) == "huyện sửa B")
            #expect(entry(hubB, "huyện sửa B")?["old"] as? String == "Sở sửa B", "\(hubB)")
            #expect(versions(nodeB).isSubset(of: versions(hubB)), "the node's versions of B, with the same stamps at the hub")
            // (Pulls carry current values only: the hub's write of B that lost is not in the node's history.)
        }

        /// Deletes and re-creates of shared rows (by the hub) and of a district's rows (by the
        /// district, with concurrent edits and deletes at the hub) end the same everywhere.
        @Test("deletes and re-creates across nodes and hub converge")
        func deletesAndRecreates() throws {
            let world = try World("delete")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let sd = try world.makeNode("SONDUONG", hub: hub)
            let ys = try world.makeNode("YENSON", hub: hub)
            Reference.seed(hub, districts: ["SONDUONG", "YENSON"])
            sd.put("initiatives", ["I1", "I2", "I3"].map { ["id": "SD-\($0)", "unit": "SONDUONG", "year": 2023, "title": "Sáng kiến \($0)"] })
            ys.put("initiatives", [["id": "YS-I1", "unit": "YENSON", "year": 2023, "title": "Sáng kiến Yên Sơn"]])
            for node in [sd, ys] { node.sync() }

            // Shared rows: the hub deletes DVC01 and DVC02, re-creates DVC02; YENSON syncs in between.
            hub.delete("services", "DVC01")
            hub.delete("services", "DVC02")
            ys.sync()
            #expect(try ys.openReplica().get("services", key: "DVC02") == nil, "YENSON saw the delete")
            hub.put("services", [["id": "DVC02", "number": 2, "name": "Đăng ký khai sinh trực tuyến"]])
            // DVC03: deleted, re-created, deleted again and re-created again before anyone syncs.
            hub.delete("services", "DVC03")
            hub.put("services", [["id": "DVC03", "number": 3, "name": "Lý lịch tư pháp (lần 2)"]])
            hub.delete("services", "DVC03")
            hub.put("services", [["id": "DVC03", "number": 3, "name": "Lý lịch tư pháp (lần 3)"]])

            // A district's rows. SD-I1: the hub edits the title while SONDUONG deletes it; then
            // SONDUONG re-creates it. SD-I2: deleted at both; SONDUONG re-creates it afterwards.
            // SD-I3: SONDUONG deletes it while the hub edits it; it stays deleted.
            hub.put("initiatives", [["id": "SD-I1", "title": "Sở sửa tên I1"]])
            sd.delete("initiatives", "SD-I1")
            hub.delete("initiatives", "SD-I2")
            sd.delete("initiatives", "SD-I2")
            sd.put("initiatives", [["id": "SD-I2", "unit": "SONDUONG", "year": 2024, "title": "I2 tạo lại"]])
            hub.put("initiatives", [["id": "SD-I3", "summary": "Sở bổ sung tóm tắt"]])
            sd.delete("initiatives", "SD-I3")
            sd.sync()
            #expect(try hub.openReplica().get("initiatives", key: "SD-I1") == nil, "the delete beats the edit it had not seen")
            sd.put("initiatives", [["id": "SD-I1", "unit": "SONDUONG", "year": 2024, "title": "I1 tạo lại"]])

            // YENSON deletes and re-creates its own row twice while offline.
            ys.delete("initiatives", "YS-I1")
            ys.put("initiatives", [["id": "YS-I1", "unit": "YENSON", "year": 2023, "title": "Yên Sơn lần 2"]])
            ys.delete("initiatives", "YS-I1")
            ys.put("initiatives", [["id": "YS-I1", "unit": "YENSON", "year": 2023, "title": "Yên Sơn lần 3"]])

            for _ in 0..<2 { for node in [sd, ys] { node.sync() } }

            let hubReplica = try hub.openReplica()
            for replica in [hubReplica, try sd.openReplica(), try ys.openReplica()] {
                let at = replica.unit
                #expect(try replica.get("services", key: "DVC01") == nil, "DVC01 deleted at \(at)")
                #expect(try replica.get("services", key: "DVC02")?.values["name"] == .text("Đăng ký khai sinh trực tuyến"), "DVC02 at \(at)")
                #expect(try replica.get("services", key: "DVC03")?.values["name"] == .text("Lý lịch tư pháp (lần 3)"), "DVC03 at \(at)")
                #expect(try replica.list("services").map(\.key) == ["DVC02", "DVC03"], "live services at \(at)")
            }
            for replica in [hubReplica, try sd.openReplica()] {
                let at = replica.unit
                let i1 = try replica.get("initiatives", key: "SD-I1")
                #expect(i1?.values["title"] == .text("I1 tạo lại") && i1?.values["year"] == .integer(2024), "SD-I1 re-created at \(at)")
                let i2 = try replica.get("initiatives", key: "SD-I2")
                #expect(i2?.values["title"] == .text("I2 tạo lại"), "SD-I2 re-created at \(at)")
                #expect(i2?.values["summary"] == nil, "no field of the earlier life at \(at)")
                #expect(try replica.get("initiatives", key: "SD-I3") == nil, "SD-I3 stays deleted at \(at)")
            }
            for replica in [hubReplica, try ys.openReplica()] {
                #expect(try replica.get("initiatives", key: "YS-I1")?.values["title"] == .text("Yên Sơn lần 3"), "YS-I1 at \(replica.unit)")
            }
            // Causal lengths tell the lives: the same at hub and nodes (the dumps carry them).
            let hubLines = try dumpLines(hub.replicaPath)
            #expect(hubLines.contains { $0.hasPrefix("services\tDVC03\tcl=5\t") }, "DVC03 in its fifth life")
            #expect(hubLines.contains { $0.hasPrefix("initiatives\tSD-I1\tcl=3\t") })
            #expect(hubLines.contains { $0.hasPrefix("initiatives\tSD-I3\tcl=2") })
            #expect(hubLines.contains { $0.hasPrefix("initiatives\tYS-I1\tcl=5\t") })
            try expectNodeMatchesHub(sd, hub)
            try expectNodeMatchesHub(ys, hub)
        }

        /// A district offline through thousands of changes (while the hub and another district go
        /// on) catches up in one `sync --once`, in many bounded push batches.
        @Test("a node offline through thousands of changes catches up in one sync")
        func offlineThroughThousandsOfChanges() throws {
            let world = try World("offline")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let sd = try world.makeNode("SONDUONG", hub: hub, batchChanges: 500)
            let ys = try world.makeNode("YENSON", hub: hub)
            Reference.seed(hub, districts: ["SONDUONG", "YENSON"])
            let synced = (0..<100).map { String(format: "SD-OLD-%03d", $0) }
            sd.put("initiatives", synced.map { ["id": $0, "unit": "SONDUONG", "year": 2022, "title": "Sáng kiến cũ \($0)"] })
            for node in [sd, ys] { Reference.ownData(node); node.sync() }

            // Offline: 4,000 initiatives in two puts, 1,000 of them edited, 25 older ones deleted; progress on its task.
            let total = 4_000
            let deleted = stride(from: 0, to: synced.count, by: 4).map { synced[$0] }
            for half in 0..<2 {
                sd.put("initiatives", (half * total / 2..<(half + 1) * total / 2).map { i in
                    ["id": String(format: "SD-%05d", i), "unit": "SONDUONG", "year": 2020 + i % 4, "title": "Sáng kiến số \(i) của Sơn Dương"]
                })
            }
            sd.put("initiatives", stride(from: 0, to: total, by: 4).map { ["id": String(format: "SD-%05d", $0), "summary": "Đã cập nhật \($0)"] })
            for key in deleted { sd.delete("initiatives", key) }
            sd.put("tasks", [["id": Reference.taskID("SONDUONG"), "progress_percent": 65]])
            let live = total + synced.count - deleted.count + 1
            #expect(try sd.openReplica().liveCount("initiatives") == live)

            // Meanwhile the province goes on.
            hub.put("services", (4...60).map { ["id": String(format: "DVC%02d", $0), "number": $0, "name": "Dịch vụ công số \($0)"] })
            hub.put("tasks", [["id": Reference.taskID("SONDUONG"), "deadline": "2024-06-30", "target": "Toàn trình 80%"]])
            ys.put("initiatives", [["id": "YS-2024", "unit": "YENSON", "year": 2024, "title": "Yên Sơn 2024"]])
            ys.sync()

            // Back online: one round brings everything.
            let (result, report) = sd.sync()
            let pushed = try #require(report?["pushed_changes"] as? Int, "\(result)")
            let batches = try #require(report?["push_batches"] as? Int)
            // Only the current state travels: the new rows (a marker and 3 fields), 1,000 summaries,
            // the deletes (a marker each), the task's progress.
            #expect(pushed == total * 4 + 1_000 + deleted.count + 1, "\(String(describing: report))")
            #expect(batches >= pushed / 505, "batches of at most 500 changes (plus the rest of one row): \(pushed) in \(batches)")
            #expect(batches >= 30, "many batches, not one: \(batches)")
            #expect(report?["pending_changes"] as? Int == 0)
            #expect(report?["refused_changes"] as? Int == 0)
            ys.sync()

            let hubReplica = try hub.openReplica()
            #expect(try hubReplica.liveCount("initiatives") == live + 2)
            #expect(try hubReplica.deletedCount("initiatives") == deleted.count)
            #expect(try hubReplica.get("initiatives", key: "SD-OLD-004") == nil)
            #expect(try hubReplica.get("initiatives", key: "SD-OLD-005")?.values["title"] == .text("Sáng kiến cũ SD-OLD-005"))
            #expect(try hubReplica.get("initiatives", key: "SD-00004")?.values["summary"] == .text("Đã cập nhật 4"))
            #expect(try hubReplica.get("initiatives", key: "SD-03999")?.values["title"] == .text("Sáng kiến số 3999 của Sơn Dương"))
            let task = try #require(try hubReplica.get("tasks", key: Reference.taskID("SONDUONG")))
            #expect(task.values["progress_percent"] == .real(65) && task.values["target"] == .text("Toàn trình 80%"))
            #expect(try sd.openReplica().liveCount("services") == 60)
            try expectNodeMatchesHub(sd, hub)
            try expectNodeMatchesHub(ys, hub)
        }
    }
}

/// Orders `history --json` lines by their HLC ("millis.counter").
func hlcOrder(_ line: [String: Any]) -> [Int] {
    ((line["hlc"] as? String) ?? "").split(separator: ".").map { Int($0) ?? 0 }
}
