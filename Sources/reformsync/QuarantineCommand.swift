import ArgumentParser
import Foundation
import ReformData
import Replica

struct QuarantineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "Changes the hub refused: kept here, visible, never dropped silently.",
        subcommands: [List.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List refused changes with the hub's reason.")
        @OptionGroup var options: ReplicaOptions
        @Flag(help: "Print JSON.") var json = false

        struct Item: Encodable {
            var table: String, key: String, field: String?, value: JSONValue, hlc: String, site: String, code: String, reason: String, refusedAt: String
        }

        func run() throws {
            let replica = try options.openReplica()
            let items = try replica.quarantined().map { q in
                Item(table: q.table, key: q.key, field: q.column, value: RecordValidator.json(q.value, type: .text), hlc: q.hlc.description,
                     site: q.site, code: q.code, reason: q.reason, refusedAt: q.refusedAt)
            }
            if json { try JSONOutput.print(items); return }
            if items.isEmpty { print("no refused changes"); return }
            for item in items {
                print("\(item.refusedAt)  \(item.table) '\(item.key)'\(item.field.map { ".\($0)" } ?? " (record)")  [\(item.code)] \(item.reason)")
            }
        }
    }
}
