import ArgumentParser
import ReformData

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "List the replicated tables, or the fields of one table."
    )
    @Argument(help: "A table to describe.") var table: String?

    func run() throws {
        let schema = ReformSchema.v1
        guard let name = table else {
            print("schema version \(schema.version)")
            for table in schema.tables {
                print("  \(table.name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(table.doc)")
            }
            return
        }
        guard let table = schema.table(name.nfc) else { throw ReportableError.input("unknown table '\(name)'; run `reformsync schema` to list the tables") }
        print("\(table.name): \(table.doc)")
        print("  key: \(table.keyColumns.isEmpty ? "id (given by the writer)" : "id = " + table.keyColumns.joined(separator: "/"))")
        print("  rows: \(table.lifecycle == .appendOnly ? "append-only" : "can be deleted and re-created"), created by \(table.rowWriter == .hub ? "the hub" : "the owning unit")"
              + (table.ownerColumn.map { "; owner: \($0)" } ?? "") + "; read by \(table.readScope.rawValue)")
        for column in table.columns {
            var notes = [column.type.rawValue, column.writer == .hub ? "hub writes" : "unit writes"]
            if column.required { notes.append("required") }
            if let allowed = column.allowedValues { notes.append("one of " + allowed.joined(separator: "|")) }
            if let references = column.references { notes.append("→ \(references)") }
            if let range = column.range { notes.append("\(Self.number(range.lowerBound))…\(Self.number(range.upperBound))") }
            print("  \(column.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(notes.joined(separator: ", "))\(column.doc.isEmpty ? "" : " — " + column.doc)")
        }
    }

    /// A bound as people write it: `2000`, not `2000.0`; `0.5` stays `0.5`.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
