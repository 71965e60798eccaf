import ArgumentParser
import Foundation
import ReformData
import Replica
import Hub

/// `reformsync season …`: the assessment season (Protocol §17) — its dates and extensions at the
/// hub, the submission and explanations at a unit's node, appraisal and re-appraisal at the hub.
struct SeasonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "season",
        abstract: "The assessment season: phase dates, extensions, submission, appraisal, explanations (Protocol §17).",
        discussion: """
            A year's season is a sequence of phases, each ending at 24:00 Vietnam time of its last day: \
            self-assessment (units score and submit), appraisal (the hub appraises each criterion), explanation \
            (units explain deductions), re-appraisal (the hub records final scores), final (results published). \
            Seasons are hub data that replicate to every unit, so a node knows its deadlines offline. A unit's \
            change is judged by when it was written (its stamp): written in time and synced late is accepted (up \
            to server.late_acceptance_days after the deadline), written after the deadline is refused \
            (phase_closed), at the node itself when it already knows the season.

            At the hub:
              reformsync season set --year 2021 --self-assessment-until 2022-01-15 --appraisal-until 2022-02-28 \\
                  --explanation-until 2022-03-15 --reappraisal-until 2022-03-31 --final-on 2022-06-18
              reformsync season extend --unit NAHANG --year 2021 --phase self_assessment --until 2022-01-22 \\
                  --by "Chị Lan, phòng CCHC" --reason "mất điện 3 ngày"
              reformsync season appraise --unit SONDUONG --year 2021 --criterion C3.2 --score 1.5 --reason "thiếu tài liệu"
              reformsync season reappraise --unit SONDUONG --year 2021 --criterion C3.2 --score 2 --accepted yes --reason "đã bổ sung"
              reformsync season reopen --unit SONDUONG --year 2021 --by "Giám đốc Sở Nội vụ" --reason "sai sót nhập liệu"
              reformsync season late --year 2021
            At a node:
              reformsync season show
              reformsync season submit --year 2021 --as leader
              reformsync season explain --year 2021 --criterion C3.2 --text "…" [--evidence "QĐ 12/QĐ-UBND"]
            """,
        subcommands: [SeasonSet.self, SeasonShow.self, SeasonExtend.self, SeasonSubmit.self, SeasonReopen.self,
                      SeasonAppraise.self, SeasonReappraise.self, SeasonExplain.self, SeasonLate.self]
    )

    /// The replica, which must be the hub's.
    static func hubReplica(_ options: ReplicaOptions, command: String) throws -> Replica {
        let replica = try options.openReplica()
        guard replica.role == .hub else {
            throw ReportableError.input("`season \(command)` is a hub command (the hub writes seasons and appraisals); \(replica.location) is the node of \(replica.unit)")
        }
        return replica
    }

    /// The season of `unit` in `year` as the replica knows it, or a clear error.
    static func season(_ replica: Replica, unit: String, year: Int) throws -> Season {
        try SeasonDesk.season(replica, unit: unit, year: year)
    }

    /// Refuses a hub action outside its phase: `phase` must have opened and not ended at `now`.
    static func requirePhase(_ phase: SeasonPhase, of season: Season, now: UInt64, action: String) throws {
        try SeasonDesk.requirePhase(phase, of: season, now: now, action: action)
    }

    static func checkYear(_ year: Int) throws {
        guard (2000...2100).contains(year) else { throw ValidationError("--year must be between 2000 and 2100, got \(year)") }
    }

    static func checkDate(_ text: String?, _ option: String) throws {
        if let text, SeasonDay.dayNumber(text) == nil { throw ValidationError("--\(option) must be a date YYYY-MM-DD, got \"\(text)\"") }
    }

    static func checkText(_ text: String, _ option: String) throws {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("--\(option) is empty: say who and why") }
    }
}

