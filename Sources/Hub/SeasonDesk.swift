import CRDT
import Foundation
import ReformData
import Replica

/// A hub season write refused: which input is wrong (`field`, the CLI option or form field
/// without dashes), in English for the command line and in Vietnamese for the appraisers' app.
/// `isBadInput`: the input itself is wrong (CLI exit 2); otherwise the state forbids it (exit 1).
public struct SeasonDeskError: Error, Sendable, CustomStringConvertible {
    public var field: String?
    public var message: String
    public var vietnamese: String
    public var isBadInput: Bool

    public init(field: String?, _ message: String, vi vietnamese: String, badInput: Bool) {
        self.field = field
        self.message = message
        self.vietnamese = vietnamese
        self.isBadInput = badInput
    }

    public var description: String { message }
}

/// The hub's season writes (Protocol §17): phase dates, extensions, reopening, appraisal and
/// re-appraisal. `reformsync season set|extend|reopen|appraise|reappraise` and the appraisers'
/// web app both call these, so a page cannot write what the command line would refuse. Each is
/// one `Replica.put` (one transaction with its changes) after its checks; the text is NFC.
public enum SeasonDesk {
    // MARK: Checks shared with the command line

    public static func checkYear(_ year: Int) throws(SeasonDeskError) {
        guard (2000...2100).contains(year) else {
            throw SeasonDeskError(field: "year", "--year must be between 2000 and 2100, got \(year)", vi: "Năm phải từ 2000 đến 2100 (nhận được \(year)).", badInput: true)
        }
    }

    public static func checkScore(_ score: Double) throws(SeasonDeskError) {
        guard score.isFinite, (0...100).contains(score) else {
            throw SeasonDeskError(field: "score", "--score must be a number of points from 0 to 100, got \(score)", vi: "Điểm phải là số từ 0 đến 100.", badInput: true)
        }
    }

    public static func checkDate(_ text: String?, _ field: String) throws(SeasonDeskError) {
        if let text, SeasonDay.dayNumber(text) == nil {
            throw SeasonDeskError(field: field, "--\(field) must be a date YYYY-MM-DD, got \"\(text)\"", vi: "Ngày phải có dạng YYYY-MM-DD (nhận được \"\(text)\").", badInput: true)
        }
    }

