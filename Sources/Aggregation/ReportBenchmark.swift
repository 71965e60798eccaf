import CRDT
import Foundation
import GRDB
import ReformData
import Replica

/// `reformsync bench report`: how long the hub's full report takes on a province far larger than
/// Tuyên Quang, next to a plain SQL aggregate over the same score rows.
///
/// Builds a hub replica file with `units` units × `criteria` criteria × `years` years of
/// self-assessed and appraised scores (plus survey points, exclusions, Decision-06 reports, tasks
/// and initiatives, so every section of the report has work), written with ordinary local
/// `put`s in large transactions. The same score rows go into a plain SQLite table (no CRDT
/// columns) in a second file with the same settings. Then, in the same run:
///
/// - report, one year: ``ProvinceReport/compute(reader:year:asOf:)`` for the last year (every
///   section, one read transaction), the median of `runs`; target < 1 s;
/// - report, all years: the reports of every year from one snapshot
///   (``ProvinceReport/compute(reader:years:asOf:)``: one pass over the score rows);
/// - plain SQL: `SELECT unit, SUM(self_score), SUM(appraised_score), COUNT(*) FROM plain_scores
///   WHERE year = ? GROUP BY unit` (median of `runs`), and the same grouped by unit and year.
public enum ReportBenchmark {
    public struct Options: Sendable {
        public var units = 1_000
        public var criteria = 100
        public var years = 5
        public var firstYear = 2021
        /// Records per write transaction while building.
        public var batch = 20_000
        /// Timed runs of the one-year figures (the median is reported).
        public var runs = 3
        /// An existing folder for the two database files.
        public var directory: String

        public init(directory: String) { self.directory = directory }
    }

    public struct Figures: Codable, Sendable, Equatable {
        public var reportSeconds: Double
        public var plainSQLSeconds: Double
        public var reportAllYearsSeconds: Double
        public var plainSQLAllYearsSeconds: Double
        public var scoreRows: Int
        public var buildSeconds: Double

        enum CodingKeys: String, CodingKey {
            case reportSeconds = "report_seconds", plainSQLSeconds = "plain_sql_seconds"
            case reportAllYearsSeconds = "report_all_years_seconds", plainSQLAllYearsSeconds = "plain_sql_all_years_seconds"
            case scoreRows = "score_rows", buildSeconds = "build_seconds"
        }

        /// One line of JSON, `report_seconds` and `plain_sql_seconds` first.
        public var jsonLine: String {
            func number(_ value: Double) -> String { value.isFinite ? String(format: "%.4f", value) : "null" }
            return "{\"report_seconds\": \(number(reportSeconds)), \"plain_sql_seconds\": \(number(plainSQLSeconds)), "
                + "\"report_all_years_seconds\": \(number(reportAllYearsSeconds)), "
                + "\"plain_sql_all_years_seconds\": \(number(plainSQLAllYearsSeconds)), "
                + "\"score_rows\": \(scoreRows), \"build_seconds\": \(number(buildSeconds))}"
        }
    }

