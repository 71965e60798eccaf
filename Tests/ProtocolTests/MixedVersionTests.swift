import CRDT
import Foundation
import GRDB
import Hub
import HubClient
import Logging
import NodeSync
import ReformData
import Replica
import Testing
import WireProtocol

/// Protocol/README.md §19.1 with two (and three) schema builds in one test run: the schema of the
/// release before (``SchemaV1Fixture``), today's (``ReformSchema/v1``, version 2) and a future one
/// made here (a table, a field and an allowed value more). Real hub, real HTTP, real files.
@Suite("mixed schema versions between hub and nodes", .serialized)
struct MixedVersionTests {
    /// Today's schema plus what a next release might add: a field, an allowed value, a table.
    static let future: Schema = {
        var tables = ReformSchema.v1.tables
        let index = tables.firstIndex { $0.name == "initiatives" }!
        tables[index].columns.append(ColumnSchema("budget", .real, range: 0...1e12, doc: "Kinh phí (đồng)").since(3))
        let status = tables[index].columnIndex("status")!
        tables[index].columns[status].allowedValues = ["proposed", "withdrawn", "piloted"]
        tables.append(TableSchema("pilot_programs", doc: "A unit's pilot of an initiative.", owner: "unit", rowWriter: .owner,
                                  readScope: .owner, columns: [
                                      ColumnSchema("unit", .text, required: true, references: "units"),
                                      ColumnSchema("title", .text, required: true),
                                  ]).since(3))
        return Schema(version: 3, tables: tables)
    }()

    static var quiet: Logger {
        var logger = Logger(label: "mixed-version-tests")
        logger.logLevel = .critical
        return logger
    }

