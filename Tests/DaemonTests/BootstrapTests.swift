import Foundation
import GRDB
import Replica
import Testing

/// `reformsync init --from-hub` (Protocol/README.md §19.3): the hub's snapshot of what the unit
/// may read, downloaded over a throttled link, killed midway and resumed, then through a link
/// that drops every connection, verified, installed; ordinary sync continues from its cursor.
@Suite("bootstrap: init --from-hub over a poor link", .serialized)
struct BootstrapTests {
    @Test func initFromHubResumesThroughCutsAndSyncOnFromTheSnapshot() throws {
        let world = try World("bootstrap")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        func hubRun(_ arguments: [String], stdin: Data? = nil) {
            let result = world.run(arguments + ["--config", hub.configPath], stdin: stdin)
            #expect(result.code == 0, "hub \(arguments): \(result)")
        }
        // Incompressible summaries: the snapshot is a few hundred kB even gzipped.
        hubRun(["record", "put", "initiatives", "-"], stdin: jsonData(initiatives(1_500, summaryBytes: 200)))
        hubRun(["record", "put", "initiatives", "-"], stdin: jsonData(initiatives(200, unit: "YENSON", prefix: "YS")))
        hubRun(["record", "delete", "initiatives", "SK-00007"])

        let node = NodeHandle(world: world, unit: "SONDUONG")
        node.settings = NodeHandle.defaults(unit: "SONDUONG", dataDirectory: node.dataDirectory)
        node.settings["hub.token"] = try hub.createToken(unit: "SONDUONG")
        try FileManager.default.createDirectory(atPath: node.dataDirectory, withIntermediateDirectories: true)

        // 1. A slow link, and the first run killed midway: the part already downloaded stays.
        let slow = try world.proxy(to: hub.port, .init(bytesPerSecond: 40_000))
        node.settings["hub.url"] = "http://127.0.0.1:\(slow.port)"
        node.writeConfig()
        let first = try world.spawn(["init", "--from-hub", "--config", node.configPath])
        var part: String?
        let started = eventually(timeout: 60) {
            part = (try? FileManager.default.contentsOfDirectory(atPath: node.dataDirectory))?.first { $0.hasSuffix(".gz.part") }
                .map { node.dataDirectory + "/" + $0 }
            let size = part.flatMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int } ?? 0
            return size >= 60_000
        }
        first.killNow()
        try #require(started, "the first download never got 60 kB: \(first.result)")
        #expect(!FileManager.default.fileExists(atPath: node.replicaPath), "no replica before the snapshot is complete")

        // 2. A link that drops every connection after 64 kB: ranged requests resume where the file ends.
        let cut = try world.proxy(to: hub.port, .init(bytesPerSecond: 400_000, dropAfterBytes: 64_000))
        node.settings["hub.url"] = "http://127.0.0.1:\(cut.port)"
        node.writeConfig()
        let done = node.run(["init", "--from-hub"], timeout: 240)
        try #require(done.code == 0, "\(done)")
        #expect(done.stdout.contains("resumed at byte"), "\(done.stdout)")
        #expect(cut.drops > 0, "the link never dropped: the test did not test resumption")
        #expect(part.map { !FileManager.default.fileExists(atPath: $0) } ?? true, "the part file is removed once installed")

        // What the unit may read, exactly as the hub holds it (stamps, tombstone), and nothing else.
        let hubLines = try dumpLines(hub.replicaPath, table: "initiatives").filter { $0.hasPrefix("initiatives\tSK-") }
        let nodeLines = try dumpLines(node.replicaPath, table: "initiatives")
        #expect(nodeLines == hubLines, "node \(nodeLines.count) lines, hub's SONDUONG lines \(hubLines.count)")
        let replica = try node.openReplica()
        #expect(replica.unit == "SONDUONG")
        #expect(try replica.get("initiatives", key: "SK-00007") == nil)  // the delete stays a delete
        #expect(try replica.history("initiatives", key: "SK-00007").count > 0)
        #expect(try replica.get("initiatives", key: "YS-00001") == nil)  // another unit's row never comes

        // 3. Ordinary sync continues from the snapshot's cursor: only what came after it is pulled.
        hubRun(["record", "put", "initiatives", "-"], stdin: jsonData([["id": "SK-NEW", "unit": "SONDUONG", "year": 2025, "title": "Sau ảnh chụp"]]))
        node.settings["hub.url"] = hub.url
        node.writeConfig()
        node.put("initiatives", [["id": "SK-LOCAL", "unit": "SONDUONG", "year": 2025, "title": "Viết tại đơn vị"]])
        let round = node.run(["sync", "--once", "--json"])
        #expect(round.code == 0, "\(round)")
        let report = parseJSON(round.stdout) as? [String: Any]
        let pulled = (report?["pulled_changes"] ?? report?["pulledChanges"]) as? Int
        #expect(pulled.map { $0 < 20 } == true, "pulled \(pulled.map(String.init) ?? "?") changes after the snapshot: \(round.stdout)")
        #expect(try node.openReplica().get("initiatives", key: "SK-NEW") != nil)
        #expect(try Replica.open(path: hub.replicaPath).get("initiatives", key: "SK-LOCAL") != nil)
    }

    @Test func initFromHubRefusesAnExistingReplicaAndAWrongUnit() throws {
        let world = try World("bootstrap-refusals")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub)
        let existing = node.run(["init", "--from-hub"])
        #expect(existing.code == 2 && existing.stderr.contains("already exists"), "\(existing)")
        let other = NodeHandle(world: world, unit: "YENSON")
        other.settings = NodeHandle.defaults(unit: "YENSON", dataDirectory: other.dataDirectory)
        other.settings["hub.url"] = hub.url
        other.settings["hub.token"] = try hub.createToken(unit: "SONDUONG")
        other.writeConfig()
        let wrong = other.run(["init", "--from-hub"])
        #expect(wrong.code == 2 && wrong.stderr.contains("belongs to unit SONDUONG, not YENSON"), "\(wrong)")
        #expect(!FileManager.default.fileExists(atPath: other.replicaPath))
    }

    /// The hub's own schedule (`server.compact_interval_hours`, here about a second) compacts.
    @Test func theRunningHubCompactsOnItsSchedule() throws {
        let world = try World("compact-schedule")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        let child = try hub.start(environment: ["REFORMSYNC_SERVER_COMPACT_INTERVAL_HOURS": "0.0003"])
        let result = world.run(["record", "put", "initiatives", "-", "--config", hub.configPath],
                               stdin: jsonData([["id": "SK-1", "unit": "SONDUONG", "year": 2025, "title": "Xoá sau"]]))
        #expect(result.code == 0, "\(result)")
        #expect(world.run(["record", "delete", "initiatives", "SK-1", "--config", hub.configPath]).code == 0)
        let compacted = eventually(timeout: 30) {
            ((try? readOnlyQueue(hub.replicaPath).read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM initiatives WHERE id = 'SK-1'")
            }) ?? 1) == 0
        }
        #expect(compacted, "the hub never compacted on its own: \(child.stderr.suffix(2000))")
        #expect(child.stderr.contains("compacted"), "\(child.stderr.suffix(2000))")
    }
}
