import Aggregation
import ArgumentParser
import Foundation

struct BenchReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Time the hub's full report on 1,000 units × 100 criteria × 5 years against a plain SQL aggregate.",
        discussion: """
            Builds a hub replica file (and a plain table holding the same score rows) in a temporary folder, \
            removed afterwards, then times the full report for one year and for every year, and the plain \
            `SELECT unit, SUM(...) ... GROUP BY unit` on the same rows. Target: the full report of one year \
            under 1 s. The last line is one JSON object with report_seconds, plain_sql_seconds, \
            report_all_years_seconds, plain_sql_all_years_seconds, score_rows and build_seconds. Progress goes \
            to standard error. Build with -c release for meaningful figures (building the rows takes longest).
            """
    )

    @Option(help: "Units.") var units = 1_000
    @Option(help: "Scored criteria per unit and year.") var criteria = 100
    @Option(help: "Years of scores.") var years = 5
    @Option(help: "Timed runs of the one-year figures (the median is printed).") var runs = 3
    @Option(help: ArgumentHelp("Folder for the temporary database files (default: the system's temporary folder).", valueName: "path"))
    var directory: String?
    @Flag(help: "Keep the database files and print where they are.") var keep = false

    func validate() throws {
        guard units > 0, criteria > 0, years > 0, runs > 0 else { throw ValidationError("--units, --criteria, --years and --runs must be positive") }
        guard years <= 50 else { throw ValidationError("--years must be at most 50") }
    }

    func run() throws {
        let parent = directory ?? FileManager.default.temporaryDirectory.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReportableError.input("--directory \(parent): no such folder")
        }
        let folder = (parent as NSString).appendingPathComponent("reformsync-bench-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer {
            if keep {
                FileHandle.standardError.write(Data("kept the database files in \(folder)\n".utf8))
            } else {
                try? FileManager.default.removeItem(atPath: folder)
            }
        }
        var options = ReportBenchmark.Options(directory: folder)
        options.units = units
        options.criteria = criteria
        options.years = years
        options.runs = runs
        let figures = try ReportBenchmark.run(options, report: { print($0) }, progress: { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        })
        print(figures.jsonLine)
    }
}
