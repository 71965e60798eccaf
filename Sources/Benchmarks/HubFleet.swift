import CRDT
import Foundation
import Hub
import HubClient
import Logging
import NodeSync
import ReformData
import Replica
import Synchronization

/// Many simulated nodes for `reformsync bench hub` and the hub's load tests: each with its own
/// unit, token, site and replica file, each syncing with the project's own client
/// (``SyncSession`` over ``HubHTTPClient``) on real HTTP — what a province's communes do, in one process.
public final class HubFleet: Sendable {
    public struct Node: Sendable {
        public let unit: String
        public let replica: Replica
        public let session: SyncSession
        public let client: HubHTTPClient
        /// The node's bearer token (the bench's long polls send it themselves).
        let token: String
    }

    public let nodes: [Node]
    /// Every hub request's duration, in milliseconds, as the nodes' clients saw it.
    public let timings: RequestTimings

    init(nodes: [Node], timings: RequestTimings) {
        self.nodes = nodes
        self.timings = timings
    }

    /// Creates `count` nodes of units `<prefix>0001`… in `directory`, with tokens issued at the
    /// hub whose replica file is `hubReplica` (the hub may be running: SQLite's WAL lets both write).
    public static func create(count: Int, prefix: String = "XA", hubURL: String, hubReplica: String, directory: String,
                              retry: RetryPolicy = RetryPolicy(maxAttempts: 8, initialDelay: 0.2, maxDelay: 10)) throws -> HubFleet {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let hub = try Replica.open(path: hubReplica)
        let tokens = try TokenAuthority(writer: hub.writer)
        let timings = RequestTimings()
        var nodes: [Node] = []
        nodes.reserveCapacity(count)
        for index in 1...max(1, count) {
            let unit = prefix + String(format: "%04d", index)
            let token = try tokens.create(unit: unit, note: "simulated node").token
            let replica = try Replica.create(path: "\(directory)/\(unit).sqlite", unit: unit)
            var configuration = HubClientConfiguration(baseURL: hubURL, bearerToken: token)
            configuration.retry = retry
            let logger = Logger(label: "reformsync.fleet.\(unit)") { _ in RequestTimings.Handler(timings: timings) }
            let client = try HubHTTPClient(configuration: configuration, logger: logger)
            nodes.append(Node(unit: unit, replica: replica,
                              session: SyncSession(replica: replica, client: client, logger: Logger(label: "reformsync.fleet") { _ in SwiftLogNoOpLogHandler() }),
                              client: client, token: token))
        }
        return HubFleet(nodes: nodes, timings: timings)
    }

    /// Writes `changes` column changes at every node (self-assessment scores of five fields each).
    public func write(changes: Int, year: Int = 2026, round: Int = 0) throws {
        for node in nodes {
            let records = (0..<max(1, changes / 5)).map { n in
                ValidatedRecord(key: "\(node.unit)/\(year)/C\(round).\(n + 1)", values: [
                    "unit": .text(node.unit), "year": .integer(Int64(year)), "criterion": .text("C\(round).\(n + 1)"),
                    "self_score": .real(Double(n % 41) / 4), "evidence": .text("Báo cáo số \(100 + n)/BC-UBND"),
                ])
            }
            _ = try node.replica.put("assessment_scores", records: records)
        }
    }

    /// One round at every node at once (at most `concurrency` at a time); the errors, by message.
    public func syncAll(concurrency: Int = 1_000) async -> [String] {
        await withTaskGroup(of: String?.self) { group in
            var errors: [String] = []
            var next = 0
            func start() {
                let node = nodes[next]
                next += 1
                group.addTask {
                    do {
                        let report = try await node.session.runOnce()
                        return report.pendingChanges == 0 ? nil : "\(node.unit): \(report.pendingChanges) change(s) still pending"
                    } catch {
                        return "\(node.unit): \(error)"
                    }
                }
            }
            while next < min(nodes.count, max(1, concurrency)) { start() }
            for await outcome in group {
                if let outcome { errors.append(outcome) }
                if next < nodes.count { start() }
            }
            return errors
        }
    }
}

/// Durations of the hub requests a fleet's clients made, read from their `hub request done`
/// debug log lines (swift-log's own extension point, no hook in the client).
public final class RequestTimings: Sendable {
    private let samples = Mutex<[Double]>([])

    public init() {}

    public func add(_ milliseconds: Double) { samples.withLock { $0.append(milliseconds) } }
    public func reset() { samples.withLock { $0.removeAll(keepingCapacity: true) } }
    public var count: Int { samples.withLock { $0.count } }

    /// The `q` quantile (0…1) in milliseconds, nil without samples.
    public func quantile(_ q: Double) -> Double? {
        let sorted = samples.withLock { $0 }.sorted()
        guard !sorted.isEmpty else { return nil }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))]
    }

    struct Handler: LogHandler {
        let timings: RequestTimings
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
                 function: String, line: UInt) {
            guard message.description == "hub request done", case .string(let text)? = metadata?["duration"] else { return }
            // `Duration`'s description: "0.012345678 seconds".
            if let seconds = Double(text.split(separator: " ").first ?? "") { timings.add(seconds * 1000) }
        }
    }
}