struct SeasonSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Set a year's phase dates (at the hub); every unit receives them at its next sync.",
        discussion: "Dates are last days (24:00 Vietnam time), in phase order. Setting again changes the dates given and keeps the others.")

    @OptionGroup var options: ReplicaOptions
    @Option(help: "The year assessed, e.g. 2021.") var year: Int
    @Option(help: ArgumentHelp("Ranking group the dates apply to: all, department, district, commune.", valueName: "group")) var group = "all"
    @Option(help: ArgumentHelp("The methodology, e.g. 876/QĐ-BNV (an id of methodologies).", valueName: "id")) var methodology: String?
    @Option(name: .customLong("self-assessment-until"), help: ArgumentHelp("Last day of self-assessment and submission.", valueName: "YYYY-MM-DD")) var selfAssessment: String?
    @Option(name: .customLong("appraisal-until"), help: ArgumentHelp("Last day of the appraisal.", valueName: "YYYY-MM-DD")) var appraisal: String?
    @Option(name: .customLong("explanation-until"), help: ArgumentHelp("Last day units explain deductions.", valueName: "YYYY-MM-DD")) var explanation: String?
    @Option(name: .customLong("reappraisal-until"), help: ArgumentHelp("Last day of the re-appraisal.", valueName: "YYYY-MM-DD")) var reappraisal: String?
    @Option(name: .customLong("final-on"), help: ArgumentHelp("Day the results are approved and published.", valueName: "YYYY-MM-DD")) var final: String?
    @Option(help: ArgumentHelp("The document that sets the dates.", valueName: "text")) var decision: String?

    func validate() throws {
        try SeasonCommand.checkYear(year)
        for (text, option) in [(selfAssessment, "self-assessment-until"), (appraisal, "appraisal-until"), (explanation, "explanation-until"),
                               (reappraisal, "reappraisal-until"), (final, "final-on")] {
            try SeasonCommand.checkDate(text, option)
        }
    }

    func run() throws {
        let replica = try SeasonCommand.hubReplica(options, command: "set")
        var given: [SeasonPhase: String] = [:]
        for (phase, text) in [(SeasonPhase.selfAssessment, selfAssessment), (.appraisal, appraisal), (.explanation, explanation),
                              (.reappraisal, reappraisal), (.final, final)] {
            if let text { given[phase] = text }
        }
        let days = try SeasonDesk.setDates(replica, year: year, group: group, methodology: methodology, days: given, decision: decision)
        print("season \(year)/\(group.nfc): " + days.map { "\($0.0.words) until \($0.1)" }.joined(separator: ", "))
        print("every unit receives it at its next sync")
    }
}

struct SeasonExtend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extend",
        abstract: "Extend a phase for one unit (at the hub): a recorded decision, with who decided and why.",
        discussion: "The unit's changes written before the new last day are accepted; the unit receives the decision at its next sync.")

    @OptionGroup var options: ReplicaOptions
    @Option(help: "The unit, e.g. NAHANG.") var unit: String
    @Option(help: "The year assessed.") var year: Int
    @Option(help: ArgumentHelp("self_assessment or explanation.", valueName: "phase")) var phase = "self_assessment"
    @Option(help: ArgumentHelp("The unit's new last day of the phase.", valueName: "YYYY-MM-DD")) var until: String
    @Option(name: .customLong("by"), help: ArgumentHelp("Who decided (name, office).", valueName: "text")) var decidedBy: String
    @Option(help: ArgumentHelp("Why.", valueName: "text")) var reason: String

    func validate() throws {
        try SeasonCommand.checkYear(year)
        try SeasonCommand.checkDate(until, "until")
        guard ["self_assessment", "explanation"].contains(phase) else {
            throw ValidationError("--phase must be self_assessment or explanation (the phases in which units write), got \"\(phase)\"")
        }
        try SeasonCommand.checkText(decidedBy, "by")
        try SeasonCommand.checkText(reason, "reason")
    }

    func run() throws {
        let replica = try SeasonCommand.hubReplica(options, command: "extend")
        let was = try SeasonDesk.extend(replica, unit: unit, year: year, phase: phase, until: until, decidedBy: decidedBy, reason: reason)
        let words = SeasonPhase(rawValue: phase)!.words
        print("\(unit.nfc): \(words) phase of \(year) extended to \(until) (was \(was ?? "not set")), decided by \(decidedBy.nfc): \(reason.nfc)")
    }
}

struct SeasonReopen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen",
        abstract: "Reopen a unit's submitted self-assessment (at the hub): a recorded decision; a new submission locks it again.")

    @OptionGroup var options: ReplicaOptions
    @Option(help: "The unit.") var unit: String
    @Option(help: "The year assessed.") var year: Int
    @Option(name: .customLong("by"), help: ArgumentHelp("Who decided.", valueName: "text")) var decidedBy: String
    @Option(help: ArgumentHelp("Why.", valueName: "text")) var reason: String

    func validate() throws {
        try SeasonCommand.checkYear(year)
        try SeasonCommand.checkText(decidedBy, "by")
        try SeasonCommand.checkText(reason, "reason")
    }

    func run() throws {
        let replica = try SeasonCommand.hubReplica(options, command: "reopen")
        try SeasonDesk.reopen(replica, unit: unit, year: year, decidedBy: decidedBy, reason: reason)
        print("\(unit.nfc)/\(year) reopened by \(decidedBy.nfc): \(reason.nfc); the unit may edit its self-scores after its next sync, and submits again")
    }
}
