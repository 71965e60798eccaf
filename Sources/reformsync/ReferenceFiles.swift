import CSVImport
import Foundation
import ReformData
import Yams

/// One record read from a reference file, with the place it came from (for `FILE:LINE:` messages).
struct StagedRecord {
    var table: TableSchema
    var record: ValidatedRecord
    var file: String
    /// The line the record starts on (a CSV row; a YAML `- id: …` item).
    var line: Int
    /// YAML only: the line of each field's value. CSV fields all sit on the row's line.
    var fieldLines: [String: Int] = [:]

    func line(of field: String) -> Int { fieldLines[field] ?? line }
    var key: String { record.key }
    var values: [String: CRDTValue] { record.values }
}

/// A problem in one file, printed as `FILE:LINE: table.field: what is wrong`.
struct ReferenceProblem: Comparable {
    var file: String
    var line: Int
    var message: String

    var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }

    static func < (a: Self, b: Self) -> Bool { (a.file, a.line, a.message) < (b.file, b.line, b.message) }
}

/// Reads the reference data a Department of Home Affairs keeps (units, PAR INDEX methods and their
/// criteria trees, Decision-06 services) from CSV and YAML files, checking every field against the
/// schema and reporting EVERY problem with its place, so one run lists all that needs fixing.
///
/// CSV goes through the same parser and row checks as `reformsync import-csv` (``CSVDocument``,
/// ``ImportCSVCommand/check(_:columns:validator:keepEmpty:)``): one table per file, named by the file
/// (`units.csv`, `criteria-2021.csv`). YAML files hold one or several datasets, each a top-level key
/// naming the table with a list of records; cells are read as text by the same rules as CSV cells.
struct ReferenceFiles {
    /// The hub-written, everyone-read tables a new hub needs before any node can do useful work.
    static let tables = ["units", "methodologies", "criteria", "services"]

    let schema: Schema
    private(set) var records: [StagedRecord] = []
    private(set) var problems: [ReferenceProblem] = []
    /// The files read, in order (directories expanded).
    private(set) var files: [String] = []

    init(schema: Schema) { self.schema = schema }

