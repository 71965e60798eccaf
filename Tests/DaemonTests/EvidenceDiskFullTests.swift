import FileStore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A download that meets a full disk: the sync fails naming the cause, nothing half-written is
/// visible in the store, and once space is back the download resumes and arrives intact.
@Suite("evidence files on a full disk", .serialized, .timeLimit(.minutes(2)),
       .enabled(if: TinyDisk.canMount, "mounting a tmpfs needs root (CAP_SYS_ADMIN)"))
struct EvidenceDiskFullTests {
    @Test("a download into a full disk fails with the reason, leaves the store intact, and resumes once there is room")
    func downloadIntoFullDisk() throws {
        let world = try World("files-diskfull")
        let disk = try TinyDisk(path: world.path("node-SONDUONG"), megabytes: 16)
        defer {
            world.shutdown()
            disk.unmount()
        }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub)
        node.put("assessment_scores", [["unit": node.unit, "year": 2024, "criterion": "1.1", "self_score": 2]])
        var generator = SystemRandomNumberGenerator()
        let bytes = Array("%PDF-1.7\n".utf8) + (0..<4_000_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let source = world.path("scan.pdf")
        FileManager.default.createFile(atPath: source, contents: Data(bytes))
        #expect(node.run(["files", "add", "assessment_scores", "\(node.unit)/2024/1.1", source]).code == 0)
        #expect(node.run(["sync", "--once"]).code == 0)
        // The node lost its copy (restored without DATA_DIR/files): it fetches it again, into a disk
        // left with 1 MiB free.
        let store = FileStore(dataDirectory: node.dataDirectory)
        let sha256 = SHA256Hex.of(bytes)
        store.remove(sha256)
        disk.fill()
        let filler = disk.path + "/.filler"
        let size = PosixFile.size(of: filler) ?? 0
        #expect(truncate(filler, off_t(max(0, size - (1 << 20)))) == 0)

        let failed = node.run(["sync", "--once"])
        #expect(failed.code == 1 && failed.stderr.contains("No space left on device"), "\(failed)")
        #expect(!store.contains(sha256), "a partly received file is never visible")
        let partial = PosixFile.size(of: store.partialPath(sha256)) ?? 0
        #expect(partial < Int64(bytes.count))

        disk.free()
        let resumed = node.run(["sync", "--once", "--json"])
        #expect(resumed.code == 0, "\(resumed)")
        let files = (try? JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8))) as? [String: Any]
        let received = ((files?["files"] as? [String: Any])?["file_bytes_received"] as? NSNumber)?.int64Value
        #expect(received == Int64(bytes.count) - partial, "resumed from the \(partial) bytes kept: \(resumed)")
        #expect(FileManager.default.contents(atPath: store.path(sha256)) == Data(bytes))
        #expect(node.run(["check"]).stdout.contains("0 damaged"))
    }
}
