import CRDT
import Foundation
import GRDB
import ReformData
import Replica
import Testing

/// A node judges its own writes by the hub's write policy (`WritePolicy`, the function the hub
/// runs on every push): what the hub would refuse for a reason the node can know is refused at
/// once, with the hub's code, and nothing is stored (issue 15). The same writes at the hub's
/// replica are stored, and the same changes pushed from a node that did not check get the same
/// code from the hub's policy.
@Suite("a node refuses locally what the hub would refuse")
struct LocalPolicyTests {
    /// A node of SONDUONG holding what the hub sends it: units, one YENSON initiative (as if
    /// assigned), and its own initiative.
    func node() throws -> (node: Replica, hub: Replica) {
        let hub = try memoryReplica(unit: "SNV", role: .hub)
        try hub.put("units", json: ["id": .string("SONDUONG"), "name": .string("UBND huyện Sơn Dương"), "group": .string("district")])
        try hub.put("units", json: ["id": .string("YENSON"), "name": .string("UBND huyện Yên Sơn"), "group": .string("district")])
        try hub.put("initiatives", json: ["id": .string("YS-1"), "unit": .string("YENSON"), "year": .integer(2023), "title": .string("Của Yên Sơn")])
        let node = try memoryReplica(unit: "SONDUONG", role: .node)
        try node.apply(try hub.changes(after: .start).changes)
        return (node, hub)
    }

    @Test("hub-only fields, other units' records, bad values: refused with the hub's code, nothing stored")
    func refusedWithTheHubsCode() throws {
        let (node, hub) = try node()
        let cases: [(String, String, [String: JSONValue], String)] = [
            ("a hub-only field of a stored record", "units", ["id": .string("SONDUONG"), "name": .string("Tên tự đặt")], "hub_only"),
            ("a record of a hub-written table", "units", ["id": .string("SONDUONG-MOI"), "name": .string("Huyện mới"), "group": .string("district")], "hub_only"),
            ("another unit's new record", "initiatives", ["id": .string("YS-X"), "unit": .string("YENSON"), "year": .integer(2023), "title": .string("x")], "not_owner"),
            ("another unit's stored record", "initiatives", ["id": .string("YS-1"), "title": .string("Sửa hộ")], "not_owner"),
            ("a hub-only field in the unit's own new score", "assessment_scores",
             ["unit": .string("SONDUONG"), "year": .integer(2023), "criterion": .string("C1.1"), "self_score": .double(1.5), "appraised_score": .double(2)], "hub_only"),
        ]
        for (name, table, json, code) in cases {
            let before = try node.canonicalDump()
            let version = try node.currentVersion()
            do {
                try node.put(table, json: json)
                Issue.record("\(name): stored, but the hub refuses it \(code)")
            } catch let ReplicaError.refused(_, _, _, refusal, reason) {
                #expect(refusal == code, "\(name): \(reason)")
            }
            #expect(try node.canonicalDump() == before, "\(name): nothing stored")
            #expect(try node.currentVersion() == version, "\(name): no version taken")
            // The same write made by a node that does not check: the hub's policy gives the same code.
            let unchecked = try memoryReplica(unit: "SONDUONG", role: .hub)
            try unchecked.apply(try hub.changes(after: .start).changes)
            let changes = try unchecked.put(table, json: json)
            let stored = try hub.writer.read { db in try hub.rowState(changes[0].table, key: changes[0].key, db) }
            let verdicts = WritePolicy(schema: hub.schema, maxClockSkewMillis: 300_000)
                .check(changes, from: "SONDUONG", storedOwner: stored?.owner, storedRow: stored?.state, nowMillis: changes[0].hlc.millis)
            let codes = verdicts.compactMap { verdict in verdict.map(\.code) }
            #expect(codes.contains(code), "\(name): the hub's policy says \(verdicts)")
        }
        // Deleting another unit's record, or a hub record.
        #expect(throws: ReplicaError.self) { try node.delete("initiatives", key: "YS-1") }
        #expect(throws: ReplicaError.self) { try node.delete("units", key: "YENSON") }
    }

    @Test("the unit's own records are written as before; the hub's replica writes anything")
    func ownWritesAndTheHub() throws {
        let (node, hub) = try node()
        try node.put("initiatives", json: ["id": .string("SD-1"), "unit": .string("SONDUONG"), "year": .integer(2023), "title": .string("Một cửa")])
        try node.put("initiatives", json: ["id": .string("SD-1"), "title": .string("Một cửa điện tử")])
        try node.put("assessment_scores", json: ["unit": .string("SONDUONG"), "year": .integer(2023), "criterion": .string("C1.1"), "self_score": .double(1.5)])
        try node.delete("initiatives", key: "SD-1")
        try hub.put("units", json: ["id": .string("SONDUONG"), "name": .string("Tên mới do Sở Nội vụ đặt")])
        try hub.put("initiatives", json: ["id": .string("YS-1"), "title": .string("Sở Nội vụ sửa")])
        #expect(try hub.get("units", key: "SONDUONG")?.values["name"] == .text("Tên mới do Sở Nội vụ đặt"))
    }
}
