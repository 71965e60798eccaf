import GRDB

/// Something the year's report lacks, said so the hub's operator knows what to enter or wait for.
///
/// A fresh hub has no units, no methodology and no scores: the dashboard and `/v1/report` list
/// these instead of failing (Protocol/README.md §8.4). Codes are stable; messages are for people.
public struct ReportGap: Codable, Sendable, Equatable {
    /// `no_units`, `no_methodology`, `no_criteria`, `no_self_assessments`, `no_appraisals`, `no_survey_results`.
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// What the replica lacks for `year`'s report, in the order an operator fills it in.
    public static func gaps(_ db: Database, year: Int) throws -> [ReportGap] {
        func count(_ sql: String, _ arguments: StatementArguments = []) throws -> Int {
            try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
        }
        var gaps: [ReportGap] = []
        if try count("SELECT COUNT(*) FROM units WHERE _cl % 2 = 1") == 0 {
            gaps.append(ReportGap(code: "no_units", message: "no units are registered: enter the province's departments and districts (table units, e.g. `reformsync import-csv units FILE`)"))
        }
        do {
            let method = try ProvinceReport.methodology(db, year: year)
            if try count("SELECT COUNT(*) FROM criteria WHERE _cl % 2 = 1 AND methodology = ?", [method.id]) == 0 {
                gaps.append(ReportGap(code: "no_criteria", message: "methodology \(method.id) has no criteria yet (table criteria)"))
            }
        } catch let error as AggregationError {
            gaps.append(ReportGap(code: "no_methodology", message: "\(error.description): enter the PAR INDEX methodology and its criteria (tables methodologies, criteria)"))
        }
        if try count("SELECT COUNT(*) FROM assessments WHERE _cl % 2 = 1 AND year = ?", [year]) == 0 {
            gaps.append(ReportGap(code: "no_self_assessments", message: "no unit has self-assessed \(year) yet (table assessments; units enter them and sync)"))
        } else if try count("SELECT COUNT(*) FROM assessment_scores WHERE _cl % 2 = 1 AND year = ? AND appraised_score IS NOT NULL", [year]) == 0 {
            gaps.append(ReportGap(code: "no_appraisals", message: "no self-assessment of \(year) is appraised yet (assessment_scores.appraised_score)"))
        }
        if try count("SELECT COUNT(*) FROM survey_results WHERE _cl % 2 = 1 AND year = ?", [year]) == 0 {
            gaps.append(ReportGap(code: "no_survey_results", message: "no survey results (SIPAS, survey points) for \(year) yet (table survey_results)"))
        }
        return gaps
    }
}
