import CRDT
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ReformData
import ReformsyncConfig
import Replica
import WireProtocol

/// The daemon's local HTTP API for office applications (default 127.0.0.1:8470).
///
/// - `GET /health` (anonymous: liveness), `GET /status` (as `reformsync status --json`),
///   `GET /metrics` (Prometheus)
/// - `GET /records/{table}?field=value&limit=N`, `GET /records/{table}?id=ID`
/// - `PUT /records/{table}` with a JSON object (or array, stored all or none)
/// - `DELETE /records/{table}?id=ID`
/// - `POST /sync`: sync now (202), even outside the sync window; `POST /sync?wait=1` answers with
///   the round's report once it is done (502 with the reason if it failed)
///
/// Guards are the router's, declared where the routes are grouped, so a route cannot be added
/// without them: the Host allow-list on every request (DNS rebinding), the API token
/// (`<data_dir>/api-token`) on every route of the `programs` group, which is all but `/health`.
/// Every error leaves as the JSON envelope `{"error":{"code","message"}}`; a full disk is 507,
/// a replica that cannot be written 503.
///
/// Writes never wait for the network: they go to the replica and schedule a (debounced) sync.
public enum LocalAPI {
    /// The largest request body read (after which 413 `body_too_large`), and the most a gzip
    /// body may expand to.
    static let maxBodyBytes = 16 << 20
    /// The most records one `GET /records` returns.
    static let maxLimit = 100_000

    public static func application(replica: Replica, configuration: ReformsyncConfiguration, trigger: SyncTrigger,
                                   rounds: RoundNotifier = RoundNotifier(), failures: FailureMemory = FailureMemory(),
                                   metrics: DaemonMetrics?, logger: Logger,
                                   onListening: @escaping @Sendable (Int) async -> Void) throws(APITokenError) -> some ApplicationProtocol {
        let port = ListeningPort(configuration.api.port == 0 ? nil : configuration.api.port)
        let tokens = try APITokenStore(dataDirectory: configuration.dataDirectory)
        let router = router(replica: replica, configuration: configuration, trigger: trigger, rounds: rounds, failures: failures,
                            metrics: metrics, tokens: tokens, port: port, logger: logger)
        return Application(router: router,
                           configuration: .init(address: .hostname(configuration.api.host, port: configuration.api.port), serverName: "reformsync-daemon"),
                           onServerRunning: { channel in
                               let actual = channel.localAddress?.port ?? configuration.api.port
                               port.set(actual)
                               await onListening(actual)
                           },
                           logger: logger)
    }

    /// Every route of the API as `(method, path)`, read from the router itself: tests walk them
    /// all, so a route added without a guard or an error envelope is noticed.
    public static func declaredRoutes(replica: Replica, configuration: ReformsyncConfiguration) throws(APITokenError) -> [(method: String, path: String)] {
        let tokens = try APITokenStore(dataDirectory: configuration.dataDirectory)
        let router = router(replica: replica, configuration: configuration, trigger: SyncTrigger(), rounds: RoundNotifier(), failures: FailureMemory(),
                            metrics: nil, tokens: tokens, port: ListeningPort(nil), logger: Logger(label: "routes"))
        return routes(of: router)
    }

    static func routes(of router: Router<BasicRequestContext>) -> [(method: String, path: String)] {
        // Hummingbird prints a capture as `{table}`; the API's documentation says `:table`.
        router.routes.map { route in
            let parts = "\(route.path)".split(separator: "/").map { part in
                part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : String(part)
            }
            return (method: route.method.rawValue, path: "/" + parts.joined(separator: "/"))
        }
    }

    static func router(replica: Replica, configuration: ReformsyncConfiguration, trigger: SyncTrigger, rounds: RoundNotifier,
                       failures: FailureMemory, metrics: DaemonMetrics?, tokens: APITokenStore, port: ListeningPort,
                       logger: Logger) -> Router<BasicRequestContext> {
        let router = Router()
        let declared = DeclaredRoutes()
        // Outermost first: errors become envelopes, then the Host check for every request.
        router.add(middleware: ErrorEnvelopeMiddleware(routes: declared, dataDirectory: configuration.dataDirectory, logger: logger))
        router.add(middleware: HostAllowListMiddleware(configuration: configuration.api, port: port))

        // Anonymous: liveness only.
        let anonymous = router.group()
        anonymous.get("health") { _, _ in json(["status": JSONValue.string("ok"), "unit": .string(replica.unit)]) }

        // Programs: everything else, behind the API token.
        let programs = router.group().add(middleware: BearerTokenMiddleware(tokens: tokens))
        addStatusRoutes(programs, replica: replica, configuration: configuration, trigger: trigger, rounds: rounds, failures: failures, metrics: metrics)
        addRecordRoutes(programs, replica: replica, trigger: trigger)

        declared.fill(routes(of: router))
        return router
    }

    static func addStatusRoutes(_ group: RouterGroup<BasicRequestContext>, replica: Replica, configuration: ReformsyncConfiguration,
                                trigger: SyncTrigger, rounds: RoundNotifier, failures: FailureMemory, metrics: DaemonMetrics?) {
        group.get("status") { _, _ -> Response in
            var status = NodeStatus.gather(configuration: configuration)
            status.include(failures.last, configuration: configuration)
            return try encoded(status)
        }

        group.get("metrics") { _, _ -> Response in
            let lastSync = try? replica.meta("last_sync_ok_at").flatMap(Timestamp.date)
            if let metrics {
                metrics.quarantined.record((try? replica.quarantineCount()) ?? 0)
            }
            let body = metrics?.render(lastSyncAt: lastSync ?? nil) ?? []
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }

        group.post("sync") { request, _ -> Response in
            let wait: Bool
            switch request.uri.queryParameters["wait"].map(String.init) {
            case nil, "0", "false": wait = false
            case "1", "true": wait = true
            case let other?:
                throw APIError(status: .badRequest, code: "bad_parameter", message: "wait: expected 1, true, 0 or false, got '\(other.prefix(100))'")
            }
            guard wait else {
                trigger.fire(.now)
                var response = json(["status": .string("scheduled")])
                response.status = .accepted
                return response
            }
            // Register first, then trigger, so the round that answers is one that starts after the request.
            switch await rounds.nextRound(registered: { trigger.fire(.now) }) {
            case .success(let report)?: return try encoded(report)
            case .failure(let error)?: throw APIError(status: .badGateway, code: "sync_failed", message: error.message)
            case nil: throw APIError(status: .serviceUnavailable, code: "stopping", message: "the daemon is stopping")
            }
        }
    }

