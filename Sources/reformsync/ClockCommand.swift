import ArgumentParser
import Foundation
import Replica

/// `reformsync clock show|repair`: a server whose clock ran ahead, and its way back.
struct ClockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock",
        abstract: "This replica's clock: what it stamped ahead of the wall clock, and its repair.",
        discussion: """
            A server whose clock ran ahead (a wrong date, an NTP outage) stamps its writes in the \
            future; the hub refuses them (clock_skew, see `reformsync quarantine list`) and, because \
            the replica's clock never goes back, every later write too. Once the server's clock is right \
            again (`timedatectl`, NTP), `reformsync clock repair` gives this replica's own writes that are \
            stamped beyond the allowed skew (server.max_clock_skew) fresh stamps from the repaired clock, \
            without changing a value: the next sync sends them, and the office enters nothing again.
            """,
        subcommands: [Show.self, Repair.self],
        defaultSubcommand: Show.self
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether this replica stamped writes ahead of the wall clock.")
        @OptionGroup var options: ReplicaOptions
        @Flag(help: "Print JSON.") var json = false

        struct Output: Encodable {
            var ownChangesAhead: Int
            var clockRepairedAt: String?
            var clockRepairRestamped: Int?
        }

        func run() throws {
            let replica = try options.openReplica()
            let ahead = try replica.ownChangesAhead()
            let meta = try replica.allMeta()
            let output = Output(ownChangesAhead: ahead, clockRepairedAt: meta["clock_repaired_at"],
                                clockRepairRestamped: meta["clock_repair_restamped"].flatMap { Int($0) })
            if json { try JSONOutput.print(output); return }
            if ahead == 0 {
                print("clock: no write of this replica is stamped ahead of the wall clock")
            } else {
                print("clock: \(ahead) field(s) written here are stamped more than \(replica.maxClockSkewMillis / 1000) s ahead of the wall clock;")
                print("       the hub refuses them. Fix this server's clock (NTP), then run `reformsync clock repair`.")
            }
            if let at = output.clockRepairedAt { print("last repair: \(at) (\(output.clockRepairRestamped ?? 0) re-stamped)") }
        }
    }

    struct Repair: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-stamp this replica's own writes stamped beyond the allowed skew; run after fixing the clock.",
            discussion: """
                Values do not change and other units' rows are not touched; the old stamps stay in the \
                history (`reformsync history`, event "restamped"), and the hub's clock_skew refusals leave \
                the quarantine. Run it only once the server's clock is right: it trusts the wall clock. \
                Safe while the daemon runs (one transaction); exit 0.
                """
        )
        @OptionGroup var options: ReplicaOptions
        @Flag(help: "Print JSON.") var json = false

        struct Output: Encodable {
            var restamped: Int, rows: Int, quarantineResolved: Int, othersAhead: Int, clockBefore: String, clockAfter: String
        }

        func run() throws {
            let replica = try options.openReplica()
            let report = try replica.repairClock()
            let output = Output(restamped: report.restamped, rows: report.rows, quarantineResolved: report.quarantineResolved,
                                othersAhead: report.othersAhead, clockBefore: HistoryCommand.time(report.clockBefore),
                                clockAfter: HistoryCommand.time(report.clockAfter))
            if json { try JSONOutput.print(output); return }
            print("clock repaired: \(report.restamped) field(s) of \(report.rows) record(s) re-stamped, "
                  + "\(report.quarantineResolved) clock_skew refusal(s) resolved; clock \(output.clockBefore) → \(output.clockAfter)")
            if report.restamped > 0 { print("the next sync sends them to the hub") }
            if report.othersAhead > 0 {
                print("note: \(report.othersAhead) field(s) written elsewhere are stamped ahead too; only the replica that wrote them can repair them")
            }
        }
    }
}