    /// Reads every path: a file, or a folder whose `.csv`, `.yaml` and `.yml` files are read in name order.
    mutating func read(_ paths: [String]) {
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                problems.append(.init(file: path, line: 0, message: "no such file or folder"))
                continue
            }
            if isDirectory.boolValue {
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
                    .filter { Self.format(of: $0) != nil && !$0.hasPrefix(".") }.sorted()
                if names.isEmpty {
                    problems.append(.init(file: path, line: 0, message: "the folder holds no .csv, .yaml or .yml file"))
                }
                for name in names { readFile((path as NSString).appendingPathComponent(name)) }
            } else {
                readFile(path)
            }
        }
    }

    enum Format { case csv, yaml }

    static func format(of path: String) -> Format? {
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": return .csv
        case "yaml", "yml": return .yaml
        default: return nil
        }
    }

    /// The table a CSV file holds, from its name: `TABLE.csv`, or `TABLE-…` / `TABLE_…` (e.g. `criteria-2021.csv`).
    static func table(ofCSV path: String) -> String? {
        let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension.lowercased()
        return tables.first { base == $0 || base.hasPrefix($0 + "-") || base.hasPrefix($0 + "_") || base.hasPrefix($0 + ".") }
    }

    private mutating func readFile(_ path: String) {
        files.append(path)
        guard let format = Self.format(of: path) else {
            problems.append(.init(file: path, line: 0, message: "not a .csv, .yaml or .yml file"))
            return
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            problems.append(.init(file: path, line: 0, message: "cannot read the file (check its permissions)"))
            return
        }
        switch format {
        case .csv: readCSV(path, data)
        case .yaml: readYAML(path, data)
        }
    }

    // MARK: - CSV

    private mutating func readCSV(_ path: String, _ data: Data) {
        guard let name = Self.table(ofCSV: path), let table = schema.table(name) else {
            problems.append(.init(file: path, line: 0, message: "cannot tell which table the file holds: name it "
                + Self.tables.map { "\($0).csv" }.joined(separator: ", ") + " (or TABLE-anything.csv, e.g. criteria-2021.csv)"))
            return
        }
        let document: CSVDocument
        do { document = try CSVDocument(data: data) } catch {
            problems.append(.init(file: path, line: error.line, message: error.description))
            return
        }
        guard let header = document.rows.first, !header.isBlank else {
            problems.append(.init(file: path, line: 1, message: "no header row; the first line must name the fields (run `reformsync schema \(name)`)"))
            return
        }
        let columns: [String?]
        do {
            columns = try CSVTable.columns(header, schema: table, document: document, label: path)
        } catch {
            let message = error.message
            let prefix = "\(path):1: "
            problems.append(.init(file: path, line: 1, message: message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message))
            return
        }
        // Reference files describe whole records: a required field's column must be there.
        for column in table.columns where column.required && !columns.contains(column.name) {
            problems.append(.init(file: path, line: 1, message: "\(name).\(column.name): the header lacks this column, which every \(name) record needs"))
        }
        let validator = RecordValidator(table: table)
        for row in document.rows.dropFirst() where !row.isBlank {
            let checked = CSVTable.check(row, columns: columns, validator: validator, keepEmpty: false)
            problems += checked.problems.map { .init(file: path, line: row.line, message: $0) }
            if let record = checked.record { records.append(StagedRecord(table: table, record: record, file: path, line: row.line)) }
        }
    }

    // MARK: - YAML

    private mutating func readYAML(_ path: String, _ data: Data) {
        guard var text = String(data: data, encoding: .utf8) else {
            problems.append(.init(file: path, line: CSVDocument.lineOfFirstInvalidByte(data), message: "the file is not UTF-8 text"))
            return
        }
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        do {
            var documents = try Yams.compose_all(yaml: text)
            var any = false
            while let document = documents.next() {
                any = true
                readYAMLDocument(path, document)
            }
            if let error = documents.error { throw error }
            if !any { problems.append(.init(file: path, line: 0, message: "the file is empty")) }
        } catch {
            let (line, message) = Self.describe(yamlError: error)
            problems.append(.init(file: path, line: line, message: "not valid YAML: \(message)"))
        }
    }

    private mutating func readYAMLDocument(_ path: String, _ document: Node) {
        let example = "e.g.\n  units:\n    - id: SONDUONG\n      name: UBND huyện Sơn Dương\n      group: district"
        guard let mapping = document.mapping else {
            problems.append(.init(file: path, line: document.mark?.line ?? 0, message: "the document must map table names to lists of records, \(example)"))
            return
        }
        for (keyNode, value) in mapping {
            let name = (keyNode.scalar?.string ?? "").nfc
            let line = keyNode.mark?.line ?? 0
            guard Self.tables.contains(name), let table = schema.table(name) else {
                problems.append(.init(file: path, line: line, message: "'\(name)' is not a reference table; the datasets are \(Self.tables.joined(separator: ", "))"))
                continue
            }
            guard let items = value.sequence else {
                problems.append(.init(file: path, line: value.mark?.line ?? line, message: "\(name): expected a list of records (lines starting with '- ')"))
                continue
            }
            let validator = RecordValidator(table: table)
            for item in items { readYAMLRecord(path, item, table: table, validator: validator) }
        }
    }

    private mutating func readYAMLRecord(_ path: String, _ item: Node, table: TableSchema, validator: RecordValidator) {
        let line = item.mark?.line ?? 0
        guard let fieldsNode = item.mapping else {
            problems.append(.init(file: path, line: line, message: "\(table.name): each record must be a set of 'field: value' lines"))
            return
        }
        var fields: [(String, String)] = []
        var lines: [String: Int] = [:]
        var bad = false
        for (keyNode, valueNode) in fieldsNode {
            let name = (keyNode.scalar?.string ?? "").trimmingCharacters(in: .whitespaces).nfc
            let valueLine = valueNode.mark?.line ?? keyNode.mark?.line ?? line
            let text: String
            if valueNode.null != nil {
                text = ""
            } else if let scalar = valueNode.scalar {
                text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
            } else {
                problems.append(.init(file: path, line: valueLine, message: "\(table.name).\(name): expected a single value, not a list or section"))
                bad = true
                continue
            }
            lines[name] = valueLine
            fields.append((name, text))
            guard name != "id" else { continue }
            do { _ = try validator.fieldValue(name, text: text) } catch {
                problems.append(.init(file: path, line: valueLine, message: error.description))
                bad = true
            }
        }
        guard !bad else { return }
        do {
            let record = try validator.validate(text: fields)
            records.append(StagedRecord(table: table, record: record, file: path, line: line, fieldLines: lines))
        } catch {
            problems.append(.init(file: path, line: error.field.flatMap { lines[$0] } ?? line, message: error.description))
        }
    }

    /// The line and the problem of a Yams error (its own description repeats the whole document).
    static func describe(yamlError error: any Error) -> (line: Int, message: String) {
        guard let error = error as? YamlError else { return (0, "\(error)") }
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return (mark.line, problem)
        case let .duplicatedKeysInMapping(duplicates, context):
            return (context.mark.line, "the key \(duplicates.joined(separator: ", ")) appears twice in one record or section")
        default:
            return (0, "\(error)")
        }
    }
}
