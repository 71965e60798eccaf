import Benchmarks
import Foundation
import Hub
import HubClient
import Logging
import NodeSync
import Replica
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The hub under load (Protocol/README.md §18.1): many nodes at once on a real hub process,
/// fair admission, 503 with Retry-After honoured by the node's client.
@Suite("hub under load")
struct HubUnderLoadTests {
    /// The load path of `reformsync bench hub` at a size `make test` affords: convergence and no
    /// errors, not speed (the benchmark prints the figures).
    @Test("100 simulated nodes, each with its own unit, token and site, push 100 changes and pull at once: no errors, all merged, all caught up")
    func hundredNodes() async throws {
        let world = try World("hubload")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        hub.put("units", Reference.units(["SNV"]))
        // Creating 100 replicas and writing to them blocks: done on a thread of its own, not on
        // Swift's cooperative pool, which the suites running beside this one need.
        let fleet = try await offPool {
            let fleet = try HubFleet.create(count: 100, hubURL: hub.url, hubReplica: hub.replicaPath, directory: world.path("fleet"))
            try fleet.write(changes: 100)
            return fleet
        }
        // At most 20 rounds at once: each transfer holds a thread, and the test process shares
        // libdispatch's 255 with the suites running beside it.
        let errors = await fleet.syncAll(concurrency: 20)
        #expect(errors.isEmpty, "\(errors.count) node(s) failed: \(errors.prefix(5))")
        // Every node's 20 scores are at the hub; every node has the hub's shared row and nothing pending.
        #expect(try liveRows(hub, "assessment_scores") == 100 * 20)
        for node in fleet.nodes {
            #expect(try node.session.pendingChanges() == 0, "\(node.unit) has changes pending")
            #expect(try record(node.replica, "units", "SNV") != nil, "\(node.unit) did not pull the hub's unit")
        }
        // A second round of all of them at once: each is one exchange, and still no error.
        try await offPool { try fleet.write(changes: 5, round: 1) }
        let again = await fleet.syncAll(concurrency: 20)
        #expect(again.isEmpty, "\(again.prefix(5))")
        #expect(try liveRows(hub, "assessment_scores") == 100 * 21)
    }

    /// A free slot goes to the waiting units in turn, not to whoever queued most (§18.1).
    @Test("admission: a free slot goes to the units in turn; beyond the line, 503 overloaded with Retry-After")
    func fairAdmission() async throws {
        let admission = HubAdmission(maxConcurrent: 1, maxQueued: 4, maxLivePulls: 0, retryAfterSeconds: 7)
        let order = Recorder()
        let gate = AsyncGate()
        // The only slot, held until the gate opens.
        let holder = Task { try await admission.run(unit: "HOLDER") { await gate.wait() } }
        while admission.figures.running == 0 { try await Task.sleep(for: .milliseconds(5)) }
        var waiting: [Task<Void, any Error>] = []
        for name in ["A1", "A2", "A3", "B1"] {
            waiting.append(Task { _ = try await admission.run(unit: String(name.prefix(1))) { order.append(name) } })
            while admission.figures.queued < waiting.count { try await Task.sleep(for: .milliseconds(5)) }
        }
        // The line is full: the next one is refused at once, with the seconds to wait.
        do {
            _ = try await admission.run(unit: "C") {}
            Issue.record("a request beyond the full line was let in")
        } catch let error as HubError {
            #expect(error.status == 503 && error.code == "overloaded" && error.retryAfter == 7, "\(error)")
        }
        gate.open()
        _ = try await holder.value
        for task in waiting { try await task.value }
        #expect(order.list == ["A1", "B1", "A2", "A3"], "B waited behind all of A's requests: \(order.list)")
        #expect(admission.figures.running == 0 && admission.figures.queued == 0)
    }

