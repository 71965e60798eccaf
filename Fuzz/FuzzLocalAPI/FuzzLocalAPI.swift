// Fuzz target: what the daemon's local API does with a request before it touches the replica
// (Sources/Daemon/LocalAPI.swift, whose handlers call exactly these functions):
//
// - `PUT /v1/records/TABLE`: the body through `JSONDecoder` into a `JSONValue`, an object or an
//   array of objects, each through `RecordValidator.validate(json:)`;
// - `GET /v1/records/TABLE?field=value&limit=N`: each query filter through
//   `RecordValidator.fieldValue(_:text:)`, `limit` through `Int(_:)`.
//
// Input: a first line naming the table (an unknown name picks a table from its bytes), a second
// line holding the query string, then the body. Besides not crashing: every validated value
// passes `problem(with:in:)` (the check the hub applies when it arrives by push), and a record
// sent back as the API returns it (`RecordValidator.json`, JSONEncoder, JSONDecoder) validates to
// the same record.
import CRDT
import Foundation
import FuzzSupport
import ReformData

func records(_ body: [UInt8]) -> [[String: JSONValue]] {
    guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else { return [] }
    switch value {
    case .object(let object): return [object]
    case .array(let items):
        var objects: [[String: JSONValue]] = []
        for item in items {
            guard case .object(let object) = item else { return [] }
            objects.append(object)
        }
        return objects
    default: return []
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let (first, afterFirst) = bytes.splitOnce([UInt8(ascii: "\n")])
    let (query, body) = (afterFirst ?? []).splitOnce([UInt8(ascii: "\n")])
    let tables = ReformSchema.v1.tables
    let table = ReformSchema.v1.table(String(decoding: first, as: UTF8.self).nfc)
        ?? tables[first.reduce(0) { ($0 + Int($1)) % tables.count }]
    let validator = RecordValidator(table: table)

    for pair in String(decoding: query, as: UTF8.self).split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
        let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
        if name == "limit" { _ = Int(value); continue }
        if let typed = try? validator.fieldValue(name, text: value), let problem = validator.problem(with: typed, in: name.nfc) {
            fuzzFailure("filter \(name)=\(value) accepted as \(typed) but \(problem)")
        }
    }

    for object in records(body ?? []) {
        guard let record = try? validator.validate(json: object) else { continue }
        for (field, value) in record.values {
            if let problem = validator.problem(with: value, in: field) {
                fuzzFailure("\(table.name).\(field) accepted as \(value) but \(problem)")
            }
        }
        var echoed: [String: JSONValue] = ["id": .string(record.key)]
        for (field, value) in record.values {
            guard let column = table.column(field) else { fuzzFailure("\(table.name) has no \(field), yet it was validated") }
            echoed[field] = RecordValidator.json(value, type: column.type)
        }
        guard let text = try? JSONEncoder().encode(JSONValue.object(echoed)),
              let reread = try? JSONDecoder().decode(JSONValue.self, from: text),
              case .object(let object) = reread else {
            fuzzFailure("a validated record cannot be written as JSON and read back")
        }
        let again: ValidatedRecord
        do { again = try validator.validate(json: object) } catch {
            fuzzFailure("a validated record sent back as the API returns it is refused: \(error)")
        }
        guard again == record else { fuzzFailure("a validated record sent back reads as \(again), not \(record)") }
    }
    return 0
}

@_cdecl("FuzzLocalAPI_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
