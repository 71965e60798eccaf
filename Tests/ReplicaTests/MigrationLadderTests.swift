import CRDT
import Foundation
import GRDB
import ReformData
import Testing
@testable import Replica

/// The replica's own tables climb GRDB's `DatabaseMigrator` ladder (Protocol/README.md §19.1),
/// including files made before the ladder existed.
@Suite struct MigrationLadderTests {
    /// `Tests/Fixtures/replica-main-bc6e65f.sqlite`: a node replica for SONDUONG made by the
    /// release before the ladder (main at bc6e65f: `reformsync init`, then `record put
    /// initiatives` SD-2024-1 and SD-2024-2, then `record delete initiatives SD-2024-2`).
    static let beforeLadder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/replica-main-bc6e65f.sqlite")

    func copyOfOldFile(_ dir: TemporaryDirectory) throws -> String {
        let path = dir.path("replica.sqlite")
        try FileManager.default.copyItem(atPath: Self.beforeLadder.path, toPath: path)
        return path
    }

    @Test func aFileMadeBeforeTheLadderOpensUpgradesAndKeepsEverything() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = try copyOfOldFile(dir)
        let before = try DatabaseQueue(path: path).read { db in try db.tableExists("grdb_migrations") }
        #expect(!before)

        let replica = try Replica.open(path: path)
        #expect(replica.unit == "SONDUONG")
        #expect(try replica.get("initiatives", key: "SD-2024-1")?.values["title"] == .text("Một cửa số"))
        #expect(try replica.get("initiatives", key: "SD-2024-2") == nil)  // the delete stays a delete
        #expect(try replica.history("initiatives", key: "SD-2024-2").count >= 4)
        let applied = try replica.writer.read { db in try Migrations.ladder.appliedIdentifiers(db) }
        #expect(applied == Set(Migrations.ladder.migrations))
        // The upgraded file still takes writes, in the sync bookkeeping too.
        _ = try replica.put("initiatives", json: ["id": .string("SD-2025-1"), "unit": .string("SONDUONG"),
                                                  "year": .integer(2025), "title": .string("Sau nâng cấp")])
        try replica.setMeta(["probe": "1"])
        let reopened = try Replica.open(path: path)
        #expect(try reopened.get("initiatives", key: "SD-2025-1") != nil)
        #expect(try reopened.meta("probe") == "1")
    }

    @Test func aNewReplicaRecordsEveryStep() throws {
        let replica = try Replica.create(writer: DatabaseQueue(), unit: "SONDUONG")
        let state = try replica.writer.read { db in try Migrations.ladderState(db) }
        guard case .current = state else { Issue.record("ladder not complete on a new replica: \(state)"); return }
        let columns = try replica.writer.read { db in try db.columns(in: "_rs_sites").map(\.name) }
        #expect(columns.contains("relay"))
    }

    @Test func aFileUpgradedByANewerReleaseIsRefusedUntouched() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.path("replica.sqlite")
        _ = try Replica.create(path: path, unit: "SONDUONG")
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('999-from-the-future')")
        }
        #expect(throws: ReplicaError.formatTooNew(path: path, steps: ["999-from-the-future"])) { try Replica.open(path: path) }
        let message = ReplicaError.formatTooNew(path: path, steps: ["999-from-the-future"]).description
        #expect(message.contains("newer reformsync") && message.contains(path))
    }

    @Test func aCreateCutAfterTheLadderCanBeCompleted() throws {
        let queue = try DatabaseQueue()
        try Migrations.climb(queue)  // the ladder ran, the identity row never came
        #expect(throws: ReplicaError.notInitialized(path: "in-memory")) {
            try Replica(writer: queue, schema: ReformSchema.v1, location: "in-memory", wallClock: Replica.systemMillis)
        }
        let replica = try Replica.create(writer: queue, unit: "SONDUONG")
        #expect(replica.unit == "SONDUONG")
    }
}

extension MigrationLadderTests {
    /// Two builds that each called their schema "version 2" with different tables (branches
    /// merged later): the file is completed on open instead of failing at the first query.
    @Test func aFileOfTheSameVersionNumberMissingATableIsCompleted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.path("replica.sqlite")
        var tables = ReformSchema.v1.tables
        tables.removeAll { $0.name == "unit_successions" }
        _ = try Replica.create(path: path, unit: "SONDUONG", schema: Schema(version: ReformSchema.version, tables: tables))
        let replica = try Replica.open(path: path)
        _ = try replica.put("initiatives", json: ["id": .string("SK-1"), "unit": .string("SONDUONG"), "year": .integer(2025), "title": .string("A")])
        #expect(try replica.writer.read { db in try db.tableExists("unit_successions") })
        #expect(try replica.list("unit_successions").isEmpty)
    }
}
