import Foundation
import Testing

/// `hub.max_response_bytes` end to end: the configuration reaches the libcurl client of a real
/// node, and a pull page beyond it fails the round with the limit and the key named — while the
/// default cap lets the same page through.
@Suite("response cap in a sync", .serialized, .timeLimit(.minutes(2)))
struct ResponseCapSyncTests {
    @Test("a pull page beyond hub.max_response_bytes fails the round naming the limit and the key; the default reads it")
    func pullBeyondCap() throws {
        let world = try World("respcap")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        // About 2.7 MB of incompressible text for SONDUONG, written at the hub: one pull page.
        let records = initiatives(20, prefix: "HUB", summaryBytes: 100_000)
        let put = world.run(["record", "put", "--config", hub.configPath, "initiatives", "-"], stdin: jsonData(records))
        try #require(put.code == 0, "\(put)")

        let node = try world.makeNode(hub: hub, settings: ["hub.max_response_bytes": "1048576"])
        let capped = node.run(["sync", "--once"], timeout: 60)
        #expect(capped.code == 1, "\(capped)")
        #expect(capped.stderr.contains("hub.max_response_bytes") && capped.stderr.contains("1048576 bytes"), "\(capped)")
        #expect(capped.stderr.contains("compressed") || capped.stderr.contains("Content-Length"), "\(capped)")
        #expect(try node.count("initiatives") == 0, "a refused page was merged")

        node.settings.removeValue(forKey: "hub.max_response_bytes")
        node.writeConfig()
        let fine = node.run(["sync", "--once"], timeout: 60)
        #expect(fine.code == 0, "\(fine)")
        #expect(try node.count("initiatives") == 20)
    }
}
