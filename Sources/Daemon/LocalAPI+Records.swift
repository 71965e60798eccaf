import CRDT
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ReformData
import Replica
import WireProtocol

/// `/records/TABLE`: reads, writes and deletes of the replica's tables, checked against the
/// declared schema before anything reaches SQL.
extension LocalAPI {
    static func addRecordRoutes(_ group: RouterGroup<DaemonRequestContext>, replica: Replica, trigger: SyncTrigger) {
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
