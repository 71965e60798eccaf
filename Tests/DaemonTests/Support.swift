import Foundation
@_exported import ReformsyncTestSupport
import GRDB
import Replica
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The district daemon as a process: the real `reformsync` binary runs a hub and daemons on
// 127.0.0.1 (ephemeral ports), each on its own SQLite files in a temporary folder, and the tests
// talk to them over real HTTP and read the replica files directly (GRDB, WAL: safe beside the
// running processes). Every process a test starts is SIGKILLed when its World goes away.

// MARK: - The binary


// MARK: - A test's world

/// A fresh temporary folder with its processes; everything still running is SIGKILLed and the
/// folder removed when the world goes away (set REFORMSYNC_KEEP_TEST_FILES=1 to keep it).
final class World: @unchecked Sendable {
    let root: String
    let logs: String
    private let lock = NSLock()
    private var children: [ChildProcess] = []
    private var proxies: [LinkProxy] = []
    private var sockets: [NotifySocket] = []

    init(_ label: String) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("rs-dt-\(label)-\(UUID().uuidString.prefix(6))").path
        logs = root + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
    }

    deinit { shutdown() }

    /// Kills whatever still runs and removes the folder.
    func shutdown() {
        let (children, proxies, sockets) = lock.withLock {
            defer { self.children = []; self.proxies = []; self.sockets = [] }
            return (self.children, self.proxies, self.sockets)
        }
        for child in children { child.killNow() }
        for proxy in proxies { proxy.stop() }
        for socket in sockets { socket.stop() }
        if ProcessInfo.processInfo.environment["REFORMSYNC_KEEP_TEST_FILES"] == nil {
            try? FileManager.default.removeItem(atPath: root)
        } else if FileManager.default.fileExists(atPath: root) {
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

    /// Runs `reformsync args…` to completion (SIGKILLed after `timeout` seconds, recorded as an issue).
    @discardableResult
    func run(_ arguments: [String], stdin: Data? = nil, timeout: Double = 120, sourceLocation: SourceLocation = #_sourceLocation) -> CommandResult {
        reformsync(arguments, stdin: stdin, in: logs, timeout: timeout, sourceLocation: sourceLocation)
    }

    /// Starts `reformsync args…` in the background; SIGKILLed at the latest when the world goes away.
    func spawn(_ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        let child = try ChildProcess(arguments, environment: environment, outputDirectory: logs)
        lock.withLock { children.append(child) }
        return child
    }

    func proxy(to port: Int, _ settings: LinkProxy.Settings) throws -> LinkProxy {
        let proxy = try LinkProxy(targetPort: port, settings: settings)
        lock.withLock { proxies.append(proxy) }
        return proxy
    }

    func notifySocket(_ name: String) throws -> NotifySocket {
        let socket = try NotifySocket(path: path(name))
        lock.withLock { sockets.append(socket) }
        return socket
    }

    /// A hub replica (`init --role hub`) and its configuration; not started. `port` 0: any free
    /// port at each start; a fixed port lets it come back where the nodes expect it.
    func makeHub(port: Int = 0, sourceLocation: SourceLocation = #_sourceLocation) throws -> HubProcess {
        try HubProcess(world: self, port: port, sourceLocation: sourceLocation)
    }

    /// A node replica for `unit` with a token issued by `hub`, and its configuration (API on an
    /// ephemeral port); the daemon is not started.
    func makeNode(_ unit: String = "SONDUONG", hub: HubProcess, hubURL: String? = nil, settings: [String: String] = [:],
                  sourceLocation: SourceLocation = #_sourceLocation) throws -> NodeHandle {
        let token = try hub.createToken(unit: unit, sourceLocation: sourceLocation)
        let node = NodeHandle(world: self, unit: unit)
        let created = run(["init", "--data-dir", node.dataDirectory, "--unit", unit], sourceLocation: sourceLocation)
        try #require(created.code == 0, "init of \(unit) failed: \(created)", sourceLocation: sourceLocation)
        node.settings = NodeHandle.defaults(unit: unit, dataDirectory: node.dataDirectory)
        node.settings["hub.url"] = hubURL ?? hub.url
        node.settings["hub.token"] = token
        node.settings.merge(settings) { $1 }
        node.writeConfig()
        return node
    }
}

/// Renders dotted keys (`hub.url`) as YAML sections, top-level keys first; values as given.
func yaml(_ settings: [String: String]) -> String {
    var lines: [String] = []
    for key in settings.keys.filter({ !$0.contains(".") }).sorted() { lines.append("\(key): \(settings[key]!)") }
    let sections = Dictionary(grouping: settings.keys.filter { $0.contains(".") }) { String($0.split(separator: ".")[0]) }
    for section in sections.keys.sorted() {
        lines.append("\(section):")
        for key in sections[section]!.sorted() {
            lines.append("  \(key.split(separator: ".", maxSplits: 1)[1]): \(settings[key]!)")
        }
    }
    return lines.joined(separator: "\n") + "\n"
}

// MARK: - The hub

final class HubProcess: @unchecked Sendable {
    unowned let world: World
    let dataDirectory: String
    let configPath: String
    let configuredPort: Int
    private(set) var child: ChildProcess?
    private(set) var port = 0

    init(world: World, port: Int, sourceLocation: SourceLocation) throws {
        self.world = world
        configuredPort = port
        dataDirectory = world.path("hub")
        configPath = world.path("hub.yaml")
        self.port = port
        world.write("hub.yaml", yaml(["role": "hub", "unit": "SNV", "data_dir": dataDirectory, "log_level": "notice",
                                      "server.host": "127.0.0.1", "server.port": "\(port)"]))
        let created = world.run(["init", "--config", configPath, "--unit", "SNV", "--role", "hub"], sourceLocation: sourceLocation)
        try #require(created.code == 0, "hub init failed: \(created)", sourceLocation: sourceLocation)
    }

    var replicaPath: String { dataDirectory + "/replica.sqlite" }
    var url: String { "http://127.0.0.1:\(port)" }
    var isRunning: Bool { child?.isRunning ?? false }

    /// Starts `reformsync hub` and waits for "listening on http://127.0.0.1:PORT". A fixed port
    /// still held by the previous run (TIME_WAIT, a slow exit) is retried for a few seconds.
    @discardableResult
    func start(environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws -> ChildProcess {
        precondition(!isRunning, "the hub is already running")
        var attempts = 0
        while true {
            attempts += 1
            let child = try world.spawn(["hub", "--config", configPath], environment: environment)
            self.child = child
            do {
                let line = try child.waitForOutput(#"listening on http://127\.0\.0\.1:\d+"#)
                port = Int(line.split(separator: ":").last ?? "") ?? 0
                if configuredPort != 0 {
                    #expect(port == configuredPort, "the hub listens on \(port), not the configured \(configuredPort)", sourceLocation: sourceLocation)
                }
                return child
            } catch {
                if configuredPort != 0, attempts < 10, !child.isRunning {
                    sleepSeconds(0.5)
                    continue
                }
                Issue.record("the hub did not start: \(error)", sourceLocation: sourceLocation)
                throw error
            }
        }
    }

    /// SIGTERM, SIGKILL if still running after 10 s; its result.
    @discardableResult
    func stop() -> CommandResult? {
        guard let child else { return nil }
        child.signal(SIGTERM)
        if !child.waitForExit(timeout: 10) { child.killNow() }
        return child.result
    }

    /// SIGKILL: the hub vanishes without a word, like a power cut at the province.
    func kill() { child?.killNow() }

    func createToken(unit: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = world.run(["hub", "token", "create", "--config", configPath, "--unit", unit, "--allow-unknown-unit"], sourceLocation: sourceLocation)
        try #require(result.code == 0, "token create failed: \(result)", sourceLocation: sourceLocation)
        let token = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(token.hasPrefix("rs1_"), "unexpected token \(token)", sourceLocation: sourceLocation)
        return token
    }

    /// Live rows of `table` in the hub's database (the hub may be running).
    func count(_ table: String) throws -> Int { try liveRows(replicaPath, table) }

    /// History entries the hub recorded more than once (same row, field, stamp and causal length).
    func duplicatedHistoryEntries() throws -> Int {
        try readOnlyQueue(replicaPath).read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM (SELECT 1 FROM _rs_history GROUP BY tbl, key, col, hlc, site, cl HAVING COUNT(*) > 1)
                """) ?? -1
        }
    }
}

// MARK: - A district node

final class NodeHandle: @unchecked Sendable {
    unowned let world: World
    let unit: String
    let dataDirectory: String
    let configPath: String
    /// The configuration as dotted keys; `writeConfig()` renders it.
    var settings: [String: String] = [:]

    init(world: World, unit: String) {
        self.world = world
        self.unit = unit
        dataDirectory = world.path("node-\(unit)")
        configPath = world.path("node-\(unit).yaml")
    }

    /// Quick settings for tests: API on any free port, short timeouts and backoff, a long interval
    /// (rounds come from the start, writes and POST /sync, not the clock).
    static func defaults(unit: String, dataDirectory: String) -> [String: String] {
        ["role": "node", "unit": unit, "data_dir": dataDirectory, "log_level": "info",
         "hub.connect_timeout": "2", "hub.timeout": "20",
         "api.host": "127.0.0.1", "api.port": "0",
         "sync.interval": "600", "sync.debounce": "0.2", "sync.max_backoff": "3"]
    }

    var replicaPath: String { dataDirectory + "/replica.sqlite" }

    func writeConfig() { world.write("node-\(unit).yaml", yaml(settings)) }

    @discardableResult
    func run(_ arguments: [String], stdin: Data? = nil, timeout: Double = 120, sourceLocation: SourceLocation = #_sourceLocation) -> CommandResult {
        world.run(arguments + ["--config", configPath], stdin: stdin, timeout: timeout, sourceLocation: sourceLocation)
    }

    /// `record put TABLE -` with the records as a JSON array on standard input, expecting success.
    func put(_ table: String, _ records: [[String: Any]], sourceLocation: SourceLocation = #_sourceLocation) {
        let result = run(["record", "put", table, "-"], stdin: jsonData(records), sourceLocation: sourceLocation)
        #expect(result.code == 0, "\(unit) put \(table) failed: \(result)", sourceLocation: sourceLocation)
    }

    /// `reformsync status` as a table and as JSON.
    func status(sourceLocation: SourceLocation = #_sourceLocation) -> NodeStatusReading {
        let table = run(["status"], sourceLocation: sourceLocation)
        let json = run(["status", "--json"], sourceLocation: sourceLocation)
        return NodeStatusReading(table: table, json: json)
    }

    /// Starts `reformsync daemon` and waits until it announces itself (and its API, if enabled).
    func startDaemon(environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws -> DaemonProcess {
        let child = try world.spawn(["daemon", "--config", configPath], environment: environment)
        do {
            let line = try child.waitForOutput("daemon running for \(unit)[^\n]*\n")
            let api = line.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression).map { String(line[$0]) }
            return DaemonProcess(child: child, api: api, dataDirectory: dataDirectory)
        } catch {
            Issue.record("the daemon did not start: \(error)", sourceLocation: sourceLocation)
            throw error
        }
    }

    /// Live rows of `table` in the node's database.
    func count(_ table: String) throws -> Int { try liveRows(replicaPath, table) }

    /// The node's replica, opened beside the daemon (reads only: cursors, versions, dumps).
    func openReplica() throws -> Replica { try Replica.open(path: replicaPath) }
}

/// What `reformsync status` printed, both ways.
struct NodeStatusReading: CustomStringConvertible {
    var table: CommandResult
    var json: CommandResult
    var object: [String: Any] { (parseJSON(json.stdout) as? [String: Any]) ?? [:] }
    var health: String? { object["health"] as? String }
    /// The exit code, when the table and JSON forms agree on it (-99 when they do not).
    var code: Int32 { table.code == json.code ? json.code : -99 }
    var description: String { "--- status\n\(table)\n--- status --json\n\(json)" }
    func int(_ key: String) -> Int? { (object[key] as? NSNumber)?.intValue }
}

/// The fields of `status --json` every monitoring script relies on: each must be present (null
/// when unknown), never left out.
let statusFields = [
    "health", "problems", "unit", "site", "hub_url", "hub_reachable", "last_sync_at", "last_sync_age_seconds",
    "pending_changes", "pending_bytes", "hub_version", "hub_lag", "quarantined", "last_error", "clock_offset_ms",
    "protocol_version", "schema_version", "replica_bytes", "daemon_running", "daemon_uptime_seconds",
]

func expectStatusFields(_ status: NodeStatusReading, sourceLocation: SourceLocation = #_sourceLocation) {
    let missing = statusFields.filter { status.object[$0] == nil }
    #expect(missing.isEmpty, "status --json lacks \(missing): \(status.json.stdout)", sourceLocation: sourceLocation)
}

// MARK: - The daemon

final class DaemonProcess: @unchecked Sendable {
    let child: ChildProcess
    /// `http://127.0.0.1:PORT` as the daemon announced it (nil: API disabled).
    let api: String?
    let dataDirectory: String

    init(child: ChildProcess, api: String?, dataDirectory: String) {
        self.child = child
        self.api = api
        self.dataDirectory = dataDirectory
    }

    /// The local API's token, as programs read it: `<data_dir>/api-token`.
    var token: String {
        ((try? String(contentsOfFile: dataDirectory + "/api-token", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A request as a stranger sends it: no token (and, with `host`, another Host header).
    func anonymous(_ method: String, _ path: String, body: Data? = nil, host: String? = nil) throws -> HTTPResponse {
        let base = try #require(api, "the daemon announced no API")
        return try http(method, base, path, body: body, host: host)
    }

    var pid: Int32 { child.pid }
    var isRunning: Bool { child.isRunning }
    var log: String { child.stderr }

    /// A request to the local API.
    /// A request to the local API with the node's API token, as a program on the server sends it.
    func request(_ method: String, _ path: String, json: Any? = nil, body: Data? = nil, headers: [(String, String)] = [],
                 host: String? = nil, timeout: Double = 15) throws -> HTTPResponse {
        let base = try #require(api, "the daemon announced no API")
        return try http(method, base, path, body: json.map { jsonData($0) } ?? body,
                        headers: [("Authorization", "Bearer \(token)")] + headers, host: host, timeout: timeout)
    }

    /// SIGTERM; waits up to `timeout` s for the exit (SIGKILL after that). The result and the seconds it took.
    func terminate(timeout: Double = 10) -> (result: CommandResult, seconds: Double, exited: Bool) {
        let start = monotonicSeconds()
        child.signal(SIGTERM)
        let exited = child.waitForExit(timeout: timeout)
        let seconds = monotonicSeconds() - start
        if !exited { child.killNow() }
        return (child.result, seconds, exited)
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

/// Live (not deleted) rows of a reform-data table; `_cl` odd means the row exists.
func liveRows(_ path: String, _ table: String) throws -> Int {
    try readOnlyQueue(path).read { db in
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \"\(table)\" WHERE _cl % 2 = 1") ?? 0
    }
}

/// `PRAGMA integrity_check` of a SQLite file: "ok" when sound.
func integrityCheck(_ path: String) throws -> String {
    try readOnlyQueue(path).read { db in
        try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
    }
}

/// The lines of a replica's canonical dump for one table (one line per row, stamps included).
func dumpLines(_ path: String, table: String) throws -> [String] {
    try Replica.open(path: path).canonicalDump().split(separator: "\n").map(String.init).filter { $0.hasPrefix(table + "\t") }
}

/// `count` initiatives of `unit`, with ids `prefix-00000`…; `summaryBytes` of random base64 each
/// (incompressible, so gzip cannot shrink a transfer below a known size).
func initiatives(_ count: Int, unit: String = "SONDUONG", prefix: String = "SK", summaryBytes: Int = 0) -> [[String: Any]] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { n in
        var record: [String: Any] = ["id": String(format: "%@-%05d", prefix, n), "unit": unit, "year": 2021 + n % 5,
                                     "title": "Sáng kiến cải cách hành chính số \(n)"]
        if summaryBytes > 0 {
            record["summary"] = Data((0..<summaryBytes).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
        }
        return record
    }
}
