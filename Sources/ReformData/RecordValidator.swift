import CRDT
import Foundation

/// A record checked against its table: its row key and typed, normalised values.
public struct ValidatedRecord: Equatable, Sendable {
    public var key: String
    public var values: [String: Value]

    /// For callers that built typed values themselves (fixtures, benchmarks); no check is made.
    public init(key: String, values: [String: Value]) {
        self.key = key
        self.values = values
    }
}

/// Converts records from JSON or spreadsheet text into typed values, checking every field
/// against the ``TableSchema``: known name, type, vocabulary, range, and the row key.
public struct RecordValidator: Sendable {
    public let table: TableSchema

    public init(table: TableSchema) { self.table = table }

    /// Validates a JSON object. Fields not given are not touched by a put.
    public func validate(json: [String: JSONValue]) throws(RecordError) -> ValidatedRecord {
        var values: [String: Value] = [:]
        var suppliedID: String?
        for (rawName, json) in json {
            let name = rawName.nfc
            if name == "id" {
                guard case .string(let id) = json else { throw error("id", "expected a text id, got \(json.summary)") }
                suppliedID = id.nfc
                continue
            }
            guard let column = table.column(name) else { throw unknownField(name) }
            values[name] = try value(json, for: column)
        }
        return ValidatedRecord(key: try key(values: values, supplied: suppliedID), values: values)
    }

    /// Validates one spreadsheet row: `fields` maps header names to cell text; empty cells are null.
    public func validate(text fields: [(String, String)]) throws(RecordError) -> ValidatedRecord {
        var values: [String: Value] = [:]
        var suppliedID: String?
        for (rawName, rawText) in fields {
            let name = rawName.trimmingCharacters(in: .whitespaces).nfc
            let text = rawText.trimmingCharacters(in: .whitespacesAndNewlines).nfc
            if name == "id" {
                if !text.isEmpty { suppliedID = text }
                continue
            }
            guard let column = table.column(name) else { throw unknownField(name) }
            values[name] = try value(text: text, for: column)
        }
        return ValidatedRecord(key: try key(values: values, supplied: suppliedID), values: values)
    }

    /// The typed value of one field given as text (command-line filters, spreadsheet cells).
    public func fieldValue(_ name: String, text: String) throws(RecordError) -> Value {
        guard let column = table.column(name.nfc) else { throw unknownField(name) }
        return try value(text: text.nfc, for: column)
    }

    /// Checks a value that arrived already typed (e.g. from the wire) against a column:
    /// storage class, vocabulary and range. Returns the problem, or nil.
    public func problem(with value: Value, in columnName: String) -> RecordError? {
        guard let column = table.column(columnName) else { return unknownField(columnName) }
        return problem(with: value, in: column)
    }

    /// As ``problem(with:in:)-(_,String)`` for a column already looked up.
    public func problem(with value: Value, in column: ColumnSchema) -> RecordError? {
        switch (column.type, value) {
        case (_, .null), (.text, .text), (.integer, .integer), (.real, .real), (.real, .integer): break
        case (.boolean, .integer(let i)) where i == 0 || i == 1: break
        case (.date, .text(let s)) where Self.isoDate(s) != nil: break
        default: return error(column.name, "expected \(Self.describe(column.type)), got \(value)")
        }
        do { try check(value, column) } catch { return error }
        return nil
    }

    /// Fields a new row must have, given the values being written; returns the first missing one.
    public func missingRequiredField(in values: [String: Value]) -> String? {
        table.columns.first { $0.required && (values[$0.name] ?? .null).isNull }?.name
    }

    /// The JSON form of a stored value.
    public static func json(_ value: Value, type: ColumnType) -> JSONValue {
        switch (value, type) {
        case (.null, _): return .null
        case (.integer(let v), .boolean): return .bool(v != 0)
        case (.integer(let v), .real): return .double(Double(v))
        case (.integer(let v), _): return .integer(v)
        case (.real(let v), _): return .double(v)
        case (.text(let v), _): return .string(v)
        }
    }

    // MARK: - Fields

    func value(_ json: JSONValue, for column: ColumnSchema) throws(RecordError) -> Value {
        let value: Value
        switch (column.type, json) {
        case (_, .null): return .null
        case (.text, .string(let s)): value = .text(s.nfc)
        case (.integer, .integer(let i)): value = .integer(i)
        case (.integer, .double(let d)) where d.rounded() == d && abs(d) < 9e15: value = .integer(Int64(d))
        case (.real, .integer(let i)): value = .real(Double(i))
        case (.real, .double(let d)) where d.isFinite: value = .real(d)
        case (.boolean, .bool(let b)): value = .integer(b ? 1 : 0)
        case (.date, .string(let s)):
            guard let date = Self.isoDate(s) else { throw error(column.name, "expected a date YYYY-MM-DD, got \(json.summary)") }
            value = .text(date)
        default:
            throw error(column.name, "expected \(Self.describe(column.type)), got \(json.summary)")
        }
        try check(value, column)
        return value
    }

    /// `1.234` / `-1.234.567` (dots between groups of exactly three digits) without the dots;
    /// nil when `text` is not in that form.
    static func ungrouped(_ text: String) -> String? {
        let sign = text.hasPrefix("-") ? "-" : ""
        let groups = text.dropFirst(sign.count).split(separator: ".", omittingEmptySubsequences: false)
        guard groups.count > 1, let first = groups.first, (1...3).contains(first.count),
              groups.dropFirst().allSatisfy({ $0.count == 3 }),
              groups.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        return sign + groups.joined()
    }

