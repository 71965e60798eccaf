import ArgumentParser
import Foundation
import ReformData
import Replica

struct SeasonShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show the seasons this replica knows: phase dates, extensions, the current phase and the next deadline.")

    @OptionGroup var options: ReplicaOptions
    @Option(help: "Only this year.") var year: Int?
    @Option(help: "At the hub: the season as it applies to this unit (its group and extensions).") var unit: String?
    @Flag(help: "Print JSON.") var json = false

    struct Line: Encodable {
        var year: Int
        var season: String
        var unit: String
        var phases: [String: String]
        var extended: [String: String]
        var phaseNow: String?
        var nextDeadline: String?
        var daysLeft: Int64?
        var submission: String?
    }

    func run() throws {
        let replica = try options.openReplica()
        if let year { try SeasonCommand.checkYear(year) }
        let unit = (unit ?? replica.unit).nfc
        let years = try replica.list("seasons").compactMap { record -> Int? in
            guard case .integer(let y)? = record.values["year"] else { return nil }
            return Int(y)
        }
        let wanted = Set(years.filter { year == nil || $0 == year })
        let facts = try replica.writer.read { db in try replica.seasonFacts(unit: unit, years: wanted, db) }
        let now = Replica.systemMillis()
        let lines = facts.seasons.values.sorted { $0.year < $1.year }.map { season -> Line in
            let current = season.phase(at: now)
            let submission = facts.submissions[season.year].flatMap { $0.submittedStamp.map { stamp in
                "submitted \(SeasonDay.dateTime(millis: stamp.hlc.millis))" + ((facts.submissions[season.year]?.reopened ?? false) ? ", reopened by the hub" : "")
            } }
            return Line(year: season.year, season: season.key, unit: unit,
                        phases: Dictionary(uniqueKeysWithValues: season.until.map { ($0.key.rawValue, $0.value) }),
                        extended: Dictionary(uniqueKeysWithValues: season.extended.map { ($0.key.rawValue, $0.value) }),
                        phaseNow: current?.phase.rawValue ?? "closed",
                        nextDeadline: current?.ends.map { SeasonDay.dateTime(millis: $0 > 0 ? $0 - 1 : 0) },
                        daysLeft: current?.ends.map { SeasonDay.daysLeft(from: now, to: $0) }, submission: submission)
        }
        if json { return try JSONOutput.print(lines) }
        if lines.isEmpty {
            print("no season known here" + (year.map { " for \($0)" } ?? "") + (replica.role == .node ? " (the hub sets seasons; this node receives them when it syncs)" : " (set one with `reformsync season set`)"))
            return
        }
        for (line, season) in zip(lines, facts.seasons.values.sorted { $0.year < $1.year }) {
            print("\(line.year) — seasons \(line.season), for \(unit):")
            for phase in SeasonPhase.allCases {
                guard let day = season.until[phase] else { continue }
                let extended = season.extended[phase].map { "  (extended for \(unit) to \($0))" } ?? ""
                print("  " + phase.words.padding(toLength: 16, withPad: " ", startingAt: 0) + "until \(day)\(extended)")
            }
            if let phase = season.phase(at: now) {
                let left = line.daysLeft ?? 0
                let warning = left <= 3 ? "  ⚠ \(left) day(s) left" : "  (\(left) days left)"
                print("  now: \(phase.phase.words) phase; it ends \(line.nextDeadline ?? "?") Vietnam time\(warning)")
            } else {
                print("  now: every phase has ended")
            }
            if let submission = line.submission { print("  \(submission)") }
        }
    }
}

struct SeasonSubmit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit the unit's self-assessment of a year (its leader): the self-scores become read-only.",
        discussion: """
            Sets assessments.status to submitted with today's date. Until the office app brings accounts and roles, \
            the role is stated with --as leader (only the unit's leader submits). After submission, self-scores of \
            that year are refused here and at the hub (code submitted) unless the hub reopens the assessment.
            """)

    @OptionGroup var options: ReplicaOptions
    @Option(help: "The year assessed.") var year: Int
    @Option(name: .customLong("as"), help: ArgumentHelp("Your role in the unit: leader.", valueName: "role")) var role: String
    @Option(help: "At the hub, the unit submitting (a unit that enters its data at the hub).") var unit: String?

    func validate() throws {
        try SeasonCommand.checkYear(year)
        guard role == "leader" else {
            throw ValidationError("only the unit's leader (lãnh đạo) submits the self-assessment: --as leader (got \"\(role)\")")
        }
    }

    func run() throws {
        let replica = try options.openReplica()
        let unit = replica.role == .node ? replica.unit : (unit?.nfc ?? replica.unit)
        let key = "\(unit)/\(year)"
        let submitted: (submittedOn: String, lateAfter: String?)
        do { submitted = try replica.submitAssessment(unit: unit, year: year) } catch let error as UnitActionError {
            throw ReportableError.failure(error.message)
        }
        let today = submitted.submittedOn
        let late = submitted.lateAfter.map { " — late: the self-assessment deadline was \($0)" } ?? ""
        print("\(key) submitted on \(today)\(late); its self-scores are now read-only" + (replica.role == .node ? "; the hub receives it at the next sync" : ""))
    }
}

struct SeasonExplain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a deduction (giải trình), with evidence, during the explanation phase.")

    @OptionGroup var options: ReplicaOptions
    @Option(help: "The year assessed.") var year: Int
    @Option(help: "The criterion, e.g. C3.2.") var criterion: String
    @Option(help: "The explanation.") var text: String
    @Option(help: ArgumentHelp("Evidence references (document numbers; files when the evidence feature lands).", valueName: "text")) var evidence: String?

    func validate() throws {
        try SeasonCommand.checkYear(year)
        try SeasonCommand.checkText(text, "text")
    }

    func run() throws {
        let replica = try options.openReplica()
        let key = "\(replica.unit)/\(year)/\(criterion.nfc)"
        do {
            try replica.explainDeduction(unit: replica.unit, year: year, criterion: criterion, text: text, evidence: evidence)
        } catch let error as UnitActionError {
            throw ReportableError.failure(error.message)
        }
        print("explanation of \(key) stored; the hub receives it at the next sync")
    }
}
