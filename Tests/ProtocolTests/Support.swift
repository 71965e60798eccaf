import Foundation
import ReformData
import Testing

// Shared by the Protocol/ tests: where the files are, JSON reading and writing, and the
// placeholders the message vectors use for values that change from run to run.

/// The files of `Protocol/`, found from this source file (Tests/ProtocolTests/Support.swift).
enum ProtocolFiles {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let root = packageRoot.appendingPathComponent("Protocol")
    static let readme = root.appendingPathComponent("README.md")
    static let schemaReference = root.appendingPathComponent("schema-v1.md")

    /// The `.json` files of `Protocol/vectors/<folder>`, sorted by name.
    static func vectors(_ folder: String) -> [String] {
        let directory = root.appendingPathComponent("vectors").appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }

    static func vector(_ folder: String, _ name: String) -> URL {
        root.appendingPathComponent("vectors").appendingPathComponent(folder).appendingPathComponent(name)
    }
}

/// `REFORMSYNC_RECORD_VECTORS=1 swift test --filter ProtocolTests` rewrites the expected parts of
/// the vectors (and schema-v1.md) from what the code does now. Review the diff before committing.
let recordingVectors = ProcessInfo.processInfo.environment["REFORMSYNC_RECORD_VECTORS"] == "1"

struct VectorFileError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Messages without a type in WireProtocol

/// The answer of `GET /v1/health` (Protocol/README.md §8.1). The reference node never reads it,
/// so WireProtocol has no type for it; this one pins its shape: `hub_version` is an integer.
struct HealthResponse: Codable, Sendable {
    var status: String
    var hubVersion: Int64
    var unit: String

    enum CodingKeys: String, CodingKey {
        case status, hubVersion = "hub_version", unit
    }
}

// MARK: - JSON values

extension JSONValue {
    static func parse(_ bytes: some Sequence<UInt8>, what: String = "JSON") throws -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw VectorFileError("\(what) is not valid JSON: \(error)")
        }
    }

    static func read(_ url: URL) throws -> JSONValue {
        try parse(Data(contentsOf: url), what: url.lastPathComponent)
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var int: Int64? { if case .integer(let i) = self { return i } else { return nil } }
    var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    var object: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }

    /// The same value with object members that are null removed (an absent optional and an
    /// explicit null mean the same in every v1 message).
    var withoutNullMembers: JSONValue {
        switch self {
        case .object(let object): return .object(object.compactMapValues { $0 == .null ? nil : $0.withoutNullMembers })
        case .array(let array): return .array(array.map(\.withoutNullMembers))
        default: return self
        }
    }

    /// Compact JSON (keys sorted), as sent in request bodies.
    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }
}

// MARK: - Placeholders

/// Placeholders stand for values that differ from run to run (the hub's site id, its clock).
///
/// - `<any>`: any value; `<any-int>`: any integer; `<any-string>`: any string;
/// - `<site>`: a site id (16 lowercase hex digits); `<hlc>`: an HLC as a decimal string.
enum Placeholder {
    static func matches(_ placeholder: String, _ actual: JSONValue) -> Bool? {
        switch placeholder {
        case "<any>": return true
        case "<any-int>": return actual.int != nil
        case "<any-string>": return actual.string != nil
        case "<site>": return actual.string.map { $0.utf8.count == 16 && $0.allSatisfy { "0123456789abcdef".contains($0) } } ?? false
        case "<hlc>": return actual.string.map { UInt64($0) != nil } ?? false
        default: return nil  // not a placeholder
        }
    }

    /// Where `actual` differs from `expected`, one line per difference; empty when they match.
    static func differences(expected: JSONValue, actual: JSONValue, at path: String = "$") -> [String] {
        if case .string(let text) = expected, let verdict = matches(text, actual) {
            return verdict ? [] : ["\(path): expected \(text), got \(actual.summary)"]
        }
        switch (expected, actual) {
        case (.object(let e), .object(let a)):
            var found: [String] = []
            for key in Set(e.keys).union(a.keys).sorted() {
                switch (e[key], a[key]) {
                case let (x?, y?): found += differences(expected: x, actual: y, at: "\(path).\(key)")
                case (_?, nil): found.append("\(path).\(key): missing")
                case (nil, let y?): found.append("\(path).\(key): not expected, got \(y.summary)")
                case (nil, nil): break
                }
            }
            return found
        case (.array(let e), .array(let a)):
            guard e.count == a.count else { return ["\(path): expected \(e.count) items, got \(a.count)"] }
            return zip(e, a).enumerated().flatMap { differences(expected: $1.0, actual: $1.1, at: "\(path)[\($0)]") }
        case (.integer(let x), .double(let y)) where Double(x) == y: return []
        case (.double(let x), .integer(let y)) where x == Double(y): return []
        default:
            return expected == actual ? [] : ["\(path): expected \(expected.summary), got \(actual.summary)"]
        }
    }

