import ArgumentParser
import Foundation
import ReformData
import Replica

struct QuarantineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "Changes the hub refused: kept here, visible, never dropped silently.",
        discussion: """
            `list` shows each refused change with its number, the hub's code and reason. Then either \
            correct the data (a new write supersedes the refused one), `retry` (after the hub's rules, \
            the unit's data or the clock changed: the next sync sends the changes again, and a new \
            refusal brings them back here), or `discard` (accept the refusal: each refused field goes \
            back to the value it had before, a refused new record is removed, and the refused change \
            stays in `reformsync history` as "discarded"). `status` is healthy again once the \
            quarantine is empty. Entries of the same record are retried or discarded together.
            """,
        subcommands: [List.self, Retry.self, Discard.self],
        defaultSubcommand: List.self
    )

    /// `ID...` or `--all`, for retry and discard.
    struct Selection: ParsableArguments {
        @Argument(help: "Entry numbers, as `quarantine list` shows them.") var ids: [Int64] = []
        @Flag(help: "Every entry.") var all = false

        func validate() throws {
            if ids.isEmpty == !all { throw ValidationError("give entry numbers (from `reformsync quarantine list`) or --all, not both") }
            if let bad = ids.first(where: { $0 <= 0 }) { throw ValidationError("entry number \(bad) is not one `quarantine list` shows (they start at 1)") }
        }

        var chosen: [Int64]? { all ? nil : ids }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send refused changes to the hub again at the next sync.")
        @OptionGroup var options: ReplicaOptions
        @OptionGroup var selection: Selection

        func run() throws {
            let replica = try options.openReplica()
            let done = try replica.retryQuarantined(ids: selection.chosen)
            print("\(done.entries) refused change(s) taken out of the quarantine; \(done.rows) record(s) will be sent again at the next sync"
                  + (done.superseded > 0 ? " (\(done.superseded) already replaced by a later write)" : ""))
        }
    }

    struct Discard: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept the hub's refusal: put the refused fields back as they were.")
        @OptionGroup var options: ReplicaOptions
        @OptionGroup var selection: Selection

        func run() throws {
            let replica = try options.openReplica()
            let done = try replica.discardQuarantined(ids: selection.chosen)
            print("\(done.entries) refused change(s) discarded (kept in the history); \(done.rows) record(s) put back as they were"
                  + (done.superseded > 0 ? " (\(done.superseded) already replaced by a later write)" : ""))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List refused changes with the hub's reason.")
        @OptionGroup var options: ReplicaOptions
        @Flag(help: "Print JSON.") var json = false

        struct Item: Encodable {
            var id: Int64, table: String, key: String, field: String?, value: JSONValue, hlc: String, site: String, code: String, reason: String, refusedAt: String
        }

        func run() throws {
            let replica = try options.openReplica()
            let items = try replica.quarantined().map { q in
                Item(id: q.id, table: q.table, key: q.key, field: q.column, value: RecordValidator.json(q.value, type: .text), hlc: q.hlc.description,
                     site: q.site, code: q.code, reason: q.reason, refusedAt: q.refusedAt)
            }
            if json { try JSONOutput.print(items); return }
            if items.isEmpty { print("no refused changes"); return }
            for item in items {
                print("#\(item.id)  \(item.refusedAt)  \(item.table) '\(item.key)'\(item.field.map { ".\($0)" } ?? " (record)")  [\(item.code)] \(item.reason)")
            }
        }
    }
}
