import GRDB
import ReformData

/// The assessment season of a year, per unit (Protocol §17): the phase it is in, whether and when
/// it submitted (on time or late), its deductions, how many it explained and how many the
/// re-appraisal accepted, and the changes the hub accepted late. Computed from live rows;
/// the final totals are the rankings' (stage final).
public struct SeasonReport: Codable, Sendable, Equatable {
    public var year: Int
    /// Last day of each phase (`self_assessment`, `appraisal`, …) of the season of group `all`
    /// (or the first group's), Vietnam time.
    public var phases: [String: String]
    public var units: [Unit]

    public struct Unit: Codable, Sendable, Equatable {
        public var unit: String
        /// The unit's phase today (`closed` after the last).
        public var phase: String
        /// Its last day of self-assessment (with its extension).
        public var selfAssessmentUntil: String?
        public var extended: Bool
        public var submittedOn: String?
        /// Submitted after its last day of self-assessment.
        public var submittedLate: Bool?
        /// Criteria appraised below the self-score.
        public var deductions: Int
        public var explained: Int
        public var accepted: Int
        /// Season changes accepted after their deadline (written before it), at the hub.
        public var lateArrivals: Int
        /// The final total and index (re-appraised scores where there are some), as the ranking
        /// computes them; nil in a report of another stage, or without them.
        public var finalTotal: Double? = nil
        public var finalIndexPercent: Double? = nil

        enum CodingKeys: String, CodingKey {
            case unit, phase, selfAssessmentUntil = "self_assessment_until", extended, submittedOn = "submitted_on"
            case submittedLate = "submitted_late", deductions, explained, accepted, lateArrivals = "late_arrivals"
            case finalTotal = "final_total", finalIndexPercent = "final_index_percent"
        }
    }

    /// Nil when the year has no season. Phases are those of noon (Vietnam time) of the day `asOf`.
    static func compute(_ db: Database, year: Int, units: UnitDirectory, asOf: String) throws -> SeasonReport? {
        let now = (SeasonDay.endMillis(asOf) ?? 43_200_000) - 43_200_000
        guard try db.tableExists("seasons") else { return nil }
        let columns = SeasonPhase.allCases.map(\.column)
        var seasons: [String: Season] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT \"group\", \(columns.map { "\"\($0)\"" }.joined(separator: ", ")) FROM seasons WHERE _cl % 2 = 1 AND year = ?",
                                    arguments: [year]) {
            var until: [SeasonPhase: String] = [:]
            for (index, phase) in SeasonPhase.allCases.enumerated() { if let day: String = row[index + 1] { until[phase] = day } }
            let group: String = row[0]
            seasons[group] = Season(year: year, key: "\(year)/\(group)", until: until)
        }
        guard let general = seasons["all"] ?? seasons.values.sorted(by: { $0.key < $1.key }).first else { return nil }
        var extensions: [String: [SeasonPhase: String]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT unit, phase, \"until\" FROM season_extensions WHERE _cl % 2 = 1 AND year = ?", arguments: [year]) {
            if let phase = SeasonPhase(rawValue: row[1]) { extensions[row[0], default: [:]][phase] = row[2] }
        }
        var submitted: [String: String?] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT unit, submitted_on FROM assessments WHERE _cl % 2 = 1 AND year = ? AND status = 'submitted'", arguments: [year]) {
            submitted[row[0]] = .some(row[1])
        }
        var counts: [String: (deductions: Int, explained: Int, accepted: Int)] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT unit, SUM(appraised_score < self_score), COUNT(explanation), SUM(explanation_accepted = 1)
            FROM assessment_scores WHERE _cl % 2 = 1 AND year = ? GROUP BY unit
            """, arguments: [year]) {
            counts[row[0]] = (row[1] ?? 0, row[2] ?? 0, row[3] ?? 0)
        }
        var late: [String: Int] = [:]
        if try db.tableExists("_hub_late_arrivals") {
            for row in try Row.fetchAll(db, sql: "SELECT unit, COUNT(*) FROM _hub_late_arrivals WHERE year = ? GROUP BY unit", arguments: [year]) {
                late[row[0]] = row[1]
            }
        }
        let codes = Set(submitted.keys).union(counts.keys).union(extensions.keys).union(late.keys)
        let ordered = units.ordered.map(\.code).filter(codes.contains) + codes.subtracting(units.ordered.map(\.code)).sorted()
        let rows = ordered.map { code -> Unit in
            var season = units.byCode[code].flatMap { seasons[$0.group] } ?? general
            season.extended = extensions[code] ?? [:]
            let day = season.lastDay(.selfAssessment)
            let on = submitted[code] ?? nil
            let count = counts[code] ?? (0, 0, 0)
            return Unit(unit: code, phase: season.phase(at: now)?.phase.rawValue ?? "closed", selfAssessmentUntil: day,
                        extended: season.extended[.selfAssessment] != nil, submittedOn: on,
                        submittedLate: on.flatMap { on in day.map { on > $0 } }, deductions: count.deductions, explained: count.explained,
                        accepted: count.accepted, lateArrivals: late[code] ?? 0)
        }
        return SeasonReport(year: year, phases: Dictionary(uniqueKeysWithValues: general.until.map { ($0.key.rawValue, $0.value) }), units: rows)
    }
}
