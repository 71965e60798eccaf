import CRDT
import Foundation
@_exported import ReformsyncTestSupport
import GRDB
import ReformData
import Replica
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Support for the end-to-end tests: the real `reformsync` binary runs as child processes (a hub
// serving HTTP on 127.0.0.1 with an ephemeral port, nodes running `sync --once` through libcurl),
// each on its own SQLite files in a temporary folder. The tests read the replica files directly
// (GRDB, WAL: safe beside the running processes) to compare what every replica holds.

// MARK: - The binary



// MARK: - A test's world: temporary folder, one hub, nodes

/// A fresh temporary folder; removed (with every process still running killed) when released.
final class World: @unchecked Sendable {
    let root: String
    let logs: String
    private var hubs: [HubProcess] = []
    private var children: [ChildProcess] = []

    init(_ label: String) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-it-\(label)-\(UUID().uuidString.prefix(8))").path
        logs = root + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
    }

    deinit { shutdown() }

    /// Kills whatever is still running and removes the folder.
    func shutdown() {
        for child in children where child.isRunning { child.killNow() }
        for hub in hubs { hub.kill() }
        children.removeAll()
        hubs.removeAll()
        if ProcessInfo.processInfo.environment["REFORMSYNC_KEEP_TEST_FILES"] == nil {
            try? FileManager.default.removeItem(atPath: root)
        } else {
            print("test files kept in \(root)")
        }
    }

    func path(_ name: String) -> String { root + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let path = path(name)
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    @discardableResult
    func run(_ arguments: [String], stdin: Data? = nil, timeout: Double = 120, wrapper: [String] = [],
             sourceLocation: SourceLocation = #_sourceLocation) -> CommandResult {
        reformsync(arguments, stdin: stdin, in: logs, timeout: timeout, wrapper: wrapper, sourceLocation: sourceLocation)
    }

    /// Starts `reformsync args…` in the background; killed at the latest when the world shuts down.
    func spawn(_ arguments: [String]) throws -> ChildProcess {
        let child = try ChildProcess(arguments, outputDirectory: logs)
        children.append(child)
        return child
    }

    /// Creates the hub's replica (`init --role hub`) and its configuration; not started.
    /// - Parameter name: the hub's folder and configuration file name (several hubs: two tiers).
    func makeHub(unit: String = "SNV", name: String = "hub", maxBodyBytes: Int? = nil, serverConfig: String = "",
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> HubProcess {
        let hub = try HubProcess(world: self, unit: unit, name: name, maxBodyBytes: maxBodyBytes, serverConfig: serverConfig, sourceLocation: sourceLocation)
        hubs.append(hub)
        return hub
    }

    /// Creates a node replica for `unit` with a token issued by `hub`.
    func makeNode(_ unit: String, hub: HubProcess, batchChanges: Int? = nil, extraConfig: String = "",
                  sourceLocation: SourceLocation = #_sourceLocation) throws -> NodeHandle {
        let node = NodeHandle(world: self, unit: unit, token: try hub.createToken(unit: unit, sourceLocation: sourceLocation),
                              hubURL: hub.url, batchChanges: batchChanges, extraConfig: extraConfig)
        let created = run(["init", "--data-dir", node.dataDirectory, "--unit", unit])
        try #require(created.code == 0, "init of \(unit) failed: \(created)", sourceLocation: sourceLocation)
        node.writeConfig()
        return node
    }
}

/// The hub: its replica, configuration and (while started) its `reformsync hub` process.
final class HubProcess: @unchecked Sendable {
    unowned let world: World
    let unit: String
    let dataDirectory: String
    let configPath: String
    private(set) var child: ChildProcess?
    private(set) var port = 0
    private(set) var starts = 0

    /// - Parameter serverConfig: more `server:` lines, each indented two spaces.
    init(world: World, unit: String, name: String = "hub", maxBodyBytes: Int?, serverConfig: String = "", sourceLocation: SourceLocation) throws {
        self.world = world
        self.unit = unit
        dataDirectory = world.path(name)
        configPath = world.path(name + ".yaml")
        var yaml = "role: hub\nunit: \(unit)\ndata_dir: \(dataDirectory)\nlog_level: notice\nserver:\n  host: 127.0.0.1\n  port: 0\n"
        if let maxBodyBytes { yaml += "  max_body_bytes: \(maxBodyBytes)\n" }
        yaml += serverConfig
        world.write(name + ".yaml", yaml)
        let created = world.run(["init", "--config", configPath, "--unit", unit, "--role", "hub"], sourceLocation: sourceLocation)
        try #require(created.code == 0, "hub init failed: \(created)", sourceLocation: sourceLocation)
    }

    var replicaPath: String { dataDirectory + "/replica.sqlite" }
    var url: String { "http://127.0.0.1:\(port)" }
    var isRunning: Bool { child?.isRunning ?? false }

    /// Starts `reformsync hub --config …` and waits for its "listening on http://127.0.0.1:PORT" line.
    /// - Parameter wrapper: runs the hub through it, e.g. `faketime -f +2d` (a hub days ahead).
    func start(wrapper: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        precondition(child == nil || !child!.isRunning, "the hub is already running")
        let child = try ChildProcess(["hub", "--config", configPath], wrapper: wrapper, outputDirectory: world.logs)
        self.child = child
        starts += 1
        let deadline = monotonicSeconds() + 30
        while true {
            let out = child.stdout
            if let range = out.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression),
               let port = Int(out[range].split(separator: ":").last ?? ""), port > 0 {
                self.port = port
                return
            }
            if !child.isRunning {
                Issue.record("the hub exited before listening: \(child.result)", sourceLocation: sourceLocation)
                throw TestFailure("hub did not start")
            }
            if monotonicSeconds() > deadline {
                child.killNow()
                Issue.record("the hub printed no listening line within 30 s: \(child.result)", sourceLocation: sourceLocation)
                throw TestFailure("hub did not start")
            }
            usleep(5_000)
        }
    }

    /// SIGTERM (graceful), SIGKILL if it is still running after 10 s; returns its result.
    @discardableResult
    func stop() -> CommandResult? {
        guard let child else { return nil }
        child.signal(SIGTERM)
        if !child.waitForExit(timeout: 10) { child.killNow() }
        return child.result
    }

    /// SIGKILL, no goodbye.
    func kill() {
        child?.killNow()
    }

    /// The hub's log so far (its standard error).
    var log: String { child?.stderr ?? "" }

    func run(_ arguments: [String], stdin: Data? = nil, wrapper: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) -> CommandResult {
        world.run(arguments + ["--config", configPath], stdin: stdin, wrapper: wrapper, sourceLocation: sourceLocation)
    }

    func createToken(unit: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = run(["hub", "token", "create", "--unit", unit, "--allow-unknown-unit"], sourceLocation: sourceLocation)
        try #require(result.code == 0, "token create failed: \(result)", sourceLocation: sourceLocation)
        let token = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(token.hasPrefix("rs1_"), "unexpected token \(token)", sourceLocation: sourceLocation)
        return token
    }

    /// `record put TABLE -` with the records as a JSON array on standard input (local, trusted hub writes).
    func put(_ table: String, _ records: [[String: Any]], sourceLocation: SourceLocation = #_sourceLocation) {
        let result = run(["record", "put", table, "-"], stdin: jsonData(records), sourceLocation: sourceLocation)
        #expect(result.code == 0, "hub put \(table) failed: \(result)", sourceLocation: sourceLocation)
    }

    func delete(_ table: String, _ id: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let result = run(["record", "delete", table, id], sourceLocation: sourceLocation)
        #expect(result.code == 0, "hub delete \(table) \(id) failed: \(result)", sourceLocation: sourceLocation)
    }

    func openReplica() throws -> Replica { try Replica.open(path: replicaPath) }

    /// The hub's node registry, read straight from its database (the hub may be running).
    func registry() throws -> [(site: String, unit: String, pushedThrough: Int64?, received: Int64)] {
        let queue = try readOnlyQueue(replicaPath)
        return try queue.read { db in
            guard try db.tableExists("_hub_nodes") else { return [] }
            return try Row.fetchAll(db, sql: "SELECT site, unit, pushed_through, changes_received FROM _hub_nodes ORDER BY unit").map {
                ($0[0], $0[1], $0[2], $0[3])
            }
        }
    }
}

/// A district node: its replica folder, configuration (pointing at the hub) and commands.
final class NodeHandle: @unchecked Sendable {
    unowned let world: World
    /// Changes only when the node continues as a successor unit (`continue-as`).
    var unit: String
    let dataDirectory: String
    let configPath: String
    var token: String
    var hubURL: String
    var batchChanges: Int?
    var extraConfig: String

    init(world: World, unit: String, token: String, hubURL: String, batchChanges: Int?, extraConfig: String) {
        self.world = world
        self.unit = unit
        self.token = token
        self.hubURL = hubURL
        self.batchChanges = batchChanges
        self.extraConfig = extraConfig
        dataDirectory = world.path("node-\(unit)")
        configPath = world.path("node-\(unit).yaml")
    }

    var replicaPath: String { dataDirectory + "/replica.sqlite" }

    /// (Re)writes the YAML configuration from the current settings.
    func writeConfig() {
        var yaml = "role: node\nunit: \(unit)\ndata_dir: \(dataDirectory)\nlog_level: warning\n"
        yaml += "hub:\n  url: \(hubURL)\n  token: \"\(token)\"\n  connect_timeout: 2\n  timeout: 60\n"
        if let batchChanges { yaml += "sync:\n  batch_changes: \(batchChanges)\n" }
        yaml += extraConfig
        world.write((configPath as NSString).lastPathComponent, yaml)
    }

    /// Points the node at `hub` (e.g. after a restart on a new port).
    func follow(_ hub: HubProcess) {
        hubURL = hub.url
        writeConfig()
    }

    @discardableResult
    func run(_ arguments: [String], stdin: Data? = nil, timeout: Double = 120, wrapper: [String] = [],
             sourceLocation: SourceLocation = #_sourceLocation) -> CommandResult {
        world.run(arguments + ["--config", configPath], stdin: stdin, timeout: timeout, wrapper: wrapper, sourceLocation: sourceLocation)
    }

    func put(_ table: String, _ records: [[String: Any]], sourceLocation: SourceLocation = #_sourceLocation) {
        let result = run(["record", "put", table, "-"], stdin: jsonData(records), sourceLocation: sourceLocation)
        #expect(result.code == 0, "\(unit) put \(table) failed: \(result)", sourceLocation: sourceLocation)
    }

    func delete(_ table: String, _ id: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let result = run(["record", "delete", table, id], sourceLocation: sourceLocation)
        #expect(result.code == 0, "\(unit) delete \(table) \(id) failed: \(result)", sourceLocation: sourceLocation)
    }

    /// `sync --once --json`; the parsed report when it printed one.
    @discardableResult
    func sync(expectSuccess: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) -> (result: CommandResult, report: [String: Any]?) {
        let result = run(["sync", "--once", "--json"], sourceLocation: sourceLocation)
        if expectSuccess {
            #expect(result.code == 0, "\(unit): sync --once failed: \(result)", sourceLocation: sourceLocation)
        }
        return (result, parseJSON(result.stdout) as? [String: Any])
    }

    func openReplica() throws -> Replica { try Replica.open(path: replicaPath) }

    /// A sync cursor position ("push" or "pull") read straight from the node's database.
    func cursorPosition(_ name: String) throws -> Int64 {
        let queue = try readOnlyQueue(replicaPath)
        return try queue.read { db in
            guard try db.tableExists("_rs_cursors") else { return 0 }
            return try Int64.fetchOne(db, sql: "SELECT value FROM _rs_cursors WHERE name = ?", arguments: [name + ".position"]) ?? 0
        }
    }
}

// MARK: - Data

func jsonData(_ value: Any) -> Data {
    (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data()
}

func parseJSON(_ text: String) -> Any? {
    try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

/// A read-only connection that never writes (no migrations, no checkpoints) beside running processes.
func readOnlyQueue(_ path: String) throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.readonly = true
    configuration.busyMode = .timeout(10)
    return try DatabaseQueue(path: path, configuration: configuration)
}

/// The lines of a replica's canonical dump (one per row, stamps included).
func dumpLines(_ path: String) throws -> [String] {
    let replica = try Replica.open(path: path)
    return try replica.canonicalDump().split(separator: "\n").map(String.init)
}

/// The table and key of a dump line.
func dumpRow(_ line: String) -> (table: String, key: String) {
    let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
    return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
}

/// What the hub holds that `unit` may read (its read policy: shared tables, its own rows, tasks
/// assigned to it): the lines a node of that unit must hold once in sync.
func hubView(_ hub: HubProcess, for unit: String) throws -> [String] {
    let replica = try hub.openReplica()
    let lines = try replica.canonicalDump().split(separator: "\n").map(String.init)
    return try replica.writer.read { db in
        let assigned = try String.fetchAll(db, sql: "SELECT task FROM task_assignees WHERE unit = ? AND _cl % 2 = 1", arguments: [unit])
        let policy = ReadPolicy(unit: unit, assignedTasks: Set(assigned))
        return try lines.filter { line in
            let row = dumpRow(line)
            guard let table = replica.schema.table(row.table) else { return false }
            let owner = try replica.rowState(row.table, key: row.key, db)?.owner
            return policy.mayRead(table, key: row.key, owner: owner)
        }
    }
}

/// Lines of tables every unit reads.
func sharedLines(_ lines: [String]) -> [String] {
    lines.filter { ReformSchema.v1.table(dumpRow($0).table)?.readScope == .everyone }
}

/// Expects two dumps to be equal, showing the differing lines when they are not.
func expectSameDump(_ actual: [String], _ expected: [String], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual != expected else { return }
    let a = Set(actual), e = Set(expected)
    let missing = expected.filter { !a.contains($0) }.prefix(8)
    let extra = actual.filter { !e.contains($0) }.prefix(8)
    Issue.record("""
        \(what): \(actual.count) lines, expected \(expected.count)
        missing (\(expected.filter { !a.contains($0) }.count)):
          \(missing.joined(separator: "\n  "))
        unexpected (\(actual.filter { !e.contains($0) }.count)):
          \(extra.joined(separator: "\n  "))
        """, sourceLocation: sourceLocation)
}

/// The visible fields of a record (nil when it does not exist), as JSON-like values.
func record(_ replica: Replica, _ table: String, _ key: String) throws -> [String: Value]? {
    try replica.get(table, key: key)?.values
}

/// `history TABLE ID --json` parsed.
func historyLines(_ run: (_ arguments: [String]) -> CommandResult, _ table: String, _ id: String,
                  sourceLocation: SourceLocation = #_sourceLocation) -> [[String: Any]] {
    let result = run(["history", table, id, "--json"])
    #expect(result.code == 0, "history \(table) \(id) failed: \(result)", sourceLocation: sourceLocation)
    return (parseJSON(result.stdout) as? [[String: Any]]) ?? []
}

/// History entries recorded more than once (same field, causal length and stamp): a change applied twice.
func duplicatedHistoryEntries(_ entries: [HistoryEntry]) -> [HistoryEntry] {
    struct Identity: Hashable { var column: String?; var causalLength: UInt64; var stamp: Stamp }
    var seen: Set<Identity> = []
    var duplicates: [HistoryEntry] = []
    for entry in entries {
        let identity = Identity(column: entry.column, causalLength: entry.causalLength, stamp: entry.stamp)
        if !seen.insert(identity).inserted { duplicates.append(entry) }
    }
    return duplicates
}
