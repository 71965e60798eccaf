import Aggregation
import ArgumentParser
import Foundation
import Replica

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print a year's PAR INDEX ranking, SIPAS, Decision 06, task follow-up, initiatives and national indices (at the hub).",
        discussion: """
            Computed from the hub's replica every time (nothing is stored; see `reformsync publish`).

            Index % = (appraised points + survey points) ÷ the unit's applicable maximum × 100, rounded to 2 \
            decimals. The applicable maximum is the sum of max_points of the year's method's leaf criteria \
            (criteria without sub-criteria, and sub-criteria) that apply to the unit's group, minus the unit's \
            criterion_exclusions; survey criteria count in it and are filled by survey_results.survey_points. \
            Units are ranked within their group (departments; districts) on the rounded index: equal indices \
            share a rank (1, 2, 2, 4). Missing data stays missing: no appraisal yet, or appraisals still \
            pending, or survey points not entered → no index and no rank; a unit with no self-assessment at \
            the hub is listed as "Chưa có số liệu".

            Task states (done, on track, overdue, no report) are computed for --as-of (default: today, \
            Vietnam time) from each task's deadline and its responsible unit's latest progress report.

            Formats: a fixed-width table in Vietnamese (the default); --json, the whole report (snake_case \
            keys, null for missing values); --csv, the ranking only, one row per unit, UTF-8 with a byte-order \
            mark so Excel reads Vietnamese, CRLF line ends, decimal point (with --delimiter ";" a decimal comma, \
            for Excel under Vietnamese regional settings).

              reformsync report --config /etc/reformsync/hub.yaml --year 2021
              reformsync report --data-dir /var/lib/reformsync --year 2021 --csv --output xep-hang-2021.csv
            """
    )

    @OptionGroup var options: ReplicaOptions

    @Option(help: ArgumentHelp("The year of the results, e.g. 2021.", valueName: "year"))
    var year: Int

    @Flag(help: "Print the whole report as JSON.")
    var json = false

    @Flag(help: "Print the ranking as CSV (UTF-8 with byte-order mark).")
    var csv = false

    @Option(help: ArgumentHelp("CSV delimiter: , (decimal point) or ; (decimal comma).", valueName: "char"))
    var delimiter = ","

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day task states are computed for (default: today in Vietnam).", valueName: "YYYY-MM-DD"))
    var asOf: String?

    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "path"))
    var output: String?

    @Option(help: ArgumentHelp("Which scores the totals and indices use: self (the units' self-scores), appraised (the first appraisal) or final (re-appraised where there is one; the default).", valueName: "stage"))
    var stage: String = "final"

    func validate() throws {
        guard ReportStage(rawValue: stage) != nil else { throw ValidationError("--stage must be self, appraised or final, got \"\(stage)\"") }
        guard (2000...2100).contains(year) else { throw ValidationError("--year must be between 2000 and 2100, got \(year)") }
        if json && csv { throw ValidationError("give --json or --csv, not both") }
        guard delimiter == "," || delimiter == ";" else { throw ValidationError("--delimiter must be , or ;, got \"\(delimiter)\"") }
        if let asOf, ReportDate.date(asOf) == nil { throw ValidationError("--as-of must be a date YYYY-MM-DD, got \"\(asOf)\"") }
    }

    func run() throws {
        let replica = try options.openReplica()
        guard replica.role == .hub else { throw ReportableError.input(AggregationError.notHub(unit: replica.unit).description) }
        var report: ProvinceReport
        do {
            report = try ProvinceReport.compute(reader: replica.writer, year: year, asOf: asOf ?? ReportDate.string(Date()),
                                                stage: ReportStage(rawValue: stage) ?? .final)
            report.hubUnit = replica.unit
        } catch let error as AggregationError {
            throw error.isBadInput ? ReportableError.input(error.description) : ReportableError.failure(error.description)
        }
        let data: Data
        if json {
            data = try ReportFormat.json(report) + Data("\n".utf8)
        } else if csv {
            data = ReportFormat.csv(report, delimiter: delimiter == ";" ? ";" : ",")
        } else {
            data = Data(ReportFormat.table(report).utf8)
        }
        try Self.write(data, to: output)
    }

    /// Bytes to standard output, or to a file (replaced atomically).
    static func write(_ data: Data, to path: String?) throws {
        guard let path else {
            FileHandle.standardOutput.write(data)
            return
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ReportableError.failure("cannot write \(path): \(error.localizedDescription)")
        }
        FileHandle.standardError.write(Data("wrote \(path) (\(data.count) bytes)\n".utf8))
    }
}