    /// Runs `body` with the hub of `replica` serving on 127.0.0.1, and a client factory per token.
    static func serving<T: Sendable>(_ replica: Replica, _ body: @Sendable (HubService, @Sendable (String) throws -> HubHTTPClient) async throws -> T) async throws -> T {
        let service = try HubService(replica: replica, logger: quiet)
        let (ports, sink) = AsyncStream<Int>.makeStream()
        let application = HubServer.application(service: service, host: "127.0.0.1", port: 0, logger: quiet, onListening: { port in
            sink.yield(port)
            sink.finish()
        })
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw VectorFileError("the hub did not start") }
            defer { group.cancelAll() }
            return try await body(service) { token in
                try HubHTTPClient(configuration: HubClientConfiguration(baseURL: "http://127.0.0.1:\(port)", bearerToken: token, connectTimeout: 5,
                                                                        totalTimeout: 30, userAgent: "mixed-version-tests", retry: .none),
                                  logger: quiet)
            }
        }
    }

    static func round(_ replica: Replica, _ client: HubHTTPClient) async throws -> SyncReport {
        try await SyncSession(replica: replica, client: client, logger: quiet).runOnce()
    }

    static func tableExists(_ replica: Replica, _ name: String) throws -> Bool {
        try replica.writer.read { db in try db.tableExists(name) }
    }

    @Test func theOlderSchemaIsTodaysDeclarationNarrowed() throws {
        #expect(ReformSchema.v1.versionsAreAppended && Self.future.versionsAreAppended)
        let derived = ReformSchema.v1.asOf(version: 1)
        let fixture = SchemaV1Fixture.schema
        #expect(derived.version == 1 && derived.tableNames == fixture.tableNames)
        for table in fixture.tables {
            let mine = try #require(derived.table(table.name))
            #expect(mine.columnNames == table.columnNames, "\(table.name)")
            #expect(mine.columns.map(\.type) == table.columns.map(\.type) && mine.keyColumns == table.keyColumns
                    && mine.ownerColumn == table.ownerColumn && mine.readScope == table.readScope, "\(table.name)")
        }
        var required = Self.future.tables
        required[required.firstIndex { $0.name == "initiatives" }!].columns.append(ColumnSchema("owner_note", .text, required: true).since(3))
        #expect(!Schema(version: 3, tables: required).versionsAreAppended, "a required field added to an existing table")
        #expect(Self.future.asOf(version: 2).tableNames == ReformSchema.v1.tableNames)
        #expect(Self.future.asOf(version: 2).table("initiatives")?.columnNames == ReformSchema.v1.table("initiatives")?.columnNames)
    }

    @Test func anOlderNodeSyncsWhatItCanStoreAndGetsTheRestOnceUpgraded() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-mixed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let hub = try Replica.create(path: dir + "/hub.sqlite", unit: "SNV", role: .hub)
        try hub.put("units", json: ["id": .string("SONDUONG"), "name": .string("UBND huyện Sơn Dương"), "group": .string("district")])
        try hub.put("units", json: ["id": .string("XA-SONDUONG"), "name": .string("UBND xã Sơn Dương"), "group": .string("commune")])
        // A new methodology year with its own criteria tree is data: every schema carries it.
        try hub.put("methodologies", json: ["id": .string("M2026"), "name": .string("Bộ chỉ số 2026"), "first_year": .integer(2026)])
        try hub.put("criteria", json: ["id": .string("M2026-1"), "methodology": .string("M2026"), "level": .string("criterion"),
                                       "code": .string("1"), "name": .string("Chính quyền số"), "max_points": .double(12)])
        try hub.put("unit_successions", json: ["id": .string("SONDUONG>XA-SONDUONG"), "predecessor": .string("SONDUONG"),
                                               "successor": .string("XA-SONDUONG"), "kind": .string("split_from"), "effective_on": .string("2025-07-01")])
        let oldPath = dir + "/old.sqlite"
        let old = try Replica.create(path: oldPath, unit: "SONDUONG", schema: SchemaV1Fixture.schema)
        _ = try old.put("initiatives", json: ["id": .string("SK-1"), "unit": .string("SONDUONG"), "year": .integer(2025), "title": .string("Một cửa số")])

        try await Self.serving(hub) { service, client in
            let token = try service.tokens.create(unit: "SONDUONG").token
            let report = try await Self.round(old, try client(token))
            #expect(report.refusedChanges == 0 && report.inSync)
            #expect(try hub.get("initiatives", key: "SK-1") != nil)
            #expect(try old.get("criteria", key: "M2026-1") != nil)
            #expect(try !Self.tableExists(old, "unit_successions"))  // kept at the hub for it
            #expect(try await service.nodes.nodes().count == 1)

            // The node is upgraded: same file, today's schema. It pulls again and gets what was kept.
            let upgraded = try Replica.open(path: oldPath)
            #expect(upgraded.schema.version == ReformSchema.version)
            let again = try await Self.round(upgraded, try client(token))
            #expect(again.refusedChanges == 0)
            #expect(try upgraded.get("unit_successions", key: "SONDUONG>XA-SONDUONG")?.values["kind"] == .text("split_from"))
            #expect(try upgraded.get("initiatives", key: "SK-1") != nil && hub.get("initiatives", key: "SK-1") != nil)
        }
    }

    @Test func aNewerNodesExtraFieldsWaitForTheHubsUpgradeAndATooOldNodeIsToldToUpgrade() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-mixed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let hubPath = dir + "/hub.sqlite"
        let hub = try Replica.create(path: hubPath, unit: "SNV", role: .hub)
        try hub.put("units", json: ["id": .string("SONDUONG"), "name": .string("UBND huyện Sơn Dương"), "group": .string("district")])
        let newer = try Replica.create(path: dir + "/newer.sqlite", unit: "SONDUONG", schema: Self.future)
        _ = try newer.put("initiatives", json: ["id": .string("SK-3"), "unit": .string("SONDUONG"), "year": .integer(2026),
                                                "title": .string("Thí điểm"), "status": .string("piloted"), "budget": .double(250_000_000)])
        _ = try newer.put("pilot_programs", json: ["id": .string("P-1"), "unit": .string("SONDUONG"), "title": .string("Thí điểm một cửa")])
        let today = try Replica.create(path: dir + "/today.sqlite", unit: "SONDUONG", schema: ReformSchema.v1)
        let tokens = try await Self.serving(hub) { service, client -> (String, String) in
            let newerToken = try service.tokens.create(unit: "SONDUONG").token
            let todayToken = try service.tokens.create(unit: "SONDUONG").token
            // The hub (schema 2) takes what it knows — the new allowed value too — and refuses the rest, kept at the node.
            let report = try await Self.round(newer, try client(newerToken))
            #expect(report.refusedChanges == 5, "status piloted, budget, and the pilot_programs row (marker, unit, title): \(report)")
            let quarantined = try newer.quarantined()
            #expect(quarantined.count == 5 && quarantined.allSatisfy { $0.code == "schema_ahead" }, "\(quarantined)")
            #expect(quarantined.first?.reason.contains("upgrade the hub") == true)
            #expect(try hub.get("initiatives", key: "SK-3")?.values["title"] == .text("Thí điểm"))
            #expect(try hub.get("initiatives", key: "SK-3")?.values["status"] == nil && hub.get("initiatives", key: "SK-3")?.values["budget"] == nil)
            return (newerToken, todayToken)
        }

        // The hub is upgraded to the future schema (same file); the newer node retries what waited.
        let upgradedHub = try Replica.open(path: hubPath, schema: Self.future)
        try await Self.serving(upgradedHub) { service, client in
            try newer.retryQuarantined(ids: nil)
            let retried = try await Self.round(newer, try client(tokens.0))
            #expect(retried.refusedChanges == 0)
            #expect(try upgradedHub.get("initiatives", key: "SK-3")?.values["budget"] == .real(250_000_000))
            #expect(try upgradedHub.get("pilot_programs", key: "P-1") != nil)
            #expect(try upgradedHub.get("initiatives", key: "SK-3")?.values["status"] == .text("piloted"))
            #expect(try newer.quarantined().isEmpty)
            // Today's node, one version behind, still syncs: it gets SK-3 (with the new value) without the new field.
            let behind = try await Self.round(today, try client(tokens.1))
            #expect(behind.refusedChanges == 0)
            #expect(try today.get("initiatives", key: "SK-3")?.values["status"] == .text("piloted"))
            #expect(try !Self.tableExists(today, "pilot_programs"))
            // The release before (schema 1) is two versions behind: told to upgrade, nothing exchanged.
            let ancient = try Replica.create(path: dir + "/ancient.sqlite", unit: "SONDUONG", schema: SchemaV1Fixture.schema)
            do {
                _ = try await Self.round(ancient, try client(try service.tokens.create(unit: "SONDUONG").token))
                Issue.record("a node two schema versions behind was served")
            } catch {
                let text = "\(error)"
                #expect(text.contains("schema_mismatch") || text.contains("409"), "\(text)")
                #expect(text.contains("upgrade reformsync on this node"), "\(text)")
            }
            #expect(try ancient.get("initiatives", key: "SK-3") == nil)
        }
    }
}

/// `init --from-hub`'s download refuses bytes that are not the announced snapshot (§19.3).
@Suite("snapshot download verification")
struct SnapshotVerificationTests {
    @Test func aDownloadWhoseHashDiffersIsDeletedAndReported() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-verify-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let hub = try Replica.create(path: dir + "/hub.sqlite", unit: "SNV", role: .hub)
        try hub.put("units", json: ["id": .string("SONDUONG"), "name": .string("UBND huyện Sơn Dương"), "group": .string("district")])
        try await MixedVersionTests.serving(hub) { service, client in
            let download = SnapshotDownload(client: try client(try service.tokens.create(unit: "SONDUONG").token), folder: dir)
            var manifest = try await download.manifest()
            let good = manifest
            manifest.sha256 = String(repeating: "0", count: 64)
            do {
                _ = try await download.download(manifest)
                Issue.record("a snapshot with another hash was accepted")
            } catch let error as SnapshotError {
                #expect(error.description.contains("SHA-256") && error.description.contains("deleted"), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: download.partPath(manifest)))
            let outcome = try await download.download(good)
            #expect(FileManager.default.fileExists(atPath: outcome.path))
        }
    }
}
