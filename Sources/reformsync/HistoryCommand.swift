import ArgumentParser
import CRDT
import Foundation
import ReformData
import Replica

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Print every version of every field of a record: when, which site and unit, old → new.",
        discussion: """
            The trail includes values replaced by later writes, deletes and re-creates, and concurrent writes that lost. \
            Lines are grouped by field; --chronological orders them by when each was written instead — for a \
            criterion's score, the season's stages in order: self-score, appraisal, explanation, re-appraisal (Protocol §17.7).
            """
    )
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The table.") var table: String
    @Argument(help: "The record id.") var id: String
    @Flag(help: "Print JSON instead of a table.") var json = false
    @Flag(help: "Order every version by when it was written (its stamp), not by field.") var chronological = false

    struct Line: Encodable {
        var field: String
        var time: String
        var hlc: String
        var site: String
        var unit: String?
        var causalLength: UInt64
        var old: JSONValue?
        var new: JSONValue
        var event: String
    }

    func run() throws {
        let replica = try options.openReplica()
        let schema = try replica.schema.table(table.nfc) ?? { throw ReplicaError.unknownTable(table) }()
        let entries = try replica.history(schema.name, key: id)
        var lines = Self.lines(entries, schema: schema)
        if chronological {
            // Stable: versions written together (one stamp) keep the field order.
            lines = zip(lines, entries).enumerated().sorted { ($0.element.1.stamp, $0.offset) < ($1.element.1.stamp, $1.offset) }.map(\.element.0)
        }
        if json {
            try JSONOutput.print(lines)
            return
        }
        print("\(schema.name) \(id.nfc)")
        let rows = lines.map { line -> [String] in
            let change: String
            switch line.event {
            case "lost", "stale": change = "\(Self.show(line.new))  (\(line.event == "lost" ? "concurrent write that lost" : "written to an earlier life of the record"))"
            case "created", "deleted", "re-created": change = line.event
            default: change = "\(line.old.map(Self.show) ?? "∅") → \(Self.show(line.new))"
            }
            return [line.field, line.time, line.unit ?? "?", line.site, change]
        }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            print("  " + (0..<4).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + row[4])
        }
    }

    static func lines(_ entries: [HistoryEntry], schema: TableSchema) -> [Line] {
        var lines: [Line] = []
        var previous: (field: String?, life: UInt64, value: JSONValue)?
        for entry in entries {
            let type = entry.column.flatMap { schema.column($0)?.type } ?? .text
            let value = RecordValidator.json(entry.value, type: type)
            let field = entry.column ?? "(record)"
            var line = Line(field: field, time: Self.time(entry.stamp.hlc), hlc: entry.stamp.hlc.description, site: entry.stamp.site.rawValue,
                            unit: entry.unit, causalLength: entry.causalLength, old: nil, new: value, event: "set")
            switch entry.fate {
            case .lost, .stale, .restamped, .discarded:
                line.event = entry.fate.rawValue
            case .current, .superseded:
                if entry.column == nil {
                    line.event = entry.rowEvent
                } else {
                    if let previous, previous.field == entry.column, previous.life == entry.causalLength { line.old = previous.value }
                    previous = (entry.column, entry.causalLength, value)
                }
            }
            lines.append(line)
        }
        return lines
    }

    static func time(_ hlc: HLC) -> String {
        let date = Date(timeIntervalSince1970: Double(hlc.millis) / 1000)
        return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func show(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return "\"\(s)\""
        default: return value.summary
        }
    }
}
