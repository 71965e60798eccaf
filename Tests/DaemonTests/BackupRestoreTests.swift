import Foundation
import Testing

/// `reformsync backup` of a running hub, and a hub restored from an older backup: the nodes
/// notice (a new hub epoch), start their cursors again, re-deliver what the hub lost and pull what
/// they missed, and everything converges (README "Backups", Protocol/README.md §6.4, §14.1).
@Suite("backup and restore", .serialized, .timeLimit(.minutes(4)))
struct BackupRestoreTests {
    func hubRun(_ hub: HubProcess, _ arguments: [String], stdin: Data? = nil) -> CommandResult {
        hub.world.run(arguments + ["--config", hub.configPath], stdin: stdin)
    }

    func sync(_ node: NodeHandle, sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any] {
        let result = node.run(["sync", "--once", "--json"], sourceLocation: sourceLocation)
        #expect(result.code == 0, "\(node.unit) sync failed: \(result)", sourceLocation: sourceLocation)
        return (parseJSON(result.stdout) as? [String: Any]) ?? [:]
    }

    func lines(_ path: String, unit: String) throws -> [String] {
        try dumpLines(path, table: "initiatives").filter { $0.contains(unit) }
    }

    @Test("backup of a running hub holds what sits in its WAL, is verified, and refuses an existing file without --force")
    func backupRunningHub() throws {
        let world = try World("backup")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub)
        node.put("initiatives", initiatives(40, prefix: "SD-B"))
        _ = sync(node)
        // The hub checkpoints rarely: its latest commits are only in replica.sqlite-wal.
        let wal = (try? FileManager.default.attributesOfItem(atPath: hub.replicaPath + "-wal"))?[.size] as? Int ?? 0
        #expect(wal > 0, "the hub's WAL is empty: the test would not show that the backup includes it")

        let file = world.path("hub-backup.sqlite")
        let backup = hubRun(hub, ["backup", "--to", file])
        #expect(backup.code == 0, "\(backup)")
        #expect(backup.stdout.contains("unit SNV, role hub"), "\(backup)")
        #expect(backup.stdout.contains("integrity_check ok"), "\(backup)")
        #expect(backup.stdout.contains("hub epoch"), "\(backup)")
        #expect(!FileManager.default.fileExists(atPath: file + "-wal"), "the backup is not one file")
        let mode = (try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600, "the backup is readable by others: mode \(String(mode ?? 0, radix: 8))")
        #expect(try liveRows(file, "initiatives") == 40, "the backup misses changes that were in the WAL")
        #expect(try integrityCheck(file) == "ok")
        // A plain copy of the main file alone would have missed them (what the backup is for).
        let copy = world.path("plain-copy.sqlite")
        try FileManager.default.copyItem(atPath: hub.replicaPath, toPath: copy)
        #expect(((try? liveRows(copy, "initiatives")) ?? 0) < 40, "a plain copy already had everything: the WAL check above proves nothing")

