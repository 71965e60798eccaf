import ArgumentParser
import Foundation
import Hub
import ReformData
import Replica

/// The score of a criterion, range-checked as the appraisers' pages check it (``SeasonDesk/checkScore(_:)``).
private func checkScore(_ score: Double) throws {
    do { try SeasonDesk.checkScore(score) } catch { throw ValidationError(error.message) }
}

struct SeasonAppraise: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appraise",
        abstract: "Appraise one criterion of a unit (at the hub, in the appraisal phase): the appraised score and the reason for a deduction.",
        discussion: "The unit receives the appraisal at its next sync and may explain a deduction in the explanation phase.")

    @OptionGroup var options: ReplicaOptions
    @Option(help: "The unit.") var unit: String
    @Option(help: "The year assessed.") var year: Int
    @Option(help: "The criterion, e.g. C3.2.") var criterion: String
    @Option(help: "The appraised score (points).") var score: Double
    @Option(help: ArgumentHelp("Why the score differs from the self-score (required for a deduction).", valueName: "text")) var reason: String?

    func validate() throws {
        try SeasonCommand.checkYear(year)
        try checkScore(score)
    }

    func run() throws {
        let replica = try SeasonCommand.hubReplica(options, command: "appraise")
        let done = try SeasonDesk.appraise(replica, unit: unit, year: year, criterion: criterion, score: score, reason: reason)
        print("\(done.key) appraised \(score)" + (done.deduction > 0 ? " (deduction \(done.deduction) from \(done.selfScore!))" : "") + "; the unit receives it at its next sync")
    }
}

struct SeasonReappraise: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reappraise",
        abstract: "Re-appraise one criterion (at the hub, in the re-appraisal phase): the final score and whether the explanation was accepted.")

    @OptionGroup var options: ReplicaOptions
    @Option(help: "The unit.") var unit: String
    @Option(help: "The year assessed.") var year: Int
    @Option(help: "The criterion.") var criterion: String
    @Option(help: "The final score (points).") var score: Double
    @Option(help: ArgumentHelp("Whether the explanation is accepted: yes or no.", valueName: "yes|no")) var accepted: String
    @Option(help: ArgumentHelp("Why.", valueName: "text")) var reason: String

    func validate() throws {
        try SeasonCommand.checkYear(year)
        try checkScore(score)
        guard ["yes", "no"].contains(accepted) else { throw ValidationError("--accepted must be yes or no, got \"\(accepted)\"") }
        try SeasonCommand.checkText(reason, "reason")
    }

    func run() throws {
        let replica = try SeasonCommand.hubReplica(options, command: "reappraise")
        try SeasonDesk.reappraise(replica, unit: unit, year: year, criterion: criterion, score: score, accepted: accepted == "yes", reason: reason)
        print("\(unit.nfc)/\(year)/\(criterion.nfc) re-appraised: final score \(score), explanation \(accepted == "yes" ? "accepted" : "not accepted")")
    }
}

struct SeasonLate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "late",
        abstract: "At the hub: season changes accepted after their deadline because they were written before it, with when each was written and when it arrived.")

    @OptionGroup var options: ReplicaOptions
    @Option(help: "The year assessed.") var year: Int
    @Option(help: "Only this unit.") var unit: String?
    @Flag(help: "Print JSON.") var json = false

    struct Line: Encodable {
        var unit: String
        var table: String
        var key: String
        var field: String?
        var written: String
        var arrived: String
        var site: String
    }

    func validate() throws { try SeasonCommand.checkYear(year) }

    func run() throws {
        let replica = try SeasonCommand.hubReplica(options, command: "late")
        let entries = try replica.writer.read { db in try LateArrivals.list(db, year: year, unit: unit?.nfc) }
        let lines = entries.map { Line(unit: $0.unit, table: $0.table, key: $0.key, field: $0.column, written: SeasonDay.dateTime(millis: $0.writtenMillis),
                                       arrived: SeasonDay.dateTime(millis: $0.arrivedMillis), site: $0.site) }
        if json { return try JSONOutput.print(lines) }
        if lines.isEmpty { return print("no late arrivals for \(year)") }
        print("accepted after the deadline, written before it (Vietnam time):")
        for line in lines {
            print("  \(line.unit)  \(line.table) \(line.key)\(line.field.map { ".\($0)" } ?? " (record)")  written \(line.written), arrived \(line.arrived)")
        }
    }
}
