import ArgumentParser
import Foundation
import Hub
import ReformData
import Replica

/// The score of a criterion, range-checked (never a trapping conversion).
private func checkScore(_ score: Double) throws {
    guard score.isFinite, (0...100).contains(score) else { throw ValidationError("--score must be a number of points from 0 to 100, got \(score)") }
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
        let key = "\(unit.nfc)/\(year)/\(criterion.nfc)"
        guard let stored = try replica.get("assessment_scores", key: key) else {
            throw ReportableError.failure("no self-assessment \(key) at this hub: the unit has not scored that criterion (or not synced yet)")
        }
        let season = try SeasonCommand.season(replica, unit: unit.nfc, year: year)
        try SeasonCommand.requirePhase(.appraisal, of: season, now: Replica.systemMillis(), action: "appraisal")
        let selfScore = stored.values["self_score"].flatMap { value -> Double? in
            switch value { case .real(let d): return d; case .integer(let i): return Double(i); default: return nil }
        }
        if let selfScore, score < selfScore, (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ReportableError.input("\(key): \(score) is a deduction from the self-score \(selfScore): give its reason with --reason")
        }
        var fields: [String: JSONValue] = ["unit": .string(unit.nfc), "year": .integer(Int64(year)), "criterion": .string(criterion.nfc),
                                           "appraised_score": .double(score)]
        if let reason { fields["appraisal_note"] = .string(reason.nfc) }
        try replica.put("assessment_scores", json: fields)
        let deduction = selfScore.map { $0 - score } ?? 0
        print("\(key) appraised \(score)" + (deduction > 0 ? " (deduction \(deduction) from \(selfScore!))" : "") + "; the unit receives it at its next sync")
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
        let key = "\(unit.nfc)/\(year)/\(criterion.nfc)"
        guard let stored = try replica.get("assessment_scores", key: key), stored.values["appraised_score"] != nil else {
            throw ReportableError.failure("\(key) has no appraised score at this hub: re-appraisal follows an appraisal (`season appraise`)")
        }
        let season = try SeasonCommand.season(replica, unit: unit.nfc, year: year)
        try SeasonCommand.requirePhase(.reappraisal, of: season, now: Replica.systemMillis(), action: "re-appraisal")
        try replica.put("assessment_scores", json: [
            "unit": .string(unit.nfc), "year": .integer(Int64(year)), "criterion": .string(criterion.nfc),
            "reappraised_score": .double(score), "explanation_accepted": .bool(accepted == "yes"), "reappraisal_note": .string(reason.nfc),
        ])
        print("\(key) re-appraised: final score \(score), explanation \(accepted == "yes" ? "accepted" : "not accepted")")
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
