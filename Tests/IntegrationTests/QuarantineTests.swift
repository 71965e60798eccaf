import CRDT
import Foundation
import Replica
import Testing

extension EndToEnd {
    @Suite("quarantine retry and discard")
    struct QuarantineResolution {
        /// Refused changes can be sent again (and come back with the hub's reason) or discarded
        /// (the node's record goes back to what it was, the refused value stays in the history);
        /// the status is healthy again once the quarantine is empty. The refusals are ones only the
        /// hub can judge (a node refuses the others itself): a record the hub handed to another
        /// unit, and a key another unit already holds there.
        @Test("retry sends refused changes again; discard puts the node back as it was")
        func retryAndDiscard() throws {
            let world = try World("quarantine")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let node = try world.makeNode("SONDUONG", hub: hub)
            Reference.seed(hub, districts: ["SONDUONG", "YENSON"])
            node.put("initiatives", [["id": "SD-1", "unit": "SONDUONG", "year": 2023, "title": "Ban đầu"]])
            node.sync()

            // The hub hands SD-1 to Yên Sơn, and Yên Sơn holds SD-9; Sơn Dương's node sees neither.
            hub.put("initiatives", [["id": "SD-1", "unit": "YENSON"], ["id": "SD-9", "unit": "YENSON", "year": 2023, "title": "Của Yên Sơn"]])
            node.put("initiatives", [["id": "SD-1", "title": "Sửa sau khi đã chuyển"]])
            node.put("initiatives", [["id": "SD-9", "unit": "SONDUONG", "year": 2023, "title": "Trùng mã"]])
            #expect(node.sync(expectSuccess: false).result.code == 1)
            let listed = node.run(["quarantine", "list", "--json"])
            let items = (parseJSON(listed.stdout) as? [[String: Any]]) ?? []
            #expect(items.count == 5, "SD-1's title, and SD-9's marker and 3 fields: \(listed)")
            #expect(items.allSatisfy { $0["code"] as? String == "not_owner" }, "\(listed)")
            let titleEntry = try #require(items.first { $0["key"] as? String == "SD-1" }?["id"] as? Int, "\(listed)")
            #expect(node.run(["quarantine", "list"]).stdout.contains("#\(titleEntry) "), "the table shows the entry numbers")

            // Retry: sent again at the next sync, refused again, back in the quarantine.
            let retried = node.run(["quarantine", "retry", "--all"])
            #expect(retried.code == 0 && retried.stdout.contains("5 refused change(s)"), "\(retried)")
            #expect(try node.openReplica().quarantineCount() == 0)
            let again = node.sync(expectSuccess: false)
            #expect(again.report?["pushed_changes"] as? Int == 5, "the retried changes were sent: \(again.result)")
            #expect(again.report?["refused_changes"] as? Int == 5, "\(again.result)")
            #expect(try node.openReplica().quarantineCount() == 5)

            // Discard SD-1's entry: its title is what it was, the refused title stays in the history.
            let entries = (parseJSON(node.run(["quarantine", "list", "--json"]).stdout) as? [[String: Any]]) ?? []
            let renewed = try #require(entries.first { $0["key"] as? String == "SD-1" }?["id"] as? Int)
            let discarded = node.run(["quarantine", "discard", String(renewed)])
            #expect(discarded.code == 0, "\(discarded)")
            let replica = try node.openReplica()
            #expect(try replica.get("initiatives", key: "SD-1")?.values["title"] == .text("Ban đầu"))
            #expect(try replica.history("initiatives", key: "SD-1").contains { $0.fate == .discarded && $0.value == .text("Sửa sau khi đã chuyển") })
            #expect(try replica.quarantineCount() == 4, "the other record's entries stay")

            // Discard the rest: the refused new record is gone from the node; nothing is pending or refused.
            #expect(node.run(["quarantine", "discard", "--all"]).code == 0)
            #expect(try replica.get("initiatives", key: "SD-9") == nil)
            #expect(try replica.quarantineCount() == 0)
            let clean = node.sync()
            #expect(clean.report?["pushed_changes"] as? Int == 0 && clean.report?["refused_changes"] as? Int == 0, "\(clean.result)")
            let status = parseJSON(node.run(["status", "--json"]).stdout) as? [String: Any]
            #expect((status?["problems"] as? [String])?.contains { $0.contains("quarantine") } == false, "\(String(describing: status))")
            // The hub's records are untouched by all this.
            let hubReplica = try hub.openReplica()
            #expect(try hubReplica.get("initiatives", key: "SD-1")?.values["title"] == .text("Ban đầu"))
            #expect(try hubReplica.get("initiatives", key: "SD-9")?.values["title"] == .text("Của Yên Sơn"))

            // Bad selections are refused with exit 2.
            #expect(node.run(["quarantine", "retry"]).code == 2)
            #expect(node.run(["quarantine", "discard", "0"]).code == 2)
            let unknown = node.run(["quarantine", "discard", "999"])
            #expect(unknown.code == 1 && unknown.stderr.contains("999"), "\(unknown)")
        }
    }
}
