import CRDT
import Foundation
import GRDB
import ReformData
import Replica
import Testing

extension EndToEnd {
    /// Protocol/README.md §19.2 with real processes: the hub compacts below what its active nodes
    /// acknowledged; a node away longer than the retention, holding an edit of a row the hub
    /// deleted meanwhile, is refused and starts again from a snapshot — the delete never comes back.
    @Test func aNodeAwayLongerThanTheRetentionGetsASnapshotAndNoDeleteComesBack() throws {
        let world = try World("compact")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        hub.put("units", Reference.units(["SNV", "SONDUONG", "YENSON"]))
        let away = try world.makeNode("SONDUONG", hub: hub)
        let active = try world.makeNode("YENSON", hub: hub)
        away.put("initiatives", [["id": "SK-GONE", "unit": "SONDUONG", "year": 2024, "title": "Sẽ bị xoá"],
                                 ["id": "SK-KEPT", "unit": "SONDUONG", "year": 2024, "title": "Còn lại"]])
        away.sync()
        active.sync()
        let oldSite = try away.openReplica().site.rawValue

        // The hub deletes the row; the node that owns it is away, and edits it there.
        hub.delete("initiatives", "SK-GONE")
        away.put("initiatives", [["id": "SK-GONE", "title": "Sửa khi mất kết nối"]])
        active.put("initiatives", [["id": "SK-YS", "unit": "YENSON", "year": 2024, "title": "Sáng kiến"]])
        active.sync()
        active.sync()  // its pull cursor, now past the delete, is what it acknowledges
        // Months pass for the away node: its last contact moved back in the hub's registry.
        try DatabaseQueue(path: hub.replicaPath).write { db in
            try db.execute(sql: "UPDATE _hub_nodes SET last_handshake_at = '2025-01-01T00:00:00Z', last_push_at = '2025-01-01T00:00:00Z', last_pull_at = '2025-01-01T00:00:00Z' WHERE site = ?",
                           arguments: [oldSite])
        }

        let dry = hub.run(["compact"])
        #expect(dry.code == 0 && dry.stdout.contains("would remove (dry run") && dry.stdout.contains("away longer than the retention"), "\(dry)")
        #expect(try hub.openReplica().writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM initiatives WHERE id = 'SK-GONE'") } == 1)
        let applied = hub.run(["compact", "--apply", "--vacuum", "--json"])
        try #require(applied.code == 0, "\(applied)")
        let outcome = try #require(parseJSON(applied.stdout) as? [String: Any])
        #expect((outcome["report"] as? [String: Any])?["tombstones"] as? Int == 1, "\(applied.stdout)")
        func hubHasRow() throws -> Bool {
            try hub.openReplica().writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM initiatives WHERE id = 'SK-GONE'") } == 1
        }
        #expect(try !hubHasRow())

        // Its changes carried on a USB stick are refused the same way.
        let file = world.path("away.changes.json")
        #expect(away.run(["export-changes", file]).code == 0)
        let carried = hub.run(["import-changes", file])
        #expect(carried.code != 0 && carried.stderr.contains("init --from-hub --replace") && carried.stderr.contains("nothing was imported"), "\(carried)")
        #expect(try !hubHasRow(), "the deleted row came back at the hub through a file")

        // The node comes back: refused before anything is merged.
        let back = away.sync(expectSuccess: false)
        #expect(back.result.code != 0 && back.result.stderr.contains("snapshot_required") && back.result.stderr.contains("init --from-hub --replace"),
                "\(back.result)")
        #expect(try !hubHasRow(), "the deleted row came back at the hub")
        #expect(try hub.openReplica().get("initiatives", key: "SK-GONE") == nil)

        // It starts again from the snapshot: the delete stays a delete everywhere.
        let again = away.run(["init", "--from-hub", "--replace"])
        try #require(again.code == 0, "\(again)")
        #expect(again.stdout.contains("before-snapshot-"), "\(again.stdout)")
        let fresh = try away.openReplica()
        #expect(try fresh.get("initiatives", key: "SK-GONE") == nil && fresh.get("initiatives", key: "SK-KEPT") != nil)
        away.sync()
        active.sync()
        #expect(try !hubHasRow())
        #expect(try record(try active.openReplica(), "initiatives", "SK-YS") != nil)
        // A node that stayed in touch never noticed.
        #expect(try record(try hub.openReplica(), "initiatives", "SK-KEPT") != nil)
    }
}