    public static func run(_ options: Options, report: (String) -> Void, progress: (String) -> Void) throws -> Figures {
        precondition(options.units > 0 && options.criteria > 0 && options.years > 0 && options.batch > 0 && options.runs > 0)
        let replicaPath = (options.directory as NSString).appendingPathComponent("report-bench-replica.sqlite")
        let plainPath = (options.directory as NSString).appendingPathComponent("report-bench-plain.sqlite")
        let replica = try Replica.create(path: replicaPath, unit: "SNV", role: .hub)
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        let plain = try DatabasePool(path: plainPath, configuration: configuration)
        try plain.write { db in
            try db.execute(sql: """
                CREATE TABLE plain_scores (id TEXT PRIMARY KEY, unit TEXT, year INTEGER, criterion TEXT,
                                           self_score REAL, evidence TEXT, appraised_score REAL)
                """)
        }

        let build = try measure {
            try buildData(options, replica: replica, plain: plain, progress: progress)
        }
        let scoreRows = build.result
        let lastYear = options.firstYear + options.years - 1
        let asOf = "\(lastYear + 1)-06-30"
        progress("timing the report …")
        // One untimed run warms SQLite's page cache for both sides alike.
        _ = try ProvinceReport.compute(reader: replica.writer, year: lastYear, asOf: asOf)
        let plainSQL = "SELECT unit, SUM(self_score), SUM(appraised_score), COUNT(*) FROM plain_scores WHERE year = ? GROUP BY unit"
        _ = try plain.read { db in try Row.fetchAll(db, sql: plainSQL, arguments: [lastYear]) }

        var reportTimes: [Double] = [], plainTimes: [Double] = []
        var lastReport: ProvinceReport?
        for _ in 0..<options.runs {
            let timed = try measure { try ProvinceReport.compute(reader: replica.writer, year: lastYear, asOf: asOf) }
            reportTimes.append(timed.seconds)
            lastReport = timed.result
            plainTimes.append(try measure { try plain.read { db in try Row.fetchAll(db, sql: plainSQL, arguments: [lastYear]) } }.seconds)
        }
        let allYears = try measure {
            try ProvinceReport.compute(reader: replica.writer, years: Array(options.firstYear...lastYear), asOf: asOf)
        }
        let plainAllYears = try measure {
            try plain.read { db in
                try Row.fetchAll(db, sql: "SELECT unit, year, SUM(self_score), SUM(appraised_score), COUNT(*) FROM plain_scores GROUP BY unit, year")
            }
        }

        let figures = Figures(reportSeconds: median(reportTimes), plainSQLSeconds: median(plainTimes),
                              reportAllYearsSeconds: allYears.seconds, plainSQLAllYearsSeconds: plainAllYears.seconds,
                              scoreRows: scoreRows, buildSeconds: build.seconds)
        let ranked = lastReport?.groups.reduce(0) { $0 + $1.rankedOf } ?? 0
        report("score rows: \(scoreRows) (\(options.units) units × \(options.criteria) criteria × \(options.years) years), "
               + "built with local puts in \(format(build.seconds)) s")
        report("full report, one year (\(lastYear)):   \(format(figures.reportSeconds)) s   (median of \(options.runs); target < 1 s; \(ranked) units ranked)")
        report("full report, all \(options.years) years:        \(format(figures.reportAllYearsSeconds)) s   (one snapshot, one pass over the scores)")
        report("plain SQL aggregate, one year:   \(format(figures.plainSQLSeconds)) s   (SUM … WHERE year = ? GROUP BY unit, plain table, same rows)")
        report("plain SQL aggregate, all years:  \(format(figures.plainSQLAllYearsSeconds)) s   (GROUP BY unit, year)")
        if figures.plainSQLSeconds > 0 {
            report("report ÷ plain SQL (one year):   \(String(format: "%.1f", figures.reportSeconds / figures.plainSQLSeconds))×")
        }
        return figures
    }

    // MARK: Data

