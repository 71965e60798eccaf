import ArgumentParser
import CRDT
import CSVImport
import Foundation
import ReformData
import Replica

struct ImportCSVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-csv",
        abstract: "Load a spreadsheet export (UTF-8 CSV) into a table: every row, or none.",
        discussion: """
            The first row names the fields (run `reformsync schema TABLE` for them). Tables with key fields \
            (e.g. assessment_scores: unit, year, criterion) derive each record's id from them, so the id column \
            is optional there; the other tables need an "id" column.

            Cells are read the way Vietnamese spreadsheets write them: whole numbers with dots between thousands \
            (1.234 = 1234); decimal comma (81,99 = 81.99), also with grouped thousands (1.234,5 = 1234.5); a number \
            with a dot and no comma in a decimal field is a decimal point (81.99); dates DD/MM/YYYY \
            or YYYY-MM-DD, booleans có/không (or true/false, 1/0, x). Text is stored in Unicode NFC. The file \
            must be UTF-8 (a byte-order mark is fine; in Excel use "CSV UTF-8"); lines may end in CRLF; a quoted \
            cell may span several lines. The delimiter is ";" when the header line has ";" and no ",", tab when \
            it has only tabs, "," otherwise (or give --delimiter).

            An EMPTY CELL MEANS "NO VALUE": on a record that already exists it clears the stored value. To leave \
            a field untouched, leave its column out of the file, or pass --keep-empty. Rows with every cell empty \
            are skipped.

            Every bad row is reported as FILE:LINE: table.field: problem (LINE is the line in the file; the \
            header is line 1), including a record that appears twice in the file and a new record lacking a \
            required field. If any row is bad nothing is stored and the exit code is 2. Otherwise all rows are \
            stored in one transaction.

            Example (a Vietnamese Excel export, ";"-separated):
              unit;year;criterion;self_score;evidence
              SONDUONG;2022;C1.1;2,5;Kế hoạch số 12/KH-UBND
              SONDUONG;2022;C1.2;1,75;"Báo cáo 45/BC-UBND
              (bản sửa đổi)"

              reformsync import-csv assessment_scores diem-2022.csv --dry-run
              reformsync import-csv assessment_scores diem-2022.csv
            """
    )

    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The table, e.g. assessment_scores.") var table: String
    @Argument(help: "The CSV file (- for standard input).") var file: String

    @Option(help: ArgumentHelp("The cell delimiter: , or ; or tab (default: detected from the header line).", valueName: "char"))
    var delimiter: String?

    @Flag(help: "Empty cells leave an existing record's value unchanged instead of clearing it.")
    var keepEmpty = false

    @Flag(help: "Check every row and report, but store nothing.")
    var dryRun = false

    struct Problem {
        var line: Int
        var message: String
    }

    func validate() throws {
        if let delimiter, Self.delimiterScalar(delimiter) == nil {
            throw ValidationError("--delimiter must be one of , ; tab (got \"\(delimiter)\")")
        }
    }

    static func delimiterScalar(_ text: String) -> Unicode.Scalar? {
        switch text {
        case ",": return ","
        case ";": return ";"
        case "tab", "\\t", "\t": return "\t"
        default: return nil
        }
    }

    func run() throws {
        let replica = try options.openReplica()
        let schema = try replica.schema.table(table.nfc) ?? { throw ReplicaError.unknownTable(table) }()
        let label = file == "-" ? "<stdin>" : file

        let data = try readInput(file)
        let document: CSVDocument
        do {
            document = try CSVDocument(data: data, delimiter: delimiter.flatMap(Self.delimiterScalar))
        } catch {
            throw ReportableError.input("\(label):\(error.line): \(error.description); nothing was imported")
        }
        guard let header = document.rows.first, !header.isBlank else {
            throw ReportableError.input("\(label): no header row; the first line must name the fields (run `reformsync schema \(schema.name)`)")
        }

        let columns: [String?]
        do {
            columns = try CSVTable.columns(header, schema: schema, document: document, label: label)
        } catch {
            throw ReportableError.input(error.message)
        }
        let validator = RecordValidator(table: schema)
        var problems: [Problem] = []
        var accepted: [(line: Int, record: ValidatedRecord)] = []
        var firstLine: [String: Int] = [:]

        for row in document.rows.dropFirst() where !row.isBlank {
            let rowProblems = CSVTable.check(row, columns: columns, validator: validator, keepEmpty: keepEmpty)
            if !rowProblems.problems.isEmpty {
                problems += rowProblems.problems.map { Problem(line: row.line, message: $0) }
                continue
            }
            guard let record = rowProblems.record else { continue }
            if let earlier = firstLine[record.key] {
                problems.append(Problem(line: row.line, message: "\(schema.name).id: record '\(record.key)' is already on line \(earlier); give each record once"))
                continue
            }
            firstLine[record.key] = row.line
            accepted.append((row.line, record))
        }

        // New records need their required fields; append-only records cannot be written twice.
        // (The replica checks both again inside the transaction; checking here names the line.)
        let existing = try Self.existingKeys(replica, table: schema.name, keys: accepted.map(\.record.key))
        var created = 0
        for (line, record) in accepted {
            if existing.contains(record.key) {
                if schema.lifecycle == .appendOnly {
                    problems.append(Problem(line: line, message: ReplicaError.appendOnly(table: schema.name, key: record.key).description))
                }
            } else {
                created += 1
                if let missing = validator.missingRequiredField(in: record.values) {
                    problems.append(Problem(line: line, message: ReplicaError.missingRequired(table: schema.name, key: record.key, field: missing).description))
                }
            }
        }

        if !problems.isEmpty {
            let badLines = Set(problems.map(\.line))
            var report = ""
            for problem in problems.sorted(by: { $0.line < $1.line }) { report += "\(label):\(problem.line): \(problem.message)\n" }
            FileHandle.standardError.write(Data(report.utf8))
            throw ReportableError.input("\(badLines.count) bad row(s) in \(label); nothing was imported")
        }
        let updated = accepted.count - created
        if dryRun {
            print("checked \(accepted.count) row(s) for \(schema.name) (\(created) new, \(updated) existing): all good; nothing stored (--dry-run)")
            return
        }
        if accepted.isEmpty {
            print("imported 0 rows into \(schema.name): \(label) has no data rows")
            return
        }
        let changes = try replica.put(schema.name, records: accepted.map(\.record))
        print("imported \(accepted.count) rows into \(schema.name) (\(created) new, \(updated) existing; \(changes.count) change(s))")
    }

    /// Which of `keys` name existing (not deleted) records.
    static func existingKeys(_ replica: Replica, table: String, keys: [String]) throws -> Set<String> {
        if keys.count <= 500 {
            return Set(try keys.filter { try replica.get(table, key: $0) != nil })
        }
        let wanted = Set(keys)
        return Set(try replica.list(table).map(\.key)).intersection(wanted)
    }
}
