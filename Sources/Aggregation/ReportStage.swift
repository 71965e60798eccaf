/// Which stage of the assessment the report's appraised totals and indices come from
/// (`reformsync report --stage`, Protocol §17.7).
public enum ReportStage: String, Codable, Sendable, CaseIterable {
    /// The units' self-scores, as if appraised unchanged (a preview before the appraisal).
    case `self`
    /// The first appraisal (thẩm định), before explanations.
    case appraised
    /// The final scores: the re-appraised score where there is one, else the appraised one.
    case final

    /// The score column (an SQL expression over `assessment_scores` aliased `s`, or unqualified).
    var scoreSQL: String {
        switch self {
        case .self: return "self_score"
        case .appraised: return "appraised_score"
        case .final: return "COALESCE(reappraised_score, appraised_score)"
        }
    }
}