    /// A real number as Vietnamese spreadsheets and others write it, one reading per text:
    /// `81,99` (decimal comma), `81.99` (decimal point, when there is no comma), `1.234,5`
    /// (dots group thousands before a decimal comma). A comma with dots elsewhere is refused.
    static func decimal(_ text: String) -> Double? {
        guard let comma = text.firstIndex(of: ",") else { return Double(text) }
        let whole = String(text[..<comma]), fraction = text[text.index(after: comma)...]
        guard !fraction.contains(","), !fraction.contains("."), !fraction.isEmpty else { return nil }
        let digits = whole.contains(".") ? ungrouped(whole) : whole
        guard let digits else { return nil }
        return Double(digits + "." + fraction)
    }

    func value(text: String, for column: ColumnSchema) throws(RecordError) -> Value {
        if text.isEmpty { return .null }
        let value: Value
        switch column.type {
        case .text: value = .text(text)
        case .integer:
            // Vietnamese spreadsheets group thousands with a dot: 1.234 is 1234 (groups of three only).
            guard let i = Int64(Self.ungrouped(text) ?? text) else {
                throw error(column.name, "expected a whole number, got \"\(text)\" (thousands may be grouped with dots: 1.234)")
            }
            value = .integer(i)
        case .real:
            guard let d = Self.decimal(text), d.isFinite else {
                throw error(column.name, "expected a number, got \"\(text)\" (decimal comma 81,99 or point 81.99; "
                            + "thousands grouped with dots only before a decimal comma: 1.234,5)")
            }
            value = .real(d)
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "yes", "có", "x": value = .integer(1)
            case "false", "0", "no", "không": value = .integer(0)
            default: throw error(column.name, "expected true/false (or có/không), got \"\(text)\"")
            }
        case .date:
            guard let date = Self.isoDate(text) ?? Self.vietnameseDate(text) else {
                throw error(column.name, "expected a date YYYY-MM-DD or DD/MM/YYYY, got \"\(text)\"")
            }
            value = .text(date)
        }
        try check(value, column)
        return value
    }

    private func check(_ value: Value, _ column: ColumnSchema) throws(RecordError) {
        if let allowed = column.allowedValues, case .text(let s) = value, !allowed.contains(s) {
            throw error(column.name, "\"\(s)\" is not one of \(allowed.joined(separator: ", "))")
        }
        if let range = column.range {
            let number: Double? = switch value {
            case .integer(let i): Double(i)
            case .real(let d): d
            default: nil
            }
            if let number, !range.contains(number) {
                throw error(column.name, "\(value) is outside \(Self.format(range.lowerBound))…\(Self.format(range.upperBound))")
            }
        }
        if case .text(let s) = value {
            if s.utf8.count > 1_000_000 { throw error(column.name, "text longer than 1 MB") }
            // SQLite would cut the text at U+0000; the other controls have no place in a record.
            if let problem = TextRules.problem(in: s) { throw error(column.name, problem + " (only tab and line breaks are allowed)") }
        }
    }

    // MARK: - Keys

    private func key(values: [String: Value], supplied: String?) throws(RecordError) -> String {
        if table.keyColumns.isEmpty {
            guard let supplied else { throw error("id", "missing: this table needs a text id") }
            try Self.checkKeyPart(supplied, field: "id", table: table.name, allowSlash: true)
            return supplied
        }
        var derived = ""
        for name in table.keyColumns {
            guard let value = values[name], !value.isNull else {
                throw error(name, "missing: it is part of the row key (\(table.keyColumns.joined(separator: ", ")))")
            }
            let part = value.description
            try Self.checkKeyPart(part, field: name, table: table.name, allowSlash: false)
            if !derived.isEmpty { derived.append("/") }
            derived.append(part)
        }
        if let supplied, supplied != derived {
            throw error("id", "\"\(supplied)\" does not match the key fields, which give \"\(derived)\"")
        }
        return derived
    }

    /// The key a row gets from its key column values (used by importers and fixtures).
    public func derivedKey(_ values: [String: Value]) throws(RecordError) -> String {
        try key(values: values, supplied: nil)
    }

    static func checkKeyPart(_ part: String, field: String, table: String, allowSlash: Bool) throws(RecordError) {
        if part.isEmpty { throw RecordError(table: table, field: field, message: "key is empty") }
        if part.utf8.count > 200 { throw RecordError(table: table, field: field, message: "key longer than 200 bytes") }
        // General category Cc: U+0000–U+001F and U+007F–U+009F.
        if part.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            throw RecordError(table: table, field: field, message: "key contains a control character")
        }
        if !allowSlash && part.utf8.contains(UInt8(ascii: "/")) {
            throw RecordError(table: table, field: field, message: "a key field cannot contain '/' (got \"\(part)\")")
        }
    }

    // MARK: - Helpers

    private func error(_ field: String, _ message: String) -> RecordError {
        RecordError(table: table.name, field: field, message: message)
    }

    private func unknownField(_ name: String) -> RecordError {
        error(name, "no such field; fields are id, \(table.columnNames.joined(separator: ", "))")
    }

    static func describe(_ type: ColumnType) -> String {
        switch type {
        case .text: return "text"
        case .integer: return "a whole number"
        case .real: return "a number"
        case .boolean: return "true or false"
        case .date: return "a date YYYY-MM-DD"
        }
    }

    static func format(_ d: Double) -> String {
        d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }

    static func isoDate(_ s: String) -> String? {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), validDate(y, m, d) else { return nil }
        return s
    }

    static func vietnameseDate(_ s: String) -> String? {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2]),
              parts[2].count == 4, validDate(y, m, d) else { return nil }
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    static func validDate(_ y: Int, _ m: Int, _ d: Int) -> Bool {
        guard (1900...2200).contains(y), (1...12).contains(m), d >= 1 else { return false }
        let days = [31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }
}
