import FileStore
import Foundation
import Testing

/// Evidence files over a poor district link: the daemon sends a file through a proxy capped at
/// 64 KB/s that cuts every connection after 256 KB (Protocol/README.md §16).
@Suite("evidence files over a poor link", .serialized, .timeLimit(.minutes(4)))
struct EvidenceLinkTests {
    @Test("2 MiB at 64 KB/s, cut every 256 KB: arrives intact; bytes sent ≤ the file + one chunk per cut; status and /metrics show it waiting, then not")
    func twoMebibytesThroughCuts() throws {
        let world = try World("files-link")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let link = try world.proxy(to: hub.port, .init(bytesPerSecond: 64_000, dropAfterBytes: 256_000))
        let node = try world.makeNode(hub: hub, hubURL: link.url, settings: [
            "hub.timeout": "60", "hub.connect_timeout": "3", "sync.interval": "2", "sync.max_backoff": "2", "log_level": "notice",
        ])
        node.put("assessment_scores", [["unit": node.unit, "year": 2024, "criterion": "1.1", "self_score": 2]])
        var generator = SystemRandomNumberGenerator()
        let bytes = Array("%PDF-1.7\n".utf8) + (0..<(2 << 20) - 9).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let path = world.path("bien-ban.pdf")
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let sha256 = SHA256Hex.of(bytes)
        let added = node.run(["files", "add", "assessment_scores", "\(node.unit)/2024/1.1", path])
        #expect(added.code == 0, "\(added)")

        // Waiting, before any round: status and the files list say so.
        let before = node.status()
        let files = before.object["files"] as? [String: Any]
        #expect((files?["waiting_upload"] as? NSNumber)?.intValue == 1, "\(before)")
        #expect((files?["waiting_upload_bytes"] as? NSNumber)?.intValue == bytes.count, "\(before)")
        #expect(before.table.stdout.contains("evidence") && before.table.stdout.contains("1 to send"), "\(before)")

        let start = monotonicSeconds()
        let daemon = try node.startDaemon()
        let hubStore = FileStore(dataDirectory: hub.dataDirectory)
        // While it travels, /metrics counts it.
        var seenWaiting = false
        let arrived = eventually(timeout: 150, every: 0.5) {
            if !seenWaiting, let text = try? daemon.request("GET", "/metrics").text,
               prometheusValue(text, "reformsync_files_waiting_upload") == 1 { seenWaiting = true }
            return hubStore.contains(sha256)
        }
        let seconds = monotonicSeconds() - start
        #expect(arrived, "not arrived after \(Int(seconds)) s (\(link.drops) cuts)\n\(node.status())\n--- daemon log\n\(daemon.log.suffix(3000))")
        #expect(seenWaiting, "/metrics never showed the file waiting")
        #expect(FileManager.default.contents(atPath: hubStore.path(sha256)) == Data(bytes))
        #expect(link.drops >= 5, "only \(link.drops) cuts: the test did not exercise them")
        // Every byte that went up: the file, at most one chunk (and one request's headers) lost per
        // cut, plus the rows, handshakes and status requests (a few kB).
        let up = link.bytes(upstream: true)
        let bound = bytes.count + link.drops * (ChunkFrame.maxChunkBytes + ChunkFrame.headerBytes + 1_024) + 24_000
        #expect(up <= bound, "\(up) bytes sent for a \(bytes.count)-byte file over \(link.drops) cuts (bound \(bound))")
        #expect(eventually(timeout: 20, every: 0.5) {
            let status = node.status()
            return (status.object["files"] as? [String: Any])?["waiting_upload"] as? NSNumber == 0
        }, "\(node.status())")
        print("evidence over a poor link: \(bytes.count) B in \(String(format: "%.1f", seconds)) s, \(link.drops) cuts, \(up) B up (overhead \(String(format: "%.3f", Double(up) / Double(bytes.count))))")
    }
}
