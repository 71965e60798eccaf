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
/// - `GET /health`, `GET /status` (as `reformsync status --json`), `GET /metrics` (Prometheus)
/// - `GET /records/{table}?field=value&limit=N`, `GET /records/{table}?id=ID`
/// - `PUT /records/{table}` with a JSON object (or array, stored all or none)
/// - `DELETE /records/{table}?id=ID`
/// - `POST /sync`: sync now (202), even outside the sync window; `POST /sync?wait=1` answers with
///   the round's report once it is done (502 with the reason if it failed)
///
/// Writes never wait for the network: they go to the replica and schedule a (debounced) sync.
public enum LocalAPI {
    public static func application(replica: Replica, configuration: ReformsyncConfiguration, trigger: SyncTrigger,
                                   rounds: RoundNotifier = RoundNotifier(), metrics: DaemonMetrics?, logger: Logger,
                                   onListening: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        Application(router: router(replica: replica, configuration: configuration, trigger: trigger, rounds: rounds, metrics: metrics),
                    configuration: .init(address: .hostname(configuration.api.host, port: configuration.api.port), serverName: "reformsync-daemon"),
                    onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.api.port) },
                    logger: logger)
    }

    struct APIError: Error {
        var status: HTTPResponse.Status
        var code: String
        var message: String
    }

    static func router(replica: Replica, configuration: ReformsyncConfiguration, trigger: SyncTrigger,
                       rounds: RoundNotifier = RoundNotifier(), metrics: DaemonMetrics?) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("health") { _, _ in json(["status": JSONValue.string("ok"), "unit": .string(replica.unit)]) }

        router.get("status") { _, _ -> Response in
            let status = NodeStatus.gather(configuration: configuration)
            return try encoded(status)
        }

        router.get("metrics") { _, _ -> Response in
            let lastSync = try? replica.meta("last_sync_ok_at").flatMap(Timestamp.date)
            if let metrics {
                metrics.quarantined.record((try? replica.quarantineCount()) ?? 0)
            }
            let body = metrics?.render(lastSyncAt: lastSync ?? nil) ?? []
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }

        router.post("sync") { request, _ -> Response in
            guard request.uri.queryParameters["wait"].map({ $0 == "1" || $0 == "true" }) == true else {
                trigger.fire(.now)
                var response = json(["status": .string("scheduled")])
                response.status = .accepted
                return response
            }
            // Register first, then trigger, so the round that answers is one that starts after the request.
            switch await rounds.nextRound(registered: { trigger.fire(.now) }) {
            case .success(let report)?: return try encoded(report)
            case .failure(let error)?: return failure(.badGateway, "sync_failed", error.message)
            case nil: return failure(.serviceUnavailable, "stopping", "the daemon is stopping")
            }
        }

        router.get("records/:table") { request, context -> Response in
            try handle {
                let table = try schema(replica, context.parameters.get("table"))
                let query = request.uri.queryParameters
                if let id = query["id"] {
                    guard let record = try replica.get(table.name, key: String(id)) else {
                        throw APIError(status: .notFound, code: "not_found", message: "no record '\(id)' in \(table.name)")
                    }
                    return try encoded(record.json(table))
                }
                let validator = RecordValidator(table: table)
                var filters: [String: Value] = [:]
                var limit: Int?
                for (name, value) in query {
                    if name == "limit" { limit = Int(String(value)); continue }
                    filters[String(name).nfc] = try validator.fieldValue(String(name), text: String(value))
                }
                return try encoded(try replica.list(table.name, where: filters, limit: limit).map { $0.json(table) })
            }
        }

        router.put("records/:table") { request, context -> Response in
            let collected = try await request.body.collect(upTo: 16 << 20)
            let gzipped = request.headers[.contentEncoding]?.lowercased() == "gzip"
            return try handle {
                let body: [UInt8]
                do {
                    body = gzipped ? try Gzip.decompress(Array(collected.readableBytesView), limit: 64 << 20) : Array(collected.readableBytesView)
                } catch {
                    throw APIError(status: .badRequest, code: "bad_request", message: "\(error)")
                }
                let table = try schema(replica, context.parameters.get("table"))
                let objects: [[String: JSONValue]]
                switch try JSONDecoder().decode(JSONValue.self, from: Data(body)) {
                case .object(let object): objects = [object]
                case .array(let items):
                    objects = try items.map {
                        guard case .object(let object) = $0 else { throw APIError(status: .badRequest, code: "bad_request", message: "array items must be JSON objects") }
                        return object
                    }
                default: throw APIError(status: .badRequest, code: "bad_request", message: "the body must be a JSON object or an array of objects")
                }
                let validator = RecordValidator(table: table)
                let records = try objects.map { try validator.validate(json: $0) }
                let changes = try replica.put(table.name, records: records)
                if !changes.isEmpty { trigger.fire(.localWrite) }
                return try encoded(["stored": JSONValue.integer(Int64(records.count)), "changes": .integer(Int64(changes.count)),
                                    "ids": .array(records.map { .string($0.key) })])
            }
        }

        router.delete("records/:table") { request, context -> Response in
            try handle {
                let table = try schema(replica, context.parameters.get("table"))
                guard let id = request.uri.queryParameters["id"] else {
                    throw APIError(status: .badRequest, code: "bad_request", message: "give the record as ?id=...")
                }
                try replica.delete(table.name, key: String(id))
                trigger.fire(.localWrite)
                return json(["deleted": .string(String(id))])
            }
        }
        return router
    }

    static func schema(_ replica: Replica, _ name: String?) throws -> TableSchema {
        guard let name, let table = replica.schema.table(name.nfc) else {
            throw APIError(status: .notFound, code: "unknown_table", message: "unknown table '\(name ?? "")'")
        }
        return table
    }

    /// Maps errors to the same JSON envelope the hub uses.
    static func handle(_ body: () throws -> Response) throws -> Response {
        do {
            return try body()
        } catch let error as APIError {
            return failure(error.status, error.code, error.message)
        } catch let error as ReformData.RecordError {
            return failure(.unprocessableContent, "invalid_record", error.description)
        } catch let error as ReplicaError {
            switch error {
            case .notFound: return failure(.notFound, "not_found", error.description)
            case .unknownTable, .unknownColumn: return failure(.notFound, "unknown_table", error.description)
            case .missingRequired: return failure(.unprocessableContent, "invalid_record", error.description)
            default: return failure(.unprocessableContent, "refused", error.description)
            }
        } catch is DecodingError {
            return failure(.badRequest, "bad_request", "the body is not valid JSON")
        }
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
