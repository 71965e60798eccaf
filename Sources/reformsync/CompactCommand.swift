import ArgumentParser
import Foundation
import Hub
import Logging
import ReformData
import Replica

/// `reformsync compact`: history and tombstones below the acknowledged watermark
/// (Protocol/README.md §19.2). A dry run unless --apply.
struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Compact history and tombstones below the watermark every node acknowledged (a dry run unless --apply).",
        discussion: """
            At the hub: the watermark is the lowest hub version that every node seen within the retention \
            (server.compact_retention_days, default 180; --retention-days) has pulled and committed; below it the \
            history entries and the deleted rows (tombstones) of the working tables (initiatives, service_deployments, \
            tasks, task_assignees, directives, services) are removed. Everything the report and `history` need is kept \
            forever: current values, and the whole history and tombstones of units, criteria, self-assessments, \
            appraisals, surveys, progress reports, recognitions, publications and successions. A node away longer than \
            the retention is then refused (410 snapshot_required) and starts again with `init --from-hub --replace`, \
            so no deleted row comes back. The hub also compacts on its own every server.compact_interval_hours.

            At a node: only the history of the working tables, below what the hub has acknowledged; tombstones stay.

            Prints every node's acknowledged position and what is (or would be) removed; --json for scripts; \
            --vacuum gives the freed pages back to the disk afterwards (needs as much free space as the file).
            """
    )

    @OptionGroup var options: ReplicaOptions
    @Flag(help: "Remove for real (without it: count only, change nothing).") var apply = false
    @Flag(help: "After --apply, rewrite the file without its free pages (SQLite VACUUM).") var vacuum = false
    @Option(name: .customLong("retention-days"), help: ArgumentHelp("At the hub: nodes seen within this many days hold the watermark back.", valueName: "days"))
    var retentionDays: Double?
    @Flag(help: "Print the outcome as JSON.") var json = false

    func validate() throws {
        if let retentionDays, !(0...36_500).contains(retentionDays) {
            throw ValidationError("--retention-days must be from 0 to 36500, got \(retentionDays)")
        }
        if vacuum && !apply { throw ValidationError("--vacuum goes with --apply (a dry run frees nothing)") }
    }

    func run() throws {
        let configuration = try options.configuration()
        let replica = try options.openReplica()
        let bytesBefore = Self.size(replica.location)
        if replica.role == .hub {
            var logger = Logger(label: "reformsync.compact")
            logger.logLevel = .warning
            let service = try HubService(replica: replica, logger: logger)
            let retention = retentionDays ?? configuration.server.compactRetentionDays
            let outcome = try service.compact(retentionDays: retention, apply: apply)
            if apply && vacuum { try replica.vacuum() }
            if json { return try JSONOutput.print(outcome) }
            print("nodes (retention \(Self.number(retention)) days):")
            for node in outcome.nodes {
                print("  \(node.unit) \(node.site): acknowledged \(node.acknowledged), last seen \(node.lastSeenAt ?? "never")"
                      + (node.active ? "" : " — away longer than the retention: must start again from a snapshot"))
            }
            describe(outcome.report, hubVersion: outcome.hubVersion, bytesBefore: bytesBefore, path: replica.location)
        } else {
            let watermark = try replica.cursor("push").position
            let report = try replica.compact(through: watermark, tombstones: false, apply: apply)
            if apply && vacuum { try replica.vacuum() }
            if json { return try JSONOutput.print(report) }
            describe(report, hubVersion: nil, bytesBefore: bytesBefore, path: replica.location)
        }
    }

    func describe(_ report: CompactionReport, hubVersion: Int64?, bytesBefore: Int64, path: String) {
        print("watermark: version \(report.watermark)" + (hubVersion.map { " (hub version \($0))" } ?? " (what the hub has acknowledged)"))
        for table in report.tables where table.tombstones + table.historyEntries > 0 {
            print("  \(table.table): \(table.tombstones) tombstone(s), \(table.historyEntries) history entries")
        }
        let verb = report.applied ? "removed" : "would remove (dry run; --apply to compact)"
        print("\(verb): \(report.tombstones) tombstone(s), \(report.historyEntries) history entries")
        if report.applied && vacuum { print("file: \(bytesBefore) → \(Self.size(path)) bytes") }
    }

    static func size(_ path: String) -> Int64 {
        [path, path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int64) ?? 0)
        }
    }

    static func number(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
}
