import CRDT
import Foundation
import ReformData

/// What a unit's submission or explanation is refused for (the CLI prints `message`; the office
/// app shows its own Vietnamese words for `code`).
public struct UnitActionError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable { case alreadySubmitted = "already_submitted", notScored = "not_scored", notAppraised = "not_appraised", emptyText = "empty_text" }
    public let code: Code
    public let message: String
    public var description: String { message }
}

/// The unit's season actions, shared by `reformsync season submit|explain` and the office app so
/// both go through the same checks and the same writes (and so the same policy in `put`).
extension Replica {
    /// Submits `unit`'s self-assessment of `year` (assessments.status = submitted, today's date).
    /// A reopened assessment is first set back to draft so that the new submission is stamped after
    /// the reopening. Returns the date stored and, when written after the deadline, that deadline.
    @discardableResult
    public func submitAssessment(unit: String, year: Int, now: UInt64 = Replica.systemMillis()) throws -> (submittedOn: String, lateAfter: String?) {
        let key = "\(unit)/\(year)"
        let today = SeasonDay.date(millis: now)
        let fields: [String: JSONValue] = ["unit": .string(unit), "year": .integer(Int64(year))]
        if let stored = try get("assessments", key: key), stored.values["status"] == .text("submitted") {
            guard stored.values["reopened"] == .integer(1) else {
                throw UnitActionError(code: .alreadySubmitted,
                                      message: "\(key) is already submitted (on \(stored.values["submitted_on"]?.description ?? "?")); the hub reopens it if it must change")
            }
            try put("assessments", json: fields.merging(["status": .string("draft")]) { $1 })
        }
        try put("assessments", json: fields.merging(["status": .string("submitted"), "submitted_on": .string(today)]) { $1 })
        let facts = try writer.read { db in try seasonFacts(unit: unit, years: [year], db) }
        if let season = facts.seasons[year], let closes = season.closes(.selfAssessment), now >= closes {
            return (today, season.lastDay(.selfAssessment))
        }
        return (today, nil)
    }

    /// Stores `unit`'s explanation of the deduction on `criterion` in `year` (with evidence
    /// references); the criterion must have been scored and appraised.
    public func explainDeduction(unit: String, year: Int, criterion: String, text: String, evidence: String?) throws {
        let criterion = criterion.precomposedStringWithCanonicalMapping
        let key = "\(unit)/\(year)/\(criterion)"
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw UnitActionError(code: .emptyText, message: "the explanation of \(key) is empty")
        }
        guard let score = try get("assessment_scores", key: key) else {
            throw UnitActionError(code: .notScored, message: "no assessment_scores \(key) here: a deduction is explained on a scored criterion")
        }
        guard score.values["appraised_score"] != nil else {
            throw UnitActionError(code: .notAppraised,
                                  message: "\(key) has no appraised score yet (it arrives with the hub's appraisal at a sync): nothing to explain")
        }
        var fields: [String: JSONValue] = ["unit": .string(unit), "year": .integer(Int64(year)), "criterion": .string(criterion),
                                           "explanation": .string(text.precomposedStringWithCanonicalMapping)]
        if let evidence { fields["explanation_evidence"] = .string(evidence.precomposedStringWithCanonicalMapping) }
        try put("assessment_scores", json: fields)
    }
}
