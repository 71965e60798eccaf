import Foundation
import Replica
import Testing

extension EndToEnd {
    /// The operator's path on a new hub: load the province's reference files while the hub runs,
    /// issue a node token for a loaded unit, and the node receives the reference data by sync.
    @Suite("a hub's first set-up")
    struct FirstSetUp {
        static let set2026 = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/reference/2026").path

        @Test("reference data loaded at a running hub reaches a commune's node at its next sync")
        func loadIssueSync() throws {
            let world = try World("setup")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()

            let refused = hub.run(["hub", "token", "create", "--unit", "XA_SONDUONG"])
            #expect(refused.code == 2 && refused.stderr.contains("does not exist at this hub"), "\(refused)")

            let load = hub.run(["hub", "load", Self.set2026])
            #expect(load.code == 0, "\(load)")
            #expect(load.stdout.contains("the nodes receive them at their next sync"), "\(load)")

            let issued = hub.run(["hub", "token", "create", "--unit", "XA_SONDUONG"])
            try #require(issued.code == 0, "\(issued)")
            let node = NodeHandle(world: world, unit: "XA_SONDUONG", token: issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                                  hubURL: hub.url, batchChanges: nil, extraConfig: "")
            let created = world.run(["init", "--data-dir", node.dataDirectory, "--unit", "XA_SONDUONG"])
            try #require(created.code == 0, "\(created)")
            node.writeConfig()
            let first = node.sync()
            #expect(first.report?["pulled_changes"] as? Int ?? 0 > 0, "\(String(describing: first.report))")

            let replica = try node.openReplica()
            #expect(try replica.list("units").count == 43)
            #expect(try replica.list("criteria").count == 63)
            #expect(try replica.list("services").count == 25)
            #expect(try replica.get("units", key: "XA_SONDUONG")?.values["group"] == .text("commune"))
            #expect(try replica.get("units", key: "SONDUONG")?.values["valid_to"] == .text("2025-06-30"))
            #expect(try replica.get("criteria", key: "TQ2026-2.2")?.values["applies_to"] == .text("commune"))

            // Loading again while the node is in sync: nothing new to pull.
            #expect(hub.run(["hub", "load", Self.set2026]).stdout.contains("0 changes"))
            let again = node.sync()
            #expect(again.report?["pulled_changes"] as? Int == 0, "\(String(describing: again.report))")
        }
    }
}
