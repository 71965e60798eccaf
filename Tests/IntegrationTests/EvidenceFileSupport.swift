import FileStore
import Foundation
import Testing

// Evidence files for the end-to-end tests: generated PDFs, a record to attach them to, the
// hub's store and part files read from disk, and a second node of one unit (a replacement server).

/// A PDF-signed file of `size` random bytes (random: nothing on the way can shrink it).
func evidencePDF(_ world: World, _ name: String, size: Int) -> (path: String, bytes: [UInt8], sha256: String) {
    var generator = SystemRandomNumberGenerator()
    let bytes = Array("%PDF-1.7\n".utf8) + (0..<(size - 9)).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let path = world.path(name)
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return (path, bytes, SHA256Hex.of(bytes))
}

extension NodeHandle {
    /// An assessment score of this unit for 2024, criterion 1.1: its id is UNIT/2024/1.1.
    func scoreRecord(sourceLocation: SourceLocation = #_sourceLocation) -> String {
        put("assessment_scores", [["unit": unit, "year": 2024, "criterion": "1.1", "self_score": 2]], sourceLocation: sourceLocation)
        return "\(unit)/2024/1.1"
    }

    /// `files add assessment_scores ID PATH --json`, expecting success.
    @discardableResult
    func attach(_ record: String, _ path: String, name: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> CommandResult {
        let result = run(["files", "add", "assessment_scores", record, path, "--json"] + (name.map { ["--name", $0] } ?? []), sourceLocation: sourceLocation)
        #expect(result.code == 0, "\(unit): files add failed: \(result)", sourceLocation: sourceLocation)
        return result
    }

    var fileStore: FileStore { FileStore(dataDirectory: dataDirectory) }
}

/// The `files` part of a `sync --once --json` report.
func fileReport(_ report: [String: Any]?) -> [String: Any] { report?["files"] as? [String: Any] ?? [:] }
func number(_ value: Any?) -> Int { (value as? NSNumber)?.intValue ?? -1 }

extension HubProcess {
    var fileStore: FileStore { FileStore(dataDirectory: dataDirectory) }
    /// Bytes the hub holds of `sha256` so far (its part file, or the complete file).
    func held(_ sha256: String) -> Int64 { fileStore.held(sha256).bytes }
}

/// Another server of an existing unit (a replacement after a disk failure): own folder and site.
struct SecondNode {
    let world: World
    let unit: String
    let dataDirectory: String
    let configPath: String

    init(world: World, unit: String, token: String, hub: HubProcess, extraConfig: String = "") throws {
        self.world = world
        self.unit = unit
        dataDirectory = world.path("second-\(unit)")
        configPath = world.path("second-\(unit).yaml")
        let created = world.run(["init", "--data-dir", dataDirectory, "--unit", unit])
        try #require(created.code == 0, "init failed: \(created)")
        write(hubURL: hub.url, token: token, extraConfig: extraConfig)
    }

    func write(hubURL: String, token: String, extraConfig: String = "") {
        world.write("second-\(unit).yaml", "role: node\nunit: \(unit)\ndata_dir: \(dataDirectory)\nlog_level: warning\n"
                    + "hub:\n  url: \(hubURL)\n  token: \"\(token)\"\n  connect_timeout: 2\n  timeout: 60\n" + extraConfig)
    }

    @discardableResult
    func run(_ arguments: [String]) -> CommandResult { world.run(arguments + ["--config", configPath]) }
    var fileStore: FileStore { FileStore(dataDirectory: dataDirectory) }
}
