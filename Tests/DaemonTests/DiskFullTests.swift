import Daemon
import Foundation
import Hummingbird
import Logging
import ReformsyncConfig
import Replica
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A tiny file system for the node's data directory: a real tmpfs of a few MiB, mounted with
/// `mount -t tmpfs -o size=NNm` (CI runs as root; in a container it needs CAP_SYS_ADMIN, as here).
/// Filled with a filler file, then emptied again, it makes SQLite meet a genuinely full disk.
/// Where mounting is impossible the suite is skipped and says why.
final class TinyDisk: @unchecked Sendable {
    let path: String
    private var filler: String { path + "/.filler" }

    init(path: String, megabytes: Int) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let result = Self.run(["/bin/mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path])
        guard result == 0 else { throw SocketError("mount -t tmpfs on \(path) exited \(result)", EPERM) }
    }

    /// Whether this process may mount a tmpfs (tried once on a probe directory).
    static let canMount: Bool = {
        let probe = NSTemporaryDirectory() + "rs-tmpfs-probe-\(getpid())"
        guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil else { return false }
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard run(["/bin/mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]) == 0 else { return false }
        _ = run(["/bin/umount", probe])
        return true
    }()

    /// Fills every free byte with a file; returns its size.
    @discardableResult
    func fill() -> Int {
        let fd = open(filler, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var total = 0
        for size in [1 << 16, 1 << 12, 512, 1] {
            let chunk = [UInt8](repeating: 0x55, count: size)
            while true {
                let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                total += n
            }
        }
        return total
    }

    /// Gives the space back.
    func free() { unlink(filler) }

    /// Lazy unmount: the daemon may still hold files open.
    func unmount() { _ = Self.run(["/bin/umount", "-l", path]) }

    @discardableResult
    static func run(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Disk full and a replica that cannot be written: the local API answers 507 / 503 with the
/// envelope naming the cause, `status` reports the failed sync as `error` (exit 2) with the last
/// error, and once space returns the replica is intact, everything acknowledged is there, and
/// writes and syncs work again.
@Suite("full disk and unwritable replica", .serialized, .timeLimit(.minutes(3)))
struct DiskFullTests {
    func envelope(_ response: HTTPResponse) -> (code: String?, message: String?) {
        let error = response.object?["error"] as? [String: Any]
        return (error?["code"] as? String, error?["message"] as? String)
    }

    @Test("a full tmpfs: 507 disk_full, status error with the cause; space back: intact, nothing acknowledged lost",
          .enabled(if: TinyDisk.canMount, "mounting a tmpfs needs root (CAP_SYS_ADMIN)"))
    func diskFull() throws {
        let world = try World("diskfull")
        let disk = try TinyDisk(path: world.path("node-SONDUONG"), megabytes: 4)
        defer {
            world.shutdown()
            disk.unmount()
        }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub)
        #expect(node.dataDirectory == disk.path)
        let daemon = try node.startDaemon()
        let summary = String(repeating: "Hồ sơ một cửa liên thông. ", count: 80)
        func put(_ id: String) throws -> HTTPResponse {
            try daemon.request("PUT", "/records/initiatives", json: ["id": id, "unit": "SONDUONG", "year": 2022, "title": "Đĩa \(id)", "summary": summary])
        }
        // The unit's own row, so every record's reference resolves and `check` can pass whole.
        let unit = world.run(["record", "put", "--config", hub.configPath, "units",
                              #"{"id":"SONDUONG","name":"UBND huyện Sơn Dương","group":"district"}"#])
        #expect(unit.code == 0, "\(unit)")
        var acknowledged: [String] = []
        for n in 0..<3 {
            let response = try put("SD-F\(n)")
            try #require(response.status == 200, "\(response)")
            acknowledged.append("SD-F\(n)")
        }
        #expect(try daemon.request("POST", "/sync?wait=1").status == 200)

        // Fill the disk; write until SQLite meets it.
        disk.fill()
        var full: HTTPResponse?
        for n in 3..<2000 {
            let response = try put("SD-F\(n)")
            if response.status == 200 {
                acknowledged.append("SD-F\(n)")
                continue
            }
            full = response
            break
        }
        let refused = try #require(full, "2000 writes fit on a full 4 MiB disk")
        #expect(refused.status == 507, "\(refused)")
        #expect(envelope(refused).code == "disk_full", "\(refused)")
        let message = envelope(refused).message ?? ""
        #expect(message.contains("disk is full") && message.contains(node.dataDirectory) && message.contains("Free space"), "\(message)")

        // Something to pull, so the round must write: the round fails for want of space.
        let published = world.run(["record", "put", "--config", hub.configPath, "units",
                                   #"{"id":"HAMYEN","name":"UBND huyện Hàm Yên","group":"district"}"#])
        #expect(published.code == 0, "\(published)")
        let sync = try daemon.request("POST", "/sync?wait=1", timeout: 60)
        #expect(sync.status == 502 && envelope(sync).code == "sync_failed", "\(sync)")
        #expect(envelope(sync).message?.contains("full") == true, "\(sync)")
        let status = node.status()
        #expect(status.health == "error" && status.code == 2, "\(status)")
        #expect((status.object["last_error"] as? String)?.contains("full") == true, "\(status)")
        #expect(status.table.stdout.contains("full"), "\(status)")
        let apiStatus = try daemon.request("GET", "/status")
        #expect((apiStatus.object?["health"] as? String) == "error", "\(apiStatus)")
        // Reads still work on a full disk.
        #expect(try daemon.request("GET", "/records/initiatives?id=SD-F0").status == 200)

        // Space returns: the replica is intact, everything acknowledged is there, writes and syncs work.
        disk.free()
        let check = node.run(["check"])
        #expect(check.code == 0 && check.stdout.contains("integrity: ok"), "\(check)")
        let again = try put("SD-AGAIN")
        #expect(again.status == 200, "\(again)")
        acknowledged.append("SD-AGAIN")
        let resynced = try daemon.request("POST", "/sync?wait=1", timeout: 60)
        #expect(resynced.status == 200, "\(resynced)")
        for id in acknowledged {
            #expect(try daemon.request("GET", "/records/initiatives?id=\(id)").status == 200, "\(id) acknowledged, then lost")
        }
        let atHub = try hub.count("initiatives")
        #expect(atHub == acknowledged.count, "the hub has \(atHub) of \(acknowledged.count)")
        #expect(try node.count("units") == 2, "the unit published while the disk was full did not arrive")
        #expect(eventually(timeout: 10) { node.status().code == 0 }, "\(node.status())")
        #expect(try integrityCheck(node.replicaPath) == "ok")
    }

    /// A replica that cannot be written, as after the kernel remounts a failing disk read-only.
    /// Linux refuses to remount a file system read-only while a process holds files open for
    /// writing (EBUSY), and root ignores file modes, so the equivalent used here is SQLite's own:
    /// `PRAGMA query_only = 1` on the replica's one writer connection, which makes every write fail
    /// with SQLITE_READONLY exactly as a read-only file system does. The API runs in-process on a
    /// real socket, on a real replica file.
    @Test("a replica that cannot be written: 503 replica_unwritable naming the data directory; writable again: writes work")
    func unwritable() async throws {
        let world = try World("readonly")
        defer { world.shutdown() }
        let dataDirectory = world.path("node")
        let created = world.run(["init", "--data-dir", dataDirectory, "--unit", "SONDUONG"])
        try #require(created.code == 0, "\(created)")
        let replica = try Replica.open(path: dataDirectory + "/replica.sqlite")
        var configuration = ReformsyncConfiguration(unit: "SONDUONG", dataDirectory: dataDirectory)
        configuration.api.port = 0
        let token = try APIToken.loadOrCreate(dataDirectory: dataDirectory)
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "readonly-test")
        logger.logLevel = .critical
        let app = try LocalAPI.application(replica: replica, configuration: configuration, trigger: SyncTrigger(), metrics: nil, logger: logger) { port in
            portSink.yield(port)
            portSink.finish()
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let base = "http://127.0.0.1:\(port)"
            // The blocking test client runs off the cooperative pool, which the in-process server needs.
            func call(_ method: String, _ path: String, body: Data? = nil) async throws -> HTTPResponse {
                try await withCheckedThrowingContinuation { continuation in
                    Thread.detachNewThread {
                        continuation.resume(with: Result { try http(method, base, path, body: body, headers: [("Authorization", "Bearer \(token)")]) })
                    }
                }
            }
            func put(_ id: String) async throws -> HTTPResponse {
                try await call("PUT", "/records/initiatives", body: jsonData(["id": id, "unit": "SONDUONG", "year": 2024, "title": "Sáng kiến \(id)"]))
            }
            #expect(try await put("U1").status == 200)

            try await replica.writer.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 1") }
            let refused = try await put("U2")
            #expect(refused.status == 503, "\(refused)")
            #expect(envelope(refused).code == "replica_unwritable", "\(refused)")
            let message = envelope(refused).message ?? ""
            #expect(message.contains(dataDirectory) && message.contains("read-write") && message.contains("nothing of this request was stored"), "\(message)")
            // Reads still answer.
            let read = try await call("GET", "/records/initiatives?id=U1")
            #expect(read.status == 200, "\(read)")

            try await replica.writer.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 0") }
            #expect(try await put("U3").status == 200)
            let missing = try await call("GET", "/records/initiatives?id=U2")
            #expect(missing.status == 404, "a refused write was stored: \(missing)")
        }
        #expect(try integrityCheck(dataDirectory + "/replica.sqlite") == "ok")
    }
}