    static func addRecordRoutes(_ group: RouterGroup<BasicRequestContext>, replica: Replica, trigger: SyncTrigger) {
        group.get("records/:table") { request, context -> Response in
            let table = try schema(replica, context.parameters.get("table"))
            let query = try RecordQuery(request.uri.queryParameters, table: table)
            if let id = query.id {
                guard let record = try replica.get(table.name, key: id) else {
                    throw APIError(status: .notFound, code: "not_found", message: "no record '\(id)' in \(table.name)")
                }
                return try encoded(record.json(table))
            }
            return try encoded(try replica.list(table.name, where: query.filters, limit: query.limit).map { $0.json(table) })
        }

        group.put("records/:table") { request, context -> Response in
            let table = try schema(replica, context.parameters.get("table"))
            let collected = try await request.body.collect(upTo: maxBodyBytes)
            let gzipped = request.headers[.contentEncoding]?.lowercased() == "gzip"
            let raw = Array(collected.readableBytesView)
            let body = gzipped ? try Gzip.decompress(raw, limit: maxBodyBytes) : raw
            let objects: [[String: JSONValue]]
            let parsed: JSONValue
            do {
                parsed = try JSONDecoder().decode(JSONValue.self, from: Data(body))
            } catch {
                throw APIError(status: .badRequest, code: "bad_json",
                               message: body.isEmpty ? "the body is empty: send a JSON object or an array of objects" : "the body is not valid JSON")
            }
            switch parsed {
            case .object(let object): objects = [object]
            case .array(let items):
                objects = try items.enumerated().map { index, item in
                    guard case .object(let object) = item else {
                        throw APIError(status: .badRequest, code: "bad_json", message: "array item \(index) is not a JSON object")
                    }
                    return object
                }
            default: throw APIError(status: .badRequest, code: "bad_json", message: "the body must be a JSON object or an array of objects")
            }
            let validator = RecordValidator(table: table)
            let records = try objects.map { try validator.validate(json: $0) }
            let changes = try replica.put(table.name, records: records)
            if !changes.isEmpty { trigger.fire(.localWrite) }
            return try encoded(["stored": JSONValue.integer(Int64(records.count)), "changes": .integer(Int64(changes.count)),
                                "ids": .array(records.map { .string($0.key) })])
        }

        group.delete("records/:table") { request, context -> Response in
            let table = try schema(replica, context.parameters.get("table"))
            guard let id = request.uri.queryParameters["id"], !id.isEmpty else {
                throw APIError(status: .badRequest, code: "bad_parameter", message: "id: give the record as ?id=...")
            }
            try replica.delete(table.name, key: String(id))
            trigger.fire(.localWrite)
            return json(["deleted": .string(String(id))])
        }
    }

    static func schema(_ replica: Replica, _ name: String?) throws -> TableSchema {
        guard let name, let table = replica.schema.table(name.nfc) else {
            throw APIError(status: .notFound, code: "unknown_table",
                           message: "unknown table '\((name ?? "").prefix(100))'; `reformsync schema` lists the tables")
        }
        return table
    }

    static func failure(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        var response = (try? encoded(ErrorResponse(code: code, message: message))) ?? Response(status: status)
        response.status = status
        return response
    }

    static func encoded<T: Encodable>(_ value: T) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func json(_ object: [String: JSONValue]) -> Response {
        (try? encoded(object)) ?? Response(status: .internalServerError)
    }
}

/// The query of `GET /records/TABLE`, checked whole before anything is read: `id`, `limit`
/// (1…100,000) and filters on the table's fields; each problem answered 400 naming the parameter.
struct RecordQuery {
    var id: String?
    var limit: Int?
    var filters: [String: Value] = [:]

    init(_ query: Parameters, table: TableSchema) throws {
        let validator = RecordValidator(table: table)
        for (name, value) in query {
            let name = String(name), value = String(value)
            switch name {
            case "id":
                guard !value.isEmpty else { throw APIError(status: .badRequest, code: "bad_parameter", message: "id: empty") }
                id = value
            case "limit":
                guard let number = Int(value), (1...LocalAPI.maxLimit).contains(number) else {
                    throw APIError(status: .badRequest, code: "bad_parameter",
                                   message: "limit: expected a whole number from 1 to \(LocalAPI.maxLimit), got '\(value.prefix(100))'")
                }
                limit = number
            default:
                guard table.column(name.nfc) != nil else {
                    throw APIError(status: .badRequest, code: "unknown_field",
                                   message: "\(table.name) has no field '\(name.prefix(100))' to filter on; `reformsync schema \(table.name)` lists its fields")
                }
                do {
                    filters[name.nfc] = try validator.fieldValue(name, text: value)
                } catch {
                    throw APIError(status: .badRequest, code: "bad_parameter", message: "\(name): \((error as? RecordError)?.message ?? "\(error)")")
                }
            }
        }
    }
}
