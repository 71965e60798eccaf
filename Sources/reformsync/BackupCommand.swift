import ArgumentParser
import Foundation
import GRDB
import Hub
import Replica

/// `reformsync backup --to FILE`: one consistent copy of a replica, taken while the daemon or
/// the hub keeps running, and checked before it is called a backup.
///
/// A plain `cp` of a running replica misses what still sits in the write-ahead log (megabytes at a
/// busy hub) or copies a file halfway through a checkpoint. SQLite's online backup
/// (`DatabaseReader.backup(to:)`) copies the pages of one read transaction — main file and WAL
/// together — without stopping writers. The copy is written beside FILE and renamed into place
/// only once it passed `PRAGMA integrity_check` and opened as a replica of the same site and unit,
/// so a failed or interrupted backup never leaves a half file under FILE's name.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the replica to one consistent, verified file while the daemon or hub runs.",
        discussion: """
            Uses SQLite's online backup: the copy holds everything committed when it started, the write-ahead \
            log included, and the daemon or hub keeps serving meanwhile. The copy is then checked (PRAGMA \
            integrity_check; it opens as a replica of the same site and unit) and only then renamed to FILE (mode 0600); \
            the command prints what it holds (unit, role, site, version, rows, size). An existing FILE is \
            refused unless --force.

            A backup is for the HUB: restore it by stopping the hub, putting the file in place as \
            DATA_DIR/replica.sqlite (removing any replica.sqlite-wal and -shm beside it) and starting the hub; \
            the nodes notice at their next round and re-deliver what the hub lost (README "Backups"). A hub copy \
            gets a new hub epoch, which is how the nodes recognise a restored hub. At a node a backup is a \
            forensic copy: a node is restored by `reformsync init` of a fresh replica and a pull, never from a \
            backup. Exit codes: 0 verified backup written; 1 the backup or its check failed (nothing left at \
            FILE); 2 bad arguments, FILE exists without --force, or no replica.
            """
    )
    @OptionGroup var options: ReplicaOptions
    @Option(name: .customLong("to"), help: ArgumentHelp("The backup file to write.", valueName: "file")) var destination: String
    @Flag(help: "Replace FILE if it exists.") var force = false

    func validate() throws {
        if destination.isEmpty { throw ValidationError("--to needs a file name") }
    }

    func run() throws {
        let configuration = try options.configuration()
        let source = try Replica.open(path: configuration.replicaPath, maxClockSkewMillis: configuration.maxClockSkewMillis)
        let target = URL(fileURLWithPath: destination).standardizedFileURL.path
        guard target != URL(fileURLWithPath: configuration.replicaPath).standardizedFileURL.path else {
            throw ReportableError.input("--to \(destination) is the replica itself: give another file")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw ReportableError.input("--to \(target) is a folder: give a file name, e.g. \(target)/replica-\(Self.stamp()).sqlite") }
            if !force { throw ReportableError.input("\(target) exists: give another file, or --force to replace it") }
        }
        let folder = (target as NSString).deletingLastPathComponent
        guard FileManager.default.isWritableFile(atPath: folder.isEmpty ? "." : folder) else {
            throw ReportableError.input("cannot write in \(folder.isEmpty ? "." : folder) (folder missing or not writable by user \(NSUserName()))")
        }
        let partial = target + ".partial-\(getpid())"
        defer { for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: partial + suffix) } }
        let started = Date()
        do {
            // Readable by its owner only, like the replica's data it holds (the mode survives the rename).
            guard FileManager.default.createFile(atPath: partial, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw ReportableError.failure("cannot create \(partial): \(String(cString: strerror(errno)))")
            }
            let copy = try DatabaseQueue(path: partial)
            try source.writer.backup(to: copy)
            try copy.close()
        } catch {
            throw ReportableError.failure("the backup of \(source.location) failed: \(error) — nothing was written to \(target)")
        }
        let summary = try Self.verify(partial, against: source)
        do {
            // One self-contained file: out of WAL mode, so no -wal/-shm must travel with it
            // (the hub switches it back to WAL when it opens it).
            let copy = try DatabaseQueue(path: partial)
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try copy.close()
        } catch {
            throw ReportableError.failure("cannot finish the copy of \(source.location): \(error) — nothing was written to \(target)")
        }
        // rename(2) replaces an existing FILE (--force) atomically: there is always a whole backup under its name.
        guard rename(partial, target) == 0 else {
            throw ReportableError.failure("cannot move the verified copy to \(target): \(String(cString: strerror(errno)))")
        }
        print("backup of \(source.location) written to \(target) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s, verified:")
        print(summary.lines(size: Self.size(target)))
    }

    /// What a verified backup holds.
    struct Summary {
        var unit: String, role: String, site: String, version: Int64, rows: Int, tables: Int, epoch: String?

        func lines(size: Int64) -> String {
            ["  unit \(unit), role \(role), site \(site)",
             "  replica version \(version), \(rows) live row(s) in \(tables) table(s), \(StatusCommand.bytes(Int(size)))",
             "  integrity_check ok" + (epoch.map { "; hub epoch \($0) (nodes re-deliver to a hub restored from it)" } ?? "")]
                .joined(separator: "\n")
        }
    }

    /// Checks the copy at `path` and, for a hub, gives it a new hub epoch (Protocol §8.2).
    static func verify(_ path: String, against source: Replica) throws -> Summary {
        do {
            let check = try DatabaseQueue(path: path)
            let result = try check.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            try check.close()
            guard result == ["ok"] else {
                throw ReportableError.failure("the copy failed PRAGMA integrity_check: \(result.prefix(3).joined(separator: "; "))")
            }
            let copy = try Replica.open(path: path)
            defer { try? (copy.writer as? DatabasePool)?.close() }
            guard copy.site == source.site, copy.unit == source.unit, copy.role == source.role else {
                throw ReportableError.failure("the copy opens as \(copy.role.rawValue) \(copy.unit) site \(copy.site.rawValue), not as the source's \(source.role.rawValue) \(source.unit) site \(source.site.rawValue)")
            }
            var epoch: String?
            if copy.role == .hub {
                epoch = HubEpoch.fresh()
                try copy.setMeta([HubEpoch.metaKey: epoch])
            }
            let counts = try copy.tableCounts()
            return Summary(unit: copy.unit, role: copy.role.rawValue, site: copy.site.rawValue, version: try copy.currentVersion(),
                           rows: counts.reduce(0) { $0 + $1.live }, tables: counts.count, epoch: epoch)
        } catch let error as ReportableError {
            throw ReportableError.failure("\(error.message) — the backup is not usable; nothing was written at its name")
        } catch {
            throw ReportableError.failure("the copy does not open as a replica: \(error) — nothing was written at its name")
        }
    }

    static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int64) ?? 0
    }

    static func stamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmm"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}