    public static func checkText(_ text: String, _ field: String) throws(SeasonDeskError) {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw SeasonDeskError(field: field, "--\(field) is empty: say who and why", vi: "Trường này không được để trống.", badInput: true)
        }
    }

    /// The season of `unit` in `year` as the replica knows it.
    public static func season(_ replica: Replica, unit: String, year: Int) throws -> Season {
        let facts = try replica.writer.read { db in try replica.seasonFacts(unit: unit, years: [year], db) }
        guard let season = facts.seasons[year] else {
            throw SeasonDeskError(field: "year", "no season for \(year) is known here for \(unit): the hub sets it with `reformsync season set --year \(year) …`"
                                  + (replica.role == .node ? " and this node receives it at its next sync" : ""),
                                  vi: "Chưa có lịch đánh giá năm \(year) cho \(unit): quản trị đặt các mốc thời gian trước.", badInput: false)
        }
        return season
    }

    /// Refuses a hub action outside its phase: `phase` must have opened and not ended at `now`.
    public static func requirePhase(_ phase: SeasonPhase, of season: Season, now: UInt64, action: String) throws(SeasonDeskError) {
        if let opens = season.opens(phase), now < opens {
            throw SeasonDeskError(field: nil, "\(action) belongs to the \(phase.words) phase of \(season.year), which opens \(SeasonDay.dateTime(millis: opens)) Vietnam time (seasons \(season.key))",
                                  vi: "Chưa đến giai đoạn \(phase.vietnamese) của năm \(season.year): bắt đầu lúc \(SeasonDay.dateTime(millis: opens)) (giờ Việt Nam).", badInput: false)
        }
        if let closes = season.closes(phase), now >= closes {
            throw SeasonDeskError(field: nil, "\(action) belongs to the \(phase.words) phase of \(season.year), which ended \(season.lastDay(phase)!) 24:00 Vietnam time (seasons \(season.key)); change the dates with `season set` if the council extended it",
                                  vi: "Giai đoạn \(phase.vietnamese) của năm \(season.year) đã kết thúc lúc 24:00 ngày \(season.lastDay(phase)!) (giờ Việt Nam).", badInput: false)
        }
    }

    // MARK: Appraisal

    /// What an appraisal wrote: the deduction from the self-score, if any.
    public struct Appraised: Sendable, Equatable {
        public var key: String
        public var selfScore: Double?
        public var deduction: Double { selfScore.map { max(0, $0 - score) } ?? 0 }
        public var score: Double
    }

    /// Appraises one criterion in the appraisal phase: a score below the self-score needs its reason.
    @discardableResult
    public static func appraise(_ replica: Replica, unit rawUnit: String, year: Int, criterion rawCriterion: String, score: Double,
                                reason rawReason: String?, now: UInt64 = Replica.systemMillis()) throws -> Appraised {
        try checkYear(year)
        try checkScore(score)
        let unit = rawUnit.nfc, criterion = rawCriterion.nfc
        let reason = rawReason.map(\.nfc).flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        let key = "\(unit)/\(year)/\(criterion)"
        guard let stored = try replica.get("assessment_scores", key: key) else {
            throw SeasonDeskError(field: "criterion", "no self-assessment \(key) at this hub: the unit has not scored that criterion (or not synced yet)",
                                  vi: "Đơn vị chưa tự chấm tiêu chí này (hoặc chưa đồng bộ).", badInput: false)
        }
        let season = try season(replica, unit: unit, year: year)
        try requirePhase(.appraisal, of: season, now: now, action: "appraisal")
        let selfScore = number(stored.values["self_score"])
        if let selfScore, score < selfScore, reason == nil {
            throw SeasonDeskError(field: "reason", "\(key): \(score) is a deduction from the self-score \(selfScore): give its reason with --reason",
                                  vi: "Điểm thẩm định thấp hơn điểm tự chấm (\(selfScore)): cần ghi lý do trừ điểm.", badInput: true)
        }
        var fields: [String: JSONValue] = ["unit": .string(unit), "year": .integer(Int64(year)), "criterion": .string(criterion),
                                           "appraised_score": .double(score)]
        if let reason { fields["appraisal_note"] = .string(reason) }
        try replica.put("assessment_scores", json: fields)
        return Appraised(key: key, selfScore: selfScore, score: score)
    }

    /// Re-appraises one criterion in the re-appraisal phase: the final score, whether the explanation was accepted, and why.
    public static func reappraise(_ replica: Replica, unit rawUnit: String, year: Int, criterion rawCriterion: String, score: Double,
                                  accepted: Bool, reason: String, now: UInt64 = Replica.systemMillis()) throws {
        try checkYear(year)
        try checkScore(score)
        try checkText(reason, "reason")
        let unit = rawUnit.nfc, criterion = rawCriterion.nfc
        let key = "\(unit)/\(year)/\(criterion)"
        guard let stored = try replica.get("assessment_scores", key: key), stored.values["appraised_score"] != nil else {
            throw SeasonDeskError(field: "criterion", "\(key) has no appraised score at this hub: re-appraisal follows an appraisal (`season appraise`)",
                                  vi: "Tiêu chí này chưa được thẩm định: phúc tra chỉ sau thẩm định.", badInput: false)
        }
        let season = try season(replica, unit: unit, year: year)
        try requirePhase(.reappraisal, of: season, now: now, action: "re-appraisal")
        try replica.put("assessment_scores", json: [
            "unit": .string(unit), "year": .integer(Int64(year)), "criterion": .string(criterion),
            "reappraised_score": .double(score), "explanation_accepted": .bool(accepted), "reappraisal_note": .string(reason.nfc),
        ])
    }

    // MARK: Phase dates, extensions, reopening

    /// Sets a year's phase dates for a ranking group; dates not given keep their stored value.
    /// Returns the season's days in phase order.
    @discardableResult
    public static func setDates(_ replica: Replica, year: Int, group rawGroup: String = "all", methodology: String? = nil,
                                days given: [SeasonPhase: String], decision: String? = nil) throws -> [(SeasonPhase, String)] {
        try checkYear(year)
        for phase in SeasonPhase.allCases { try checkDate(given[phase], phase.option) }
        let group = rawGroup.nfc
        let key = "\(year)/\(group)"
        let stored = try replica.get("seasons", key: key)?.values ?? [:]
        var fields: [String: JSONValue] = ["year": .integer(Int64(year)), "group": .string(group)]
        var days: [(SeasonPhase, String)] = []
        for phase in SeasonPhase.allCases {
            let text = given[phase]
            if let text { fields[phase.column] = .string(text) }
            if let day = text ?? { if case .text(let d)? = stored[phase.column] { return d } else { return nil } }() { days.append((phase, day)) }
        }
        guard days.contains(where: { $0.0 == .selfAssessment }) else {
            throw SeasonDeskError(field: SeasonPhase.selfAssessment.option, "a new season needs --self-assessment-until (the first deadline)",
                                  vi: "Lịch mới cần hạn tự đánh giá (mốc đầu tiên).", badInput: true)
        }
        for (earlier, later) in zip(days, days.dropFirst()) where SeasonDay.dayNumber(later.1)! < SeasonDay.dayNumber(earlier.1)! {
            throw SeasonDeskError(field: later.0.option, "the \(later.0.words) phase (\(later.1)) cannot end before the \(earlier.0.words) phase (\(earlier.1)): phases follow each other",
                                  vi: "Giai đoạn \(later.0.vietnamese) (\(later.1)) không thể kết thúc trước giai đoạn \(earlier.0.vietnamese) (\(earlier.1)).", badInput: true)
        }
        if let methodology { fields["methodology"] = .string(methodology.nfc) }
        if let decision { fields["decision"] = .string(decision.nfc) }
        try replica.put("seasons", json: fields)
        return days
    }

    /// Extends a phase (self_assessment or explanation) for one unit: a recorded decision. Returns the former last day.
    @discardableResult
    public static func extend(_ replica: Replica, unit rawUnit: String, year: Int, phase rawPhase: String, until: String,
                              decidedBy: String, reason: String) throws -> String? {
        try checkYear(year)
        try checkDate(until, "until")
        guard let phase = SeasonPhase(rawValue: rawPhase), [.selfAssessment, .explanation].contains(phase) else {
            throw SeasonDeskError(field: "phase", "--phase must be self_assessment or explanation (the phases in which units write), got \"\(rawPhase)\"",
                                  vi: "Chỉ gia hạn được giai đoạn tự đánh giá hoặc giải trình.", badInput: true)
        }
        try checkText(decidedBy, "by")
        try checkText(reason, "reason")
        let unit = rawUnit.nfc
        guard try replica.get("units", key: unit) != nil else {
            throw SeasonDeskError(field: "unit", "no unit \(unit) at this hub (`reformsync record list units`)", vi: "Không có đơn vị \(unit).", badInput: true)
        }
        let season = try season(replica, unit: unit, year: year)
        if let day = season.until[phase], SeasonDay.dayNumber(until)! <= SeasonDay.dayNumber(day)! {
            throw SeasonDeskError(field: "until", "--until \(until) is not after the \(phase.words) deadline \(day) of \(season.key): an extension moves it later",
                                  vi: "Ngày gia hạn \(until) phải sau hạn \(day).", badInput: true)
        }
        try replica.put("season_extensions", json: [
            "unit": .string(unit), "year": .integer(Int64(year)), "phase": .string(phase.rawValue), "until": .string(until),
            "decided_by": .string(decidedBy.nfc), "reason": .string(reason.nfc),
        ])
        return season.until[phase]
    }

    /// Reopens a unit's submitted self-assessment (Protocol §17.5): a recorded decision.
    public static func reopen(_ replica: Replica, unit rawUnit: String, year: Int, decidedBy: String, reason: String) throws {
        try checkYear(year)
        try checkText(decidedBy, "by")
        try checkText(reason, "reason")
        let unit = rawUnit.nfc
        let key = "\(unit)/\(year)"
        guard let assessment = try replica.get("assessments", key: key), assessment.values["status"] == .text("submitted") else {
            throw SeasonDeskError(field: nil, "\(unit) has not submitted its self-assessment of \(year) (as far as this hub knows): nothing to reopen",
                                  vi: "\(unit) chưa nộp bản tự đánh giá năm \(year): không có gì để mở lại.", badInput: false)
        }
        let fields: [String: JSONValue] = ["unit": .string(unit), "year": .integer(Int64(year))]
        // A second reopening must stamp `reopened` anew (an unchanged value makes no change), so
        // that it is later than the second submission (Protocol §17.5).
        if assessment.values["reopened"] == .integer(1) {
            try replica.put("assessments", json: fields.merging(["reopened": .bool(false)]) { $1 })
        }
        try replica.put("assessments", json: fields.merging(["reopened": .bool(true),
                                                             "reopen_reason": .string("\(decidedBy.nfc): \(reason.nfc)")]) { $1 })
    }

    static func number(_ value: Value?) -> Double? {
        switch value { case .real(let d)?: d; case .integer(let i)?: Double(i); default: nil }
    }
}

extension SeasonPhase {
    /// The phase's name on the appraisers' pages.
    public var vietnamese: String {
        switch self {
        case .selfAssessment: "tự đánh giá"
        case .appraisal: "thẩm định"
        case .explanation: "giải trình"
        case .reappraisal: "phúc tra"
        case .final: "công bố kết quả"
        }
    }

    /// The `season set` option (and form field) of the phase's last day.
    public var option: String {
        switch self {
        case .selfAssessment: "self-assessment-until"
        case .appraisal: "appraisal-until"
        case .explanation: "explanation-until"
        case .reappraisal: "reappraisal-until"
        case .final: "final-on"
        }
    }
}
