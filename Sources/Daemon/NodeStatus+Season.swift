import Foundation
import ReformData
import Replica

/// The season line of `reformsync status` (Protocol §17): the unit's current phase and the next
/// deadline with the days left, from the seasons its replica holds — so it is known offline.
public struct SeasonStatus: Codable, Sendable, Equatable {
    public var year: Int
    /// `self_assessment`, `appraisal`, `explanation`, `reappraisal`, `final`, or `closed`.
    public var phase: String
    /// The phase's last day (Vietnam time; the unit's extension when it has one), nil when closed.
    public var deadline: String?
    public var daysLeft: Int64?
    /// Set within 3 days of a deadline the unit writes against (self-assessment, explanation).
    public var warning: String?
    /// `submitted on DATE (late)` when the unit submitted its self-assessment.
    public var submitted: String?

    enum CodingKeys: String, CodingKey {
        case year, phase, deadline, daysLeft = "days_left", warning, submitted
    }

    /// How close a deadline is before `status` warns.
    public static let warningDays: Int64 = 3

    /// The season in progress for `unit` at `now` (the earliest year with a phase still open), else
    /// the latest year's; nil when the replica holds no season.
    public static func of(_ replica: Replica, unit: String, now: UInt64) throws -> SeasonStatus? {
        let years = Set(try replica.list("seasons").compactMap { record -> Int? in
            guard case .integer(let year)? = record.values["year"] else { return nil }
            return Int(year)
        })
        guard !years.isEmpty else { return nil }
        let facts = try replica.writer.read { db in try replica.seasonFacts(unit: unit, years: years, db) }
        let seasons = facts.seasons.values.sorted { $0.year < $1.year }
        guard let season = seasons.first(where: { $0.phase(at: now) != nil }) ?? seasons.last else { return nil }
        var status = SeasonStatus(year: season.year, phase: "closed")
        if let (phase, ends) = season.phase(at: now) {
            status.phase = phase.rawValue
            status.deadline = season.lastDay(phase)
            if let ends {
                let left = SeasonDay.daysLeft(from: now, to: ends)
                status.daysLeft = left
                if left <= warningDays && (phase == .selfAssessment || phase == .explanation) {
                    status.warning = "\(left) day(s) left to \(phase == .selfAssessment ? "score and submit the self-assessment" : "explain deductions") of \(season.year): the \(phase.words) phase ends \(season.lastDay(phase)!) 24:00 Vietnam time"
                }
            }
        }
        if let stamp = facts.submissions[season.year]?.submittedStamp {
            let late = season.closes(.selfAssessment).map { stamp.hlc.millis >= $0 } ?? false
            status.submitted = "submitted \(SeasonDay.date(millis: stamp.hlc.millis))" + (late ? " (late)" : "")
        }
        return status
    }

    init(year: Int, phase: String) {
        self.year = year
        self.phase = phase
    }
}
