import Foundation
@_exported import ReformsyncTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// End-to-end tests of the `reformsync` executable: the real binary runs as a child process in
// temporary folders, and the tests check exit codes, messages and the stored data.

struct RunResult: CustomStringConvertible {
    var code: Int32
    var stdout: String
    var stderr: String
    var description: String { "exit \(code)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

/// Runs `reformsync args…` to completion. Output goes to files, so a chatty child can never
/// block on a full pipe; standard input is `stdin` or empty.
@discardableResult
func run(_ args: [String], stdin: String? = nil) -> (code: Int32, stdout: String, stderr: String) {
    let result = runResult(args, stdin: stdin.map { Data($0.utf8) })
    return (result.code, result.stdout, result.stderr)
}

func runResult(_ args: [String], stdin: Data? = nil) -> RunResult {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-run-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    do {
        let child = try ChildProcess(args, stdin: stdin, outputDirectory: scratch.path)
        child.process.waitUntilExit()
        let result = child.result
        return RunResult(code: result.code, stdout: result.stdout, stderr: result.stderr)
    } catch {
        Issue.record("cannot run reformsync: \(error)")
        return RunResult(code: -1, stdout: "", stderr: "")
    }
}

/// A fresh temporary folder, removed when the value is deinitialised.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL
    init(_ label: String = "cli") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) -> String { write(name, Data(text.utf8)) }

    @discardableResult
    func write(_ name: String, _ data: Data) -> String {
        let path = path(name)
        _ = FileManager.default.createFile(atPath: path, contents: data)
        return path
    }
}

/// One replica folder and the commands run against it (`--data-dir` appended).
struct Node {
    let dataDirectory: String
    var replicaPath: String { dataDirectory + "/replica.sqlite" }

    init(_ directory: TemporaryDirectory, _ name: String) {
        dataDirectory = directory.path(name)
    }

    @discardableResult
    func run(_ args: [String], stdin: String? = nil) -> RunResult {
        runResult(args + ["--data-dir", dataDirectory], stdin: stdin.map { Data($0.utf8) })
    }

    /// `init --unit UNIT`, expecting success.
    @discardableResult
    /// `init --unit UNIT`; `role: "hub"` for tests that write tables only the hub writes (a node
    /// refuses those writes, as the hub would).
    func initialise(unit: String = "SONDUONG", role: String? = nil) -> RunResult {
        let result = run(["init", "--unit", unit] + (role.map { ["--role", $0] } ?? []))
        #expect(result.code == 0, "init failed: \(result)")
        return result
    }

    /// `record put TABLE JSON`, expecting success.
    func put(_ table: String, _ json: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let result = run(["record", "put", table, json])
        #expect(result.code == 0, "put \(json) failed: \(result)", sourceLocation: sourceLocation)
    }

    /// `record list TABLE` parsed.
    func list(_ table: String, _ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) -> [[String: Any]] {
        let result = run(["record", "list", table] + extra)
        #expect(result.code == 0, "list \(table) failed: \(result)", sourceLocation: sourceLocation)
        return (parseJSON(result.stdout) as? [[String: Any]]) ?? []
    }

    /// `record get TABLE ID` parsed; nil when it fails.
    func get(_ table: String, _ id: String) -> [String: Any]? {
        let result = run(["record", "get", table, id])
        guard result.code == 0 else { return nil }
        return parseJSON(result.stdout) as? [String: Any]
    }
}

func parseJSON(_ text: String) -> Any? {
    try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

/// Exact bytes, since Swift's `==` on strings treats NFD and NFC as equal.
func utf8Bytes(_ value: Any?) -> [UInt8] {
    (value as? String).map { Array($0.utf8) } ?? []
}

extension String {
    var nfdForm: String { decomposedStringWithCanonicalMapping }
    var nfcForm: String { precomposedStringWithCanonicalMapping }
}

/// Size of a file, or -1 when it does not exist.
func fileSize(_ path: String) -> Int64 {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? -1
}

/// Starts `reformsync args…` without waiting; its output is discarded.
func spawn(_ args: [String]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try BuiltBinary.require())
    process.arguments = args
    process.environment = BuiltBinary.childEnvironment
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return process
}
