import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `reformsync status` (table and `--json`) in each state a district node goes through, with the
/// exit codes monitoring relies on: 0 healthy, 1 degraded, 2 error.
@Suite("status in every state", .serialized, .timeLimit(.minutes(2)))
struct StatusTests {
    /// Polls `status` until `condition` holds; the last reading either way.
    func waitForStatus(_ node: NodeHandle, timeout: Double = 30, _ condition: (NodeStatusReading) -> Bool) -> (NodeStatusReading, Bool) {
        var last = node.status()
        let held = eventually(timeout: timeout, every: 0.25) {
            last = node.status()
            return condition(last)
        }
        return (last, held)
    }

    @Test("never synced: degraded (1), says never")
    func neverSynced() throws {
        let world = try World("never")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub)

        let status = node.status()
        #expect(status.table.code == 1, "\(status)")
        #expect(status.json.code == 1, "\(status)")
        expectStatusFields(status)
        #expect(status.health == "degraded")
        #expect(status.object["last_sync_at"] is NSNull, "\(status.json.stdout)")
        #expect(status.object["last_sync_age_seconds"] is NSNull)
        #expect(status.object["hub_reachable"] is NSNull, "never tried: unknown, not false")
        #expect(status.object["last_error"] is NSNull)
        #expect(status.object["daemon_running"] as? Bool == false)
        #expect(status.object["hub_url"] as? String == hub.url)
        #expect(status.object["unit"] as? String == "SONDUONG")
        #expect((status.object["problems"] as? [String])?.contains { $0.contains("never synced") } == true, "\(status.json.stdout)")
        #expect(status.table.stdout.contains("DEGRADED"), "\(status.table)")
        #expect(status.table.stdout.range(of: #"last sync\s+never"#, options: .regularExpression) != nil, "\(status.table)")
        #expect(status.table.stdout.contains("never contacted"), "\(status.table)")
    }

    @Test("in sync with the daemon running: healthy (0), every field filled")
    func inSync() throws {
        let world = try World("insync")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub)
        let daemon = try node.startDaemon()
        let put = try daemon.request("PUT", "/records/initiatives", json: ["id": "SD-1", "unit": "SONDUONG", "year": 2022, "title": "Chữ ký số"])
        #expect(put.status == 200, "\(put)")

        // The table and the JSON are read one after the other: wait until both show the synced state.
        let (status, healthy) = waitForStatus(node) {
            $0.code == 0 && $0.int("pending_changes") == 0 && $0.table.stdout.contains("HEALTHY") && $0.table.stdout.contains("0 change(s)")
        }
        #expect(healthy, "the node never became healthy: \(status)\n--- daemon log\n\(daemon.log)")
        #expect(try hub.count("initiatives") == 1)
        expectStatusFields(status)
        let json = status.object
        #expect(json["health"] as? String == "healthy")
        #expect((json["problems"] as? [Any])?.isEmpty == true)
        #expect(json["unit"] as? String == "SONDUONG")
        #expect((json["site"] as? String)?.range(of: "^[0-9a-f]{16}$", options: .regularExpression) != nil, "site: \(json["site"] ?? "nil")")
        #expect(json["hub_url"] as? String == hub.url)
        #expect(json["hub_reachable"] as? Bool == true)
        let lastSync = try #require(json["last_sync_at"] as? String)
        #expect(ISO8601DateFormatter().date(from: lastSync) != nil, "last_sync_at \(lastSync)")
        let age = try #require((json["last_sync_age_seconds"] as? NSNumber)?.doubleValue)
        #expect(age >= 0 && age < 120, "age \(age)")
        #expect(status.int("pending_bytes") == 0)
        #expect((status.int("hub_version") ?? 0) >= 1)
        #expect(status.int("hub_lag") == 0)
        #expect(status.int("quarantined") == 0)
        #expect(json["last_error"] is NSNull)
        #expect(json["clock_offset_ms"] is NSNumber, "clock offset: \(json["clock_offset_ms"] ?? "nil")")
        #expect(status.int("protocol_version") == 1)
        #expect(status.int("schema_version") == 2)
        #expect((status.int("replica_bytes") ?? 0) > 0)
        #expect(json["daemon_running"] as? Bool == true)
        #expect(((json["daemon_uptime_seconds"] as? NSNumber)?.doubleValue ?? -1) >= 0)
        #expect(status.int("daemon_pid") == Int(daemon.pid))
        #expect(json["daemon_api"] as? String == daemon.api)

        let table = status.table.stdout
        #expect(table.contains("HEALTHY"), "\(table)")
        #expect(table.contains("reachable at the last attempt") && !table.contains("NOT reachable"), "\(table)")
        #expect(table.contains("running, pid \(daemon.pid)"), "\(table)")
        #expect(table.contains("0 change(s)"), "\(table)")
        #expect(table.range(of: #"quarantine\s+none"#, options: .regularExpression) != nil, "\(table)")
        #expect(table.range(of: #"last error\s+none"#, options: .regularExpression) != nil, "\(table)")
        #expect(!table.contains("problems:"), "\(table)")

        // The daemon serves the same status on its API.
        let served = try daemon.request("GET", "/status")
        #expect(served.status == 200)
        #expect(served.object?["health"] as? String == "healthy", "\(served)")
        #expect(statusFields.allSatisfy { served.object?[$0] != nil }, "GET /status lacks fields: \(served)")
    }

    @Test("hub down: error (2) after a failed round, last error shown, hub not reachable")
    func hubDown() throws {
        let world = try World("hubdown")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub)
        let daemon = try node.startDaemon()
        let (first, healthy) = waitForStatus(node) { $0.code == 0 }
        try #require(healthy, "not healthy before the hub went down: \(first)")

        hub.kill()
        let put = try daemon.request("PUT", "/records/initiatives", json: ["id": "SD-2", "unit": "SONDUONG", "year": 2023, "title": "Một cửa"])
        #expect(put.status == 200, "\(put)")
        #expect(try daemon.request("POST", "/sync").status == 202)

        let (status, failed) = waitForStatus(node) { $0.code == 2 }
        #expect(failed, "status never reported the failed round: \(status)\n--- daemon log\n\(daemon.log)")
        expectStatusFields(status)
        let json = status.object
        #expect(json["health"] as? String == "error")
        #expect(json["hub_reachable"] as? Bool == false)
        let error = json["last_error"] as? String ?? ""
        #expect(error.contains("127.0.0.1:\(hub.port)") && error.contains("connect"), "last_error: \(error)")
        #expect((status.int("pending_changes") ?? 0) > 0, "the write made while the hub is down is pending")
        #expect((status.int("pending_bytes") ?? 0) > 0)
        #expect(json["last_sync_at"] is String, "the last good sync is still reported")
        #expect(json["daemon_running"] as? Bool == true)
        #expect((json["problems"] as? [String])?.contains { $0.contains("last sync failed") } == true, "\(status.json.stdout)")
        let table = status.table.stdout
        #expect(table.contains("ERROR"), "\(table)")
        #expect(table.contains("NOT reachable at the last attempt"), "\(table)")
        #expect(table.range(of: #"last error\s+.*cannot connect"#, options: .regularExpression) != nil, "\(table)")
        #expect(daemon.isRunning, "the daemon keeps running while the hub is down")
    }

    @Test("refusals present: degraded (1), quarantine count shown")
    func refusals() throws {
        let world = try World("refused")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub)
        let daemon = try node.startDaemon()
        // CHIEMHOA's record CH-1 exists at the hub; SONDUONG, which never receives CHIEMHOA's rows,
        // writes a record under the same key: its node cannot know, the hub refuses it (not_owner).
        let theirs = world.run(["record", "put", "--config", hub.configPath, "initiatives",
                                #"{"id":"CH-1","unit":"CHIEMHOA","year":2022,"title":"Của Chiêm Hoá"}"#])
        #expect(theirs.code == 0, "\(theirs)")
        let foreign = try daemon.request("PUT", "/records/initiatives", json: ["id": "CH-1", "unit": "SONDUONG", "year": 2022, "title": "Trùng mã với Chiêm Hoá"])
        #expect(foreign.status == 200, "\(foreign)")
        let own = try daemon.request("PUT", "/records/initiatives", json: ["id": "SD-3", "unit": "SONDUONG", "year": 2022, "title": "Của Sơn Dương"])
        #expect(own.status == 200, "\(own)")
        #expect(try daemon.request("POST", "/sync").status == 202)

        // The table is read just before the JSON: wait until both show the round's outcome.
        let (status, refused) = waitForStatus(node) {
            ($0.int("quarantined") ?? 0) > 0 && $0.int("pending_changes") == 0 && $0.table.stdout.contains("refused change")
        }
        #expect(refused, "no quarantine reported: \(status)\n--- daemon log\n\(daemon.log)")
        #expect(status.code == 1, "\(status)")
        expectStatusFields(status)
        #expect(status.health == "degraded")
        #expect(status.object["last_error"] is NSNull, "a refusal is not a failed round")
        #expect(status.object["hub_reachable"] as? Bool == true)
        #expect((status.object["problems"] as? [String])?.contains { $0.contains("quarantine") } == true, "\(status.json.stdout)")
        #expect(status.table.stdout.contains("DEGRADED"), "\(status.table)")
        #expect(status.table.stdout.range(of: #"quarantine\s+\d+ refused change"#, options: .regularExpression) != nil, "\(status.table)")
        // The rest kept syncing: the node's own record is at the hub, CH-1 stays CHIEMHOA's.
        #expect(try hub.count("initiatives") == 2)
        let listed = node.run(["quarantine", "list"])
        #expect(listed.code == 0 && listed.stdout.contains("CH-1"), "\(listed)")
    }

    @Test("daemon stopped: degraded (1), says not running, still reads the replica")
    func daemonStopped() throws {
        let world = try World("stopped")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub)
        let daemon = try node.startDaemon()
        let (running, healthy) = waitForStatus(node) { $0.code == 0 }
        try #require(healthy, "not healthy with the daemon running: \(running)")
        let stateFile = node.dataDirectory + "/daemon.json"
        #expect(FileManager.default.fileExists(atPath: stateFile))

        let stop = daemon.terminate()
        #expect(stop.exited && stop.result.code == 0, "\(stop.result)")
        #expect(!FileManager.default.fileExists(atPath: stateFile), "daemon.json left behind by a clean stop")

        func expectStopped(_ status: NodeStatusReading, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(status.code == 1, "\(status)", sourceLocation: sourceLocation)
            expectStatusFields(status, sourceLocation: sourceLocation)
            #expect(status.health == "degraded", sourceLocation: sourceLocation)
            #expect(status.object["daemon_running"] as? Bool == false, sourceLocation: sourceLocation)
            #expect(status.object["daemon_uptime_seconds"] is NSNull, sourceLocation: sourceLocation)
            #expect(status.object["last_sync_at"] is String, "read from the replica directly", sourceLocation: sourceLocation)
            #expect(status.int("pending_changes") == 0, sourceLocation: sourceLocation)
            #expect(status.int("quarantined") == 0, sourceLocation: sourceLocation)
            #expect((status.object["problems"] as? [String])?.contains { $0.contains("not running") } == true, "\(status.json.stdout)", sourceLocation: sourceLocation)
            #expect(status.table.stdout.contains("not running (read from the replica directly)"), "\(status.table)", sourceLocation: sourceLocation)
        }
        expectStopped(node.status())

        // A daemon that died without cleaning up leaves daemon.json behind: still "not running".
        let crashed = try node.startDaemon()
        #expect(eventually(timeout: 10) { FileManager.default.fileExists(atPath: stateFile) })
        crashed.child.killNow()
        #expect(FileManager.default.fileExists(atPath: stateFile))
        expectStopped(node.status())
    }
}