    static func buildData(_ options: Options, replica: Replica, plain: DatabasePool, progress: (String) -> Void) throws -> Int {
        let schema = replica.schema
        func records(_ table: String, _ objects: [[String: JSONValue]]) throws -> [ValidatedRecord] {
            let validator = RecordValidator(table: schema.table(table)!)
            return try objects.map { try validator.validate(json: $0) }
        }
        let lastYear = options.firstYear + options.years - 1
        let unitCodes = (1...options.units).map { String(format: "U%05d", $0) }
        func group(_ i: Int) -> String { i % 5 == 0 ? "department" : "district" }

        // Reference data.
        var units: [[String: JSONValue]] = [["id": .string("PROVINCE"), "name": .string("Tỉnh thử nghiệm"), "group": .string("province")]]
        for (i, code) in unitCodes.enumerated() {
            units.append(["id": .string(code), "name": .string("Đơn vị thử nghiệm số \(i + 1)"), "group": .string(group(i)),
                          "sort": .integer(Int64(i))])
        }
        try replica.put("units", records: try records("units", units))
        try replica.put("methodologies", json: ["id": .string("BENCH"), "name": .string("Bộ tiêu chí thử nghiệm"),
                                                "first_year": .integer(Int64(options.firstYear)), "last_year": .integer(Int64(lastYear)),
                                                "max_points": .integer(100)])
        let leafMax = 70.0 / Double(options.criteria)
        var criteria: [[String: JSONValue]] = []
        for field in 1...8 {
            criteria.append(["id": .string("B-F\(field)"), "methodology": .string("BENCH"), "level": .string("field"),
                             "code": .string("\(field)"), "name": .string("Lĩnh vực \(field)"), "max_points": .double(0)])
        }
        let criterionIDs = (1...options.criteria).map { "B-\($0)" }
        for (k, id) in criterionIDs.enumerated() {
            let field = k % 8 + 1
            criteria.append(["id": .string(id), "methodology": .string("BENCH"), "parent": .string("B-F\(field)"),
                             "level": .string("criterion"), "code": .string("\(field).\(k / 8 + 1)"), "name": .string("Tiêu chí \(k + 1)"),
                             "max_points": .double(leafMax)])
        }
        criteria.append(["id": .string("B-S1"), "methodology": .string("BENCH"), "parent": .string("B-F8"), "level": .string("criterion"),
                         "code": .string("8.S"), "name": .string("Điều tra xã hội học"), "max_points": .double(30), "survey": .bool(true)])
        try replica.put("criteria", records: try records("criteria", criteria))

        // Scores: every unit, year and criterion, except the last year of a few units (never
        // synced) and one pending appraisal for a few others.
        var scoreCount = 0
        var batch: [[String: JSONValue]] = []
        var plainBatch: [(String, String, Int, String, Double, String, Double?)] = []
        func flush() throws {
            guard !batch.isEmpty else { return }
            try replica.put("assessment_scores", records: try records("assessment_scores", batch))
            try plain.write { db in
                let statement = try db.makeStatement(sql: "INSERT INTO plain_scores VALUES (?, ?, ?, ?, ?, ?, ?)")
                for row in plainBatch {
                    try statement.execute(arguments: [row.0, row.1, row.2, row.3, row.4, row.5, row.6])
                }
            }
            scoreCount += batch.count
            progress("  \(scoreCount) score rows written")
            batch.removeAll(keepingCapacity: true)
            plainBatch.removeAll(keepingCapacity: true)
        }
        for year in options.firstYear...lastYear {
            for (i, unit) in unitCodes.enumerated() {
                if year == lastYear && i % 50 == 49 { continue }
                for (k, criterion) in criterionIDs.enumerated() {
                    let hash = (i &* 7919 &+ k &* 104_729 &+ year &* 13) % 101
                    let selfScore = (leafMax * Double(hash) / 100 * 100).rounded() / 100
                    let pending = year == lastYear && i % 50 == 48 && k == 0
                    let appraised: Double? = pending ? nil : max(0, selfScore - (hash % 7 == 0 ? 0.1 : 0))
                    let evidence = "Báo cáo số \(k + 1)/BC-\(unit) năm \(year)"
                    var object: [String: JSONValue] = ["unit": .string(unit), "year": .integer(Int64(year)), "criterion": .string(criterion),
                                                       "self_score": .double(selfScore), "evidence": .string(evidence)]
                    if let appraised { object["appraised_score"] = .double((appraised * 100).rounded() / 100) }
                    batch.append(object)
                    plainBatch.append(("\(unit)/\(year)/\(criterion)", unit, year, criterion, selfScore, evidence, appraised))
                    if batch.count >= options.batch { try flush() }
                }
            }
        }
        try flush()

        // Survey points and SIPAS, exclusions, Decision 06, tasks, initiatives.
        var surveys: [[String: JSONValue]] = [], exclusions: [[String: JSONValue]] = []
        for year in options.firstYear...lastYear {
            surveys.append(["unit": .string("PROVINCE"), "year": .integer(Int64(year)), "sipas_access": .double(85), "sipas_procedures": .double(86),
                            "sipas_civil_servants": .double(87), "sipas_results": .double(84), "sipas_feedback": .double(83)])
            for (i, unit) in unitCodes.enumerated() {
                surveys.append(["unit": .string(unit), "year": .integer(Int64(year)), "survey_points": .double(Double(18 + (i + year) % 12)),
                                "sipas_overall": .double(Double(75 + (i * 3 + year) % 20))])
                if i % 10 == 0 {
                    exclusions.append(["unit": .string(unit), "year": .integer(Int64(year)),
                                       "criterion": .string(criterionIDs[(i / 10) % criterionIDs.count]), "reason": .string("Không áp dụng")])
                }
            }
        }
        try replica.put("survey_results", records: try records("survey_results", surveys))
        try replica.put("criterion_exclusions", records: try records("criterion_exclusions", exclusions))
        var services: [[String: JSONValue]] = [], deployments: [[String: JSONValue]] = []
        for n in 1...25 {
            services.append(["id": .string("S\(n)"), "number": .integer(Int64(n)), "name": .string("Dịch vụ công thiết yếu \(n)")])
        }
        let levels = ["full", "level4", "partial", "level3", "none"]
        for (i, unit) in unitCodes.enumerated() {
            for n in 1...25 where (i + n) % 3 != 0 {
                deployments.append(["unit": .string(unit), "period": .string("\(lastYear)-Q2"), "service": .string("S\(n)"),
                                    "level": .string(n <= 11 ? "full" : levels[(i + n) % levels.count]),
                                    "dossiers_received": .integer(Int64(100 + (i * n) % 400)), "dossiers_online": .integer(Int64(50 + (i + n) % 50))])
            }
        }
        try replica.put("services", records: try records("services", services))
        try replica.put("service_deployments", records: try records("service_deployments", deployments))
        var tasks: [[String: JSONValue]] = [], taskReports: [[String: JSONValue]] = [], initiatives: [[String: JSONValue]] = []
        for t in 0..<200 {
            let unit = unitCodes[(t * 37) % unitCodes.count]
            tasks.append(["id": .string("T\(t)"), "title": .string("Nhiệm vụ \(t)"), "responsible_unit": .string(unit),
                          "deadline": .string("\(lastYear)-\(String(format: "%02d", t % 12 + 1))-28")])
            if t % 3 != 0 {
                taskReports.append(["id": .string("T\(t)/R"), "task": .string("T\(t)"), "unit": .string(unit),
                                    "reported_on": .string("\(lastYear)-05-15"), "progress_percent": .double(Double(t % 101)),
                                    "done": .bool(t % 4 == 0)])
            }
        }
        for (i, unit) in unitCodes.enumerated() where i % 4 == 0 {
            initiatives.append(["id": .string("I-\(unit)"), "unit": .string(unit), "year": .integer(Int64(lastYear)),
                                "title": .string("Sáng kiến của \(unit)")])
        }
        try replica.put("tasks", records: try records("tasks", tasks))
        try replica.put("task_reports", records: try records("task_reports", taskReports))
        try replica.put("initiatives", records: try records("initiatives", initiatives))
        return scoreCount
    }

    // MARK: Helpers

    static func measure<T>(_ body: () throws -> T) rethrows -> (result: T, seconds: Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        return (result, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func format(_ seconds: Double) -> String {
        seconds < 10 ? String(format: "%.3f", seconds) : String(format: "%.1f", seconds)
    }
}
