import CRDT
import FileStore
import Foundation
import NodeSync
import HTTPTypes
import Hummingbird
import Logging
import OfficeWeb
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
/// - `POST /records/{table}/files?id=ID&name=NAME` (the body is the file), `GET /records/{table}/files?id=ID`,
///   `GET /files/{sha256}`: evidence files (``addFileRoutes(_:replica:configuration:trigger:)``)
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
        let unitApp = officeApp(replica: replica, configuration: configuration, trigger: trigger, failures: failures, logger: logger)
        let router = router(replica: replica, configuration: configuration, trigger: trigger, rounds: rounds, failures: failures,
                            metrics: metrics, tokens: tokens, port: port, logger: logger, unitApp: unitApp)
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
        let trigger = SyncTrigger(), failures = FailureMemory(), logger = Logger(label: "routes")
        let unitApp = officeApp(replica: replica, configuration: configuration, trigger: trigger, failures: failures, logger: logger)
        let router = router(replica: replica, configuration: configuration, trigger: trigger, rounds: RoundNotifier(), failures: failures,
                            metrics: nil, tokens: tokens, port: ListeningPort(nil), logger: logger, unitApp: unitApp)
        return routes(of: router)
    }

    static func routes(of router: Router<DaemonRequestContext>) -> [(method: String, path: String)] {
        // Hummingbird prints a capture as `{table}`; the API's documentation says `:table`.
        router.routes.map { route in
            let parts = "\(route.path)".split(separator: "/").map { part in
                part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : String(part)
            }
            return (method: route.method.rawValue, path: "/" + parts.joined(separator: "/"))
        }
    }

    /// The unit's office app (a node's daemon only), or nil when its accounts file cannot be
    /// opened (logged; the JSON API still runs).
    static func officeApp(replica: Replica, configuration: ReformsyncConfiguration, trigger: SyncTrigger, failures: FailureMemory,
                          logger: Logger) -> UnitApp? {
        guard replica.role == .node else { return nil }
        do {
            let accounts = try AccountStore(dataDirectory: configuration.dataDirectory, site: .node)
            return UnitApp(replica: replica, configuration: configuration, trigger: trigger, failures: failures, accounts: accounts)
        } catch {
            logger.error("the office app is off: \(error)")
            return nil
        }
    }

    static func router(replica: Replica, configuration: ReformsyncConfiguration, trigger: SyncTrigger, rounds: RoundNotifier,
                       failures: FailureMemory, metrics: DaemonMetrics?, tokens: APITokenStore, port: ListeningPort,
                       logger: Logger, unitApp: UnitApp? = nil) -> Router<DaemonRequestContext> {
        let router = Router(context: DaemonRequestContext.self)
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
        addFileRoutes(programs, replica: replica, configuration: configuration, trigger: trigger)

        // People: the unit's office app under /app, behind its session guards (UnitApp.addRoutes).
        unitApp?.addRoutes(to: router)

        declared.fill(routes(of: router))
        return router
    }

    static func addStatusRoutes(_ group: RouterGroup<DaemonRequestContext>, replica: Replica, configuration: ReformsyncConfiguration,
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
            let files = try? EvidenceBacklog.measure(replica: replica, store: FileStore(dataDirectory: configuration.dataDirectory))
            let body = metrics?.render(lastSyncAt: lastSync ?? nil, files: files) ?? []
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

    static func failure(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        var response = (try? encoded(ErrorResponse(code: code, message: message))) ?? Response(status: status)
        response.status = status
        return response
    }

    static func encoded<T: Encodable>(_ value: T) throws -> Response {
        let encoder = JSONEncoder()
        // snake_case like the CLI's --json and the wire protocol (POST /sync's report:
        // pushed_changes, …); records are dictionaries and keep their schema names.
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func json(_ object: [String: JSONValue]) -> Response {
        (try? encoded(object)) ?? Response(status: .internalServerError)
    }
}
