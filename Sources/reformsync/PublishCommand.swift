import Aggregation
import ArgumentParser
import Foundation
import ReformData
import Replica

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a year's PAR INDEX results and ranks (at the hub); every unit receives them at its next sync.",
        discussion: """
            Computes the ranking as `reformsync report` does and writes one published_results record per \
            ranked unit (index, totals, maximum, rank, ranked of) and the year's publications record (date, \
            decision), as ordinary hub writes: they replicate to every unit. Publishing again replaces the \
            year's results (records of units no longer ranked are deleted). Units without an index are not \
            published; if no unit has one, nothing is written (exit code 1).

              reformsync publish --config /etc/reformsync/hub.yaml --year 2022 --decision "715/QĐ-UBND"
            """
    )

    @OptionGroup var options: ReplicaOptions

    @Option(help: ArgumentHelp("The year of the results, e.g. 2021.", valueName: "year"))
    var year: Int

    @Option(help: ArgumentHelp("The decision that publishes them, e.g. \"715/QĐ-UBND\" (default: keep the one recorded).", valueName: "text"))
    var decision: String?

    @Option(help: ArgumentHelp("The publication date (default: today in Vietnam).", valueName: "YYYY-MM-DD"))
    var date: String?

    func validate() throws {
        guard (2000...2100).contains(year) else { throw ValidationError("--year must be between 2000 and 2100, got \(year)") }
        if let date, ReportDate.date(date) == nil { throw ValidationError("--date must be a date YYYY-MM-DD, got \"\(date)\"") }
        if let decision, decision.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--decision is empty") }
    }

    func run() throws {
        let replica = try options.openReplica()
        let summary: PublishSummary
        do {
            summary = try ProvinceReport.publish(replica: replica, year: year, decision: decision?.nfc,
                                                 today: date.flatMap(ReportDate.date) ?? Date())
        } catch let error as AggregationError {
            throw error.isBadInput ? ReportableError.input(error.description) : ReportableError.failure(error.description)
        }
        let groups = summary.report.groups.map { "\($0.rankedOf) \($0.group == "department" ? "departments" : $0.group == "district" ? "districts" : $0.group == "commune" ? "communes" : $0.group)" }
        print("published \(summary.year): \(summary.results) result(s) (\(groups.joined(separator: ", "))) on \(summary.publishedOn)"
              + (summary.decision.map { ", decision \($0)" } ?? "")
              + (summary.removed > 0 ? "; removed \(summary.removed) result(s) of units no longer ranked" : ""))
        for group in summary.report.groups {
            let unranked = group.units.count - group.rankedOf
            guard unranked > 0 else { continue }
            let names = group.units.filter { $0.rank == nil }.map(\.unit).joined(separator: ", ")
            print("not published (no index yet) in \(group.group): \(names)")
        }
        print("units receive the results at their next sync")
    }
}
