import CRDT
import Foundation
import GRDB
import Hub
import HubClient
import Hummingbird
import Logging
import ReformData
import Replica
import WireProtocol

/// A real hub (HubService + HubServer on Hummingbird) on 127.0.0.1 with an ephemeral port, set up
/// as a message vector's `setup` says, and the project's libcurl client to talk to it.
struct HubUnderTest: Sendable {
    let port: Int
    let service: HubService
    /// Issued tokens by the vector's names for them.
    let tokens: [String: String]
    let client: HubHTTPClient

    var hubSite: String { service.replica.site.rawValue }

    /// Runs `body` against a fresh hub built from `setup`, then stops the hub.
    static func with<T: Sendable>(setup: JSONValue?, _ body: @Sendable (HubUnderTest) async throws -> T) async throws -> T {
        let hub = setup?["hub"]
        let clock = UInt64(hub?["clock_ms"]?.int ?? 1_655_531_940_000)
        var site = SiteID.random()
        if let text = hub?["site"]?.string {
            guard let given = SiteID(text) else { throw VectorFileError("setup.hub.site \"\(text)\" is not a site id") }
            site = given
        }
        let replica = try Replica.create(writer: DatabaseQueue(), unit: hub?["unit"]?.string ?? "SNV", role: .hub, site: site, wallClock: { clock })
        for (index, item) in (setup?["records"]?.array ?? []).enumerated() {
            guard let table = item["table"]?.string, let record = item["record"]?.object else {
                throw VectorFileError("setup.records[\(index)] needs a table and a record")
            }
            try replica.put(table, json: record)
        }
        let defaults = HubSettings()
        let settings = HubSettings(maxBodyBytes: Int(hub?["max_body_bytes"]?.int ?? Int64(defaults.maxBodyBytes)),
                                   maxBatchChanges: Int(hub?["max_batch_changes"]?.int ?? Int64(defaults.maxBatchChanges)),
                                   maxClockSkewMillis: UInt64(hub?["max_clock_skew_ms"]?.int ?? Int64(defaults.maxClockSkewMillis)))
        var logger = Logger(label: "protocol-tests.hub")
        logger.logLevel = .critical
        let service = try HubService(replica: replica, settings: settings, logger: logger, wallClock: { clock })
        var tokens: [String: String] = [:]
        for (name, spec) in setup?["tokens"]?.object ?? [:] {
            guard let unit = spec["unit"]?.string else { throw VectorFileError("setup.tokens.\(name) needs a unit") }
            let issued = try service.tokens.create(unit: unit, note: name)
            if spec["revoked"]?.bool == true { try service.tokens.revoke(id: issued.id) }
            tokens[name] = issued.token
        }

        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let application = HubServer.application(service: service, host: "127.0.0.1", port: 0, logger: logger, onListening: { port in
            portSink.yield(port)
            portSink.finish()
        })
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                group.cancelAll()
                throw VectorFileError("the hub did not start")
            }
            var clientLogger = Logger(label: "protocol-tests.client")
            clientLogger.logLevel = .critical
            let client = try HubHTTPClient(configuration: HubClientConfiguration(
                baseURL: "http://127.0.0.1:\(port)", connectTimeout: 5, totalTimeout: 30,
                compressRequestsAbove: nil, userAgent: "reformsync-protocol-tests", retry: .none), logger: clientLogger)
            defer { group.cancelAll() }
            return try await body(HubUnderTest(port: port, service: service, tokens: tokens, client: client))
        }
    }

    /// What came back: the status and the body as JSON (nil when empty). For errors the client
    /// hands over the envelope's code and message, which are put back into the envelope.
    struct Answer: Sendable {
        var status: Int
        var body: JSONValue?
    }

    /// Sends a vector's `request` (see Protocol/vectors/README.md for its fields).
    func send(_ request: JSONValue) async throws -> Answer {
        guard let method = request["method"]?.string, let path = request["path"]?.string else {
            throw VectorFileError("a request needs a method and a path")
        }
        var headers: [(String, String)] = []
        for (name, value) in (request["headers"]?.object ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard var text = value.string else { throw VectorFileError("header \(name) must be a string") }
            for (token, secret) in tokens { text = text.replacingOccurrences(of: "<token:\(token)>", with: secret) }
            headers.append((name, text))
        }
        var body: [UInt8]?
        if let json = request["body"] {
            body = try json.encoded()
        } else if let text = request["body_text"]?.string {
            body = Array(text.utf8)
        } else if let fill = request["body_fill"] {
            guard let text = fill["text"]?.string, let count = fill["count"]?.int else { throw VectorFileError("body_fill needs text and count") }
            body = Array(Array(repeating: text, count: Int(count)).joined().utf8)
        }
        if request["gzip"]?.bool == true, let raw = body { body = try Gzip.compress(raw) }
        do {
            let response = try await client.send(HubRequest(method: method, path: path, headers: headers, body: body))
            return Answer(status: response.status, body: response.body.isEmpty ? nil : try JSONValue.parse(response.body, what: "the response"))
        } catch let error as HubClientError {
            guard case let .http(status, code, message) = error.kind else { throw error }
            if code == nil && message == nil { return Answer(status: status, body: nil) }
            return Answer(status: status, body: .object(["error": .object(["code": code.map(JSONValue.string) ?? .null,
                                                                         "message": message.map(JSONValue.string) ?? .null])]))
        }
    }
}
