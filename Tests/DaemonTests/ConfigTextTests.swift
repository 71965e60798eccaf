import Foundation
import ReformsyncConfig
import Testing

/// `ReformsyncConfiguration.load(yaml:path:environment:)`: what `load(path:)` does once the file
/// is read, for callers that hold the text (the `FuzzConfig` fuzz target feeds it arbitrary text).
@Suite("configuration from text")
struct ConfigTextTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the example files read the same from text as from their path", arguments: ["district.yaml", "hub.yaml", "national-hub.yaml", "provincial-hub.yaml"])
    func sameAsFile(name: String) throws {
        let path = Self.repository.appendingPathComponent("Config/\(name)").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let environment = ["REFORMSYNC_SYNC_INTERVAL": "60"]
        let fromText = try ReformsyncConfiguration.load(yaml: text, path: path, environment: environment)
        #expect(fromText == (try ReformsyncConfiguration.load(path: path, environment: environment)))
        #expect(fromText.sync.intervalSeconds == 60)
    }

    @Test("a relative data_dir is taken from the path's directory; errors name the path, line and key")
    func pathAndErrors() throws {
        let config = try ReformsyncConfiguration.load(yaml: "role: node\ndata_dir: data\n", path: "/etc/reformsync/node.yaml", environment: [:])
        #expect(config.dataDirectory == "/etc/reformsync/data")
        do {
            _ = try ReformsyncConfiguration.load(yaml: "role: node\nserver:\n  port: 99999\n", path: "/etc/reformsync/node.yaml", environment: [:])
            Issue.record("server.port 99999 was accepted")
        } catch {
            #expect(error.description == "/etc/reformsync/node.yaml:3: server.port: 99999 is outside 0…65535", "\(error)")
        }
    }
}