    /// A hub whose only slot is taken answers 503 with Retry-After at once; the node's client
    /// waits at least that long (not its own shorter backoff), and the round then succeeds.
    @Test("a busy hub's 503 + Retry-After is honoured: the node waits the seconds asked, then syncs")
    func retryAfterHonoured() async throws {
        let world = try World("hub503")
        defer { world.shutdown() }
        let hub = try world.makeHub(serverConfig: "  max_concurrent_requests: 1\n  max_queued_requests: 0\n  retry_after: 2\n")
        try hub.start()
        let node = try world.makeNode("SONDUONG", hub: hub)
        node.put("initiatives", [["id": "SD-503", "unit": "SONDUONG", "year": 2026, "title": "Một cửa"]])

        // A push whose body never comes holds the hub's only slot (the body is read inside it).
        let holder = try SlowRequest(port: hub.port, head: "POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(node.token)\r\n"
                                     + "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
        try await Task.sleep(for: .milliseconds(300))

        let log = CapturedLog()
        var configuration = HubClientConfiguration(baseURL: hub.url, bearerToken: node.token, connectTimeout: 2, totalTimeout: 20)
        configuration.retry = RetryPolicy(maxAttempts: 5, initialDelay: 0.1, maxDelay: 10, multiplier: 2, jitter: 0)
        let client = try HubHTTPClient(configuration: configuration, logger: Logger(label: "test") { _ in log })
        let replica = try node.openReplica()
        let session = SyncSession(replica: replica, client: client)
        let started = ContinuousClock.now
        let round = Task { try await session.runOnce() }
        try await Task.sleep(for: .seconds(1))
        holder.close()  // the slot comes free; the node still waits out Retry-After
        let report = try await round.value
        let elapsed = ContinuousClock.now - started
        #expect(report.pendingChanges == 0 && report.pushedChanges > 0, "\(report)")
        #expect(elapsed >= .seconds(2), "the node came back after \(elapsed), before the hub's Retry-After of 2 s")
        let retries = log.entries.filter { $0.message == "hub request failed, retrying" }
        #expect(!retries.isEmpty && retries.allSatisfy { (Double($0.metadata["delay_s"] ?? "") ?? 0) >= 2 },
                "retries and their delays: \(retries.map { $0.metadata })")
        #expect(retries.contains { $0.metadata["error"]?.contains("overloaded") == true }, "\(retries.map { $0.metadata })")
        let metrics = try hub.http("GET", "/metrics", headers: Auth.bearer(try hub.createOperatorToken()))
        let overloaded = metrics.text.split(separator: "\n").first { $0.hasPrefix("reformsync_hub_overloaded_total ") }
        #expect(overloaded.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0 >= 1, "\(metrics.text)")
    }
}

/// Runs blocking work on a thread of its own and awaits it.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}

/// Live rows of `table` at the hub (which may be running).
func liveRows(_ hub: HubProcess, _ table: String) throws -> Int {
    try hub.openReplica().tableCounts().first { $0.table == table }?.live ?? -1
}

/// Names in the order they came.
final class Recorder: Sendable {
    private let names = Mutex<[String]>([])
    func append(_ name: String) { names.withLock { $0.append(name) } }
    var list: [String] { names.withLock { $0 } }
}

/// Opens once; everyone waiting passes.
final class AsyncGate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let proceed = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if proceed { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A request whose head is sent and whose body is not, until ``close()``.
final class SlowRequest: Sendable {
    let fd: Int32

    init(port: Int, head: String) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw RawHTTPError(description: "connect: errno \(errno)") }
        let bytes = Array(head.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }
}

/// Log entries kept in memory: message and metadata as text.
final class CapturedLog: LogHandler, @unchecked Sendable {
    struct Entry: Sendable {
        var message: String
        var metadata: [String: String]
    }

    private let store = Mutex<[Entry]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug
    var entries: [Entry] { store.withLock { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let entry = Entry(message: message.description, metadata: (metadata ?? [:]).mapValues { "\($0)" })
        store.withLock { $0.append(entry) }
    }
}
