import ArgumentParser
import Foundation
import ReformData
import Replica

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Read and write records of any replicated table, as JSON.",
        discussion: "Run `reformsync schema` for the tables and `reformsync schema TABLE` for their fields.",
        subcommands: [Put.self, Get.self, Delete.self, List.self]
    )

    struct Put: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or update records from a JSON object (or an array of objects, stored all or none).",
            discussion: """
                Fields not given keep their value. Tables with key fields (e.g. assessment_scores: unit, year, \
                criterion) derive the id from them; the others need an "id".
                  reformsync record put initiatives '{"id":"SD-2022-1","unit":"SONDUONG","year":2022,"title":"Một cửa số"}'
                  echo '[{...},{...}]' | reformsync record put assessment_scores -
                """
        )
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "The table.") var table: String
        @Argument(help: "The record as JSON; - or nothing reads standard input.") var json: String?

        func run() throws {
            let replica = try options.openReplica()
            let schema = try replica.schema.table(table.nfc) ?? { throw ReplicaError.unknownTable(table) }()
            let text = (json == nil || json == "-") ? JSONOutput.readStandardInput() : json!
            let objects: [[String: JSONValue]]
            switch try JSONOutput.parse(text, what: "the record") {
            case .object(let object): objects = [object]
            case .array(let items):
                objects = try items.enumerated().map { index, item in
                    guard case .object(let object) = item else { throw ReportableError.input("item \(index) of the array is not a JSON object") }
                    return object
                }
            default: throw ReportableError.input("the record must be a JSON object {\"field\": value, ...} or an array of them")
            }
            let validator = RecordValidator(table: schema)
            let records = try objects.enumerated().map { index, object in
                do { return try validator.validate(json: object) } catch {
                    throw objects.count == 1 ? ReportableError(error) : ReportableError.input("record \(index): \(error)")
                }
            }
            let changes = try replica.put(schema.name, records: records)
            FileHandle.standardError.write(Data("stored \(records.count) record(s) in \(schema.name): \(changes.count) change(s)\n".utf8))
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one record as JSON.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "The table.") var table: String
        @Argument(help: "The record id, e.g. SONDUONG/2021/C1.1.") var id: String

        func run() throws {
            let replica = try options.openReplica()
            let schema = try replica.schema.table(table.nfc) ?? { throw ReplicaError.unknownTable(table) }()
            guard let record = try replica.get(schema.name, key: id) else { throw ReplicaError.notFound(table: schema.name, key: id.nfc) }
            try JSONOutput.print(record.json(schema))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a record (it can be re-created later; its history is kept).")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "The table.") var table: String
        @Argument(help: "The record id.") var id: String

        func run() throws {
            let replica = try options.openReplica()
            try replica.delete(table.nfc, key: id)
            FileHandle.standardError.write(Data("deleted \(table) '\(id.nfc)'\n".utf8))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the records of a table as a JSON array, ordered by id.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "The table.") var table: String
        @Option(name: .customLong("where"), help: ArgumentHelp("Only records whose field equals a value (repeatable).", valueName: "field=value"))
        var filters: [String] = []
        @Option(help: "At most this many records.") var limit: Int?

        func run() throws {
            let replica = try options.openReplica()
            let schema = try replica.schema.table(table.nfc) ?? { throw ReplicaError.unknownTable(table) }()
            let validator = RecordValidator(table: schema)
            var conditions: [String: CRDTValue] = [:]
            for filter in filters {
                guard let equals = filter.firstIndex(of: "=") else { throw ReportableError.input("--where expects field=value, got \"\(filter)\"") }
                let name = String(filter[..<equals])
                conditions[name.nfc] = try validator.fieldValue(name, text: String(filter[filter.index(after: equals)...]))
            }
            let records = try replica.list(schema.name, where: conditions, limit: limit)
            try JSONOutput.print(records.map { $0.json(schema) })
        }
    }
}
