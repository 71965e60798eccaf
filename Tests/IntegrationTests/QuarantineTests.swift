import CRDT
import Foundation
import Replica
import Testing

extension EndToEnd {
    @Suite("quarantine retry and discard")
    struct QuarantineResolution {
        /// Refused changes can be sent again (and come back with the hub's reason) or discarded
        /// (the node's record goes back to what the hub holds, the refused value stays in the
        /// history); the status is healthy again once the quarantine is empty.
        @Test("retry sends refused changes again; discard puts the node back as the hub has it")
        func retryAndDiscard() throws {
            let world = try World("quarantine")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let node = try world.makeNode("SONDUONG", hub: hub)
            Reference.seed(hub, districts: ["SONDUONG", "YENSON"])
            node.sync()
            let hubName = try #require(try node.openReplica().get("units", key: "SONDUONG")?.values["name"])

            // A hub-only field of an existing record, and a record of another unit.
            node.put("units", [["id": "SONDUONG", "name": "Tên tự đặt", "group": "district"]])
            node.put("initiatives", [["id": "YS-X", "unit": "YENSON", "year": 2023, "title": "Không phải của mình"]])
            #expect(node.sync(expectSuccess: false).result.code == 1)
            let listed = node.run(["quarantine", "list", "--json"])
            let items = (parseJSON(listed.stdout) as? [[String: Any]]) ?? []
            #expect(items.count == 5, "units.name, and YS-X's marker and 3 fields: \(listed)")
            let nameEntry = try #require(items.first { $0["table"] as? String == "units" }?["id"] as? Int, "\(listed)")
            #expect(node.run(["quarantine", "list"]).stdout.contains("#\(nameEntry) "), "the table shows the entry numbers")

            // Retry: sent again at the next sync, refused again, back in the quarantine.
            let retried = node.run(["quarantine", "retry", "--all"])
            #expect(retried.code == 0 && retried.stdout.contains("5 refused change(s)"), "\(retried)")
            #expect(try node.openReplica().quarantineCount() == 0)
            let again = node.sync(expectSuccess: false)
            #expect(again.report?["pushedChanges"] as? Int == 5, "the retried changes were sent: \(again.result)")
            #expect(again.report?["refusedChanges"] as? Int == 5, "\(again.result)")
            #expect(try node.openReplica().quarantineCount() == 5)

            // Discard one entry: the unit's name is the hub's again, the refused name stays in the history.
            let entries = (parseJSON(node.run(["quarantine", "list", "--json"]).stdout) as? [[String: Any]]) ?? []
            let renewed = try #require(entries.first { $0["table"] as? String == "units" }?["id"] as? Int)
            let discarded = node.run(["quarantine", "discard", String(renewed)])
            #expect(discarded.code == 0, "\(discarded)")
            let replica = try node.openReplica()
            #expect(try replica.get("units", key: "SONDUONG")?.values["name"] == hubName)
            #expect(try replica.history("units", key: "SONDUONG").contains { $0.fate == .discarded && $0.value == .text("Tên tự đặt") })
            #expect(try replica.quarantineCount() == 4, "the other record's entries stay")

            // Discard the rest: the refused new record is gone from the node; nothing is pending or refused.
            #expect(node.run(["quarantine", "discard", "--all"]).code == 0)
            #expect(try replica.get("initiatives", key: "YS-X") == nil)
            #expect(try replica.quarantineCount() == 0)
            let clean = node.sync()
            #expect(clean.report?["pushedChanges"] as? Int == 0 && clean.report?["refusedChanges"] as? Int == 0, "\(clean.result)")
            let status = parseJSON(node.run(["status", "--json"]).stdout) as? [String: Any]
            #expect((status?["problems"] as? [String])?.contains { $0.contains("quarantine") } == false, "\(String(describing: status))")
            // The node and the hub agree on the unit again.
            #expect(try hub.openReplica().get("units", key: "SONDUONG")?.values["name"] == hubName)

            // Bad selections are refused with exit 2.
            #expect(node.run(["quarantine", "retry"]).code == 2)
            #expect(node.run(["quarantine", "discard", "0"]).code == 2)
            let unknown = node.run(["quarantine", "discard", "999"])
            #expect(unknown.code == 1 && unknown.stderr.contains("999"), "\(unknown)")
        }
    }
}