        let again = hubRun(hub, ["backup", "--to", file])
        #expect(again.code == 2, "an existing backup was overwritten without --force: \(again)")
        #expect(again.stderr.contains(file) && again.stderr.contains("--force"), "\(again)")
        let forced = hubRun(hub, ["backup", "--to", file, "--force"])
        #expect(forced.code == 0, "\(forced)")
        let nowhere = hubRun(hub, ["backup", "--to", world.path("no/such/folder/x.sqlite")])
        #expect(nowhere.code == 2, "\(nowhere)")
        #expect(!FileManager.default.fileExists(atPath: world.path("no/such/folder")))
        // At a node, with its daemon running: a forensic copy of the same unit and site.
        let daemon = try node.startDaemon()
        let nodeCopy = node.run(["backup", "--to", world.path("node-copy.sqlite")])
        #expect(nodeCopy.code == 0 && nodeCopy.stdout.contains("unit SONDUONG, role node"), "\(nodeCopy)")
        #expect(hub.isRunning && daemon.isRunning)
    }

    @Test("a hub restored from an older backup: both nodes re-deliver what it lost, pull what they missed, and converge")
    func restoreOlderBackup() throws {
        let world = try World("restore")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let sonDuong = try world.makeNode("SONDUONG", hub: hub)
        let hamYen = try world.makeNode("HAMYEN", hub: hub)
        sonDuong.put("initiatives", initiatives(3, unit: "SONDUONG", prefix: "SD-1"))
        hamYen.put("initiatives", initiatives(3, unit: "HAMYEN", prefix: "HY-1"))
        for node in [sonDuong, hamYen, sonDuong] { _ = sync(node) }

        let file = world.path("hub-older.sqlite")
        let backup = hubRun(hub, ["backup", "--to", file])
        try #require(backup.code == 0, "\(backup)")

        // After the backup: more writes at both nodes, synced to the hub (which will lose them).
        sonDuong.put("initiatives", initiatives(4, unit: "SONDUONG", prefix: "SD-2"))
        hamYen.put("initiatives", initiatives(4, unit: "HAMYEN", prefix: "HY-2"))
        for node in [sonDuong, hamYen, sonDuong, hamYen] { _ = sync(node) }
        #expect(try hub.count("initiatives") == 14)
        let before = (sd: try lines(sonDuong.replicaPath, unit: "SONDUONG"), hy: try lines(hamYen.replicaPath, unit: "HAMYEN"))
        #expect(before.sd.count == 7 && before.hy.count == 7)

        // The README's restore: stop the hub, put the file in place (no -wal/-shm beside it), start.
        hub.stop()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: hub.replicaPath + suffix) }
        try FileManager.default.copyItem(atPath: file, toPath: hub.replicaPath)
        try hub.start()
        #expect(try hub.count("initiatives") == 6, "the restored hub should hold only what the backup had")
        for node in [sonDuong, hamYen] {
            node.settings["hub.url"] = hub.url  // the hub came back on another ephemeral port
            node.writeConfig()
        }
        // A hub write after the restore gets a hub version far below the nodes' pull cursors.
        let unit = hubRun(hub, ["record", "put", "units", "-"],
                          stdin: jsonData([["id": "LAMBINH", "name": "UBND huyện Lâm Bình", "group": "district"]]))
        #expect(unit.code == 0, "\(unit)")

        let first = sync(sonDuong)
        #expect(first["cursors_restarted"] as? Bool == true, "the node did not notice the restored hub: \(first)")
        _ = sync(hamYen)
        _ = sync(sonDuong)
        let again = sync(hamYen)
        #expect(again["cursors_restarted"] as? Bool == false, "the node starts again at every round: \(again)")

        #expect(try hub.count("initiatives") == 14, "the nodes did not re-deliver what the restored hub lost")
        #expect(try lines(hub.replicaPath, unit: "SONDUONG") == before.sd, "the hub's Sơn Dương rows differ from the node's")
        #expect(try lines(hub.replicaPath, unit: "HAMYEN") == before.hy, "the hub's Hàm Yên rows differ from the node's")
        #expect(try lines(sonDuong.replicaPath, unit: "SONDUONG") == before.sd, "Sơn Dương lost something")
        #expect(try lines(hamYen.replicaPath, unit: "HAMYEN") == before.hy, "Hàm Yên lost something")
        for node in [sonDuong, hamYen] {
            #expect(try node.count("units") == (try hub.count("units")), "\(node.unit) missed the hub's write made after the restore")
            #expect(try dumpLines(node.replicaPath, table: "units") == (try dumpLines(hub.replicaPath, table: "units")))
            #expect(node.status().int("pending_changes") == 0)
        }
    }

    /// Puts the files of a stopped hub back (or takes them), as a VM snapshot or `cp` would.
    func copyHubFiles(from source: String, to destination: String) throws {
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: destination + suffix)
            if FileManager.default.fileExists(atPath: source + suffix) {
                try FileManager.default.copyItem(atPath: source + suffix, toPath: destination + suffix)
            }
        }
    }

    func restart(_ hub: HubProcess, nodes: [NodeHandle]) throws {
        try hub.start()
        for node in nodes {
            node.settings["hub.url"] = hub.url
            node.writeConfig()
        }
    }

    @Test("a hub put back from a snapshot that is not a backup file: the node whose pushes it lost reveals it, the hub takes a new epoch, every node converges")
    func restoreSnapshot() throws {
        let world = try World("restore-snapshot")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let sonDuong = try world.makeNode("SONDUONG", hub: hub)
        let hamYen = try world.makeNode("HAMYEN", hub: hub)
        sonDuong.put("initiatives", initiatives(3, unit: "SONDUONG", prefix: "SD-1"))
        hamYen.put("initiatives", initiatives(3, unit: "HAMYEN", prefix: "HY-1"))
        for node in [sonDuong, hamYen, sonDuong] { _ = sync(node) }

        hub.stop()
        let snapshot = world.path("snapshot.sqlite")
        try copyHubFiles(from: hub.replicaPath, to: snapshot)
        try restart(hub, nodes: [sonDuong, hamYen])
        // After the snapshot only Sơn Dương writes; Hàm Yên's pull cursor moves past those hub versions.
        sonDuong.put("initiatives", initiatives(4, unit: "SONDUONG", prefix: "SD-2"))
        _ = sync(sonDuong)
        _ = sync(hamYen)
        #expect(try hub.count("initiatives") == 10)

        hub.stop()
        try copyHubFiles(from: snapshot, to: hub.replicaPath)
        try restart(hub, nodes: [sonDuong, hamYen])
        // Same epoch as before (not a backup file). A hub write now gets a version Hàm Yên's cursor is past.
        let unit = hubRun(hub, ["record", "put", "units", "-"],
                          stdin: jsonData([["id": "LAMBINH", "name": "UBND huyện Lâm Bình", "group": "district"]]))
        #expect(unit.code == 0, "\(unit)")

        let first = sync(sonDuong)
        #expect(first["cursors_restarted"] as? Bool == true, "\(first)")
        // Hàm Yên lost nothing of its own and its cursor is not above the hub's version by now:
        // only the hub's new epoch tells it to pull again.
        let second = sync(hamYen)
        #expect(second["cursors_restarted"] as? Bool == true, "Hàm Yên did not learn of the restore: \(second)")
        _ = sync(sonDuong)
        #expect(sync(hamYen)["cursors_restarted"] as? Bool == false)

        #expect(try hub.count("initiatives") == 10, "Sơn Dương did not re-deliver what the hub lost")
        #expect(try lines(hub.replicaPath, unit: "SONDUONG") == (try lines(sonDuong.replicaPath, unit: "SONDUONG")))
        #expect(try lines(hub.replicaPath, unit: "HAMYEN") == (try lines(hamYen.replicaPath, unit: "HAMYEN")))
        for node in [sonDuong, hamYen] {
            #expect(try dumpLines(node.replicaPath, table: "units") == (try dumpLines(hub.replicaPath, table: "units")),
                    "\(node.unit) missed the hub's write made after the restore")
        }
        #expect(hub.child?.stderr.contains("this hub was restored from an older copy") == true, "the hub did not say why its epoch changed")
    }
}
