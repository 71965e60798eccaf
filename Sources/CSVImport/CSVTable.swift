import Foundation
import ReformData

/// A CSV header that cannot be used for a table; the message starts with `FILE:1:` (or `FILE:`).
public struct CSVHeaderError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What `reformsync import-csv` checks before it opens a transaction: the header against the
/// table's schema, and every row against the field types. Pure (no replica), so that the fuzz
/// target `FuzzCSV` runs exactly the command's checks on arbitrary files.
public enum CSVTable {
    /// Header names in file order; nil for an unnamed column left empty (Excel's trailing delimiters).
    ///
    /// - Parameter label: the file as the user named it, for the `FILE:1:` prefix of errors.
    public static func columns(_ header: CSVDocument.Row, schema: TableSchema, document: CSVDocument, label: String) throws(CSVHeaderError) -> [String?] {
        var columns: [String?] = []
        let valid = "id, " + schema.columnNames.joined(separator: ", ")
        for (index, raw) in header.cells.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces).nfc
            if name.isEmpty {
                let used = document.rows.dropFirst().contains { index < $0.cells.count && !$0.cells[index].trimmingCharacters(in: .whitespaces).isEmpty }
                if used { throw CSVHeaderError("\(label):1: column \(index + 1) has no name but holds values; name it with one of: \(valid)") }
                columns.append(nil)
                continue
            }
            if name != "id" && schema.column(name) == nil {
                throw CSVHeaderError("\(label):1: \(schema.name) has no field '\(name)' (column \(index + 1)); fields are \(valid)")
            }
            if columns.contains(name) {
                throw CSVHeaderError("\(label):1: column '\(name)' appears twice in the header")
            }
            columns.append(name)
        }
        if schema.keyColumns.isEmpty {
            if !columns.contains("id") {
                throw CSVHeaderError("\(label):1: \(schema.name) needs an id column (its records have no key fields to derive one from)")
            }
        } else {
            let missing = schema.keyColumns.filter { !columns.contains($0) }
            if !missing.isEmpty {
                throw CSVHeaderError("\(label):1: the header lacks \(missing.joined(separator: ", ")): \(schema.name) ids are derived from \(schema.keyColumns.joined(separator: ", "))")
            }
        }
        return columns
    }

    /// Every problem of one row (each bad cell, not just the first), or its validated record.
    ///
    /// - Parameter keepEmpty: empty cells are left out of the record (they leave a stored value
    ///   unchanged) instead of standing for "no value".
    public static func check(_ row: CSVDocument.Row, columns: [String?], validator: RecordValidator, keepEmpty: Bool)
        -> (problems: [String], record: ValidatedRecord?) {
        let table = validator.table.name
        var problems: [String] = []
        if let problem = row.problem { problems.append("\(table): \(problem)") }
        if row.cells.count > columns.count,
           row.cells[columns.count...].contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            problems.append("\(table): the row has \(row.cells.count) cells but the header names \(columns.count) columns")
        } else if row.cells.count < columns.count {
            problems.append("\(table): the row has \(row.cells.count) cell(s) but the header names \(columns.count) columns")
        }
        if !problems.isEmpty { return (problems, nil) }

        var fields: [(String, String)] = []
        for (index, name) in columns.enumerated() {
            guard let name else { continue }
            let text = row.cells[index].trimmingCharacters(in: .whitespacesAndNewlines)
            if keepEmpty && text.isEmpty { continue }
            fields.append((name, text))
            guard name != "id" else { continue }
            do { _ = try validator.fieldValue(name, text: text) } catch { problems.append(error.description) }
        }
        if !problems.isEmpty { return (problems, nil) }
        do {
            return ([], try validator.validate(text: fields))
        } catch {
            return ([error.description], nil)
        }
    }
}