    /// For recording: `actual`, keeping the placeholders of `previous` that still match, and
    /// replacing what is volatile by nature (the hub's site id and clock) by placeholders, except
    /// a hub site id the vector already wrote out (a fixed `setup.hub.site`).
    static func recorded(_ actual: JSONValue, previous: JSONValue?, hubSite: String, key: String? = nil) -> JSONValue {
        if case .string(let text)? = previous, matches(text, actual) == true { return .string(text) }
        if key == "hub_time_ms", actual.int != nil { return .string("<any-int>") }
        switch actual {
        // The hub's site id is random unless the vector fixes it (setup.hub.site): keep it written out then.
        case .string(let s) where s == hubSite: return previous == actual ? actual : .string("<site>")
        case .object(let object):
            return .object(object.reduce(into: [:]) { $0[$1.key] = recorded($1.value, previous: previous?[$1.key], hubSite: hubSite, key: $1.key) })
        case .array(let array):
            let old = previous?.array
            return .array(array.enumerated().map { index, item in
                recorded(item, previous: old.flatMap { index < $0.count ? $0[index] : nil }, hubSite: hubSite)
            })
        default: return actual
        }
    }
}

// MARK: - Writing vector files

/// Pretty-prints JSON like `Protocol/tools/pretty.py`: what fits in 100 columns stays on one line;
/// vector fields, then change-set fields, in the order the document explains them, other keys
/// sorted. Combining marks and other invisible characters are written as `\uXXXX`, so decomposed
/// (NFD) text stays visibly different from precomposed text.
enum VectorWriter {
    static let width = 100
    static let order = ["description", "pending", "crashes_hub", "setup", "hub", "tokens", "records", "before", "request", "method", "path", "headers",
                        "body", "body_text", "body_fill", "gzip", "response", "status", "changesets", "expected", "cases", "changeset", "changeset_text", "error",
                        "format", "protocol", "schema", "hlc0", "sites", "rows", "source", "t", "k", "l", "h", "s", "m", "c", "x"]

    static func render(_ value: JSONValue, indent: Int = 0) -> String {
        let flat = inline(value)
        switch value {
        case .object(let object) where !object.isEmpty && flat.count + indent > width:
            let pad = String(repeating: " ", count: indent + 2)
            let items = orderedKeys(object).map { key -> String in
                let name = string(key)
                let member = inline(object[key]!)
                let rendered = member.count + indent + 2 + name.count + 2 <= width ? member : render(object[key]!, indent: indent + 2)
                return "\(pad)\(name): \(rendered)"
            }
            return "{\n" + items.joined(separator: ",\n") + "\n" + String(repeating: " ", count: indent) + "}"
        case .array(let array) where !array.isEmpty && flat.count + indent > width:
            let pad = String(repeating: " ", count: indent + 2)
            return "[\n" + array.map { pad + render($0, indent: indent + 2) }.joined(separator: ",\n") + "\n" + String(repeating: " ", count: indent) + "]"
        default:
            return flat
        }
    }

    static func inline(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .double(let d): return (try? JSONEncoder().encode(d)).map { String(decoding: $0, as: UTF8.self) } ?? String(d)
        case .string(let s): return string(s)
        case .array(let a): return "[" + a.map(inline).joined(separator: ", ") + "]"
        case .object(let o): return "{" + orderedKeys(o).map { string($0) + ": " + inline(o[$0]!) }.joined(separator: ", ") + "}"
        }
    }

    static func orderedKeys(_ object: [String: JSONValue]) -> [String] {
        let known = order.filter { object[$0] != nil }
        return known + object.keys.filter { !order.contains($0) }.sorted()
    }

    static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                let category = scalar.properties.generalCategory
                if scalar.value < 0x20 || [.nonspacingMark, .enclosingMark, .format, .control].contains(category) {
                    out += String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func write(_ value: JSONValue, to url: URL) throws {
        try Data((render(value) + "\n").utf8).write(to: url)
    }
}
