import CRDT
import Foundation
import ReformData
import Replica

/// A unit's self-assessment of one year as the page shows it: the criteria tree of the year's
/// method (fields → criteria → sub-criteria) with maxima, the unit's scores, notes and evidence,
/// totals by field and what is still missing before submission. Read from the local replica.
struct SelfAssessmentSheet {
    struct Row {
        var id: String
        var level: String
        var code: String
        var name: String
        var maxPoints: Double
        var depth: Int
        var isLeaf: Bool
        /// A leaf the unit scores itself (not a survey criterion, applies to the unit's group).
        var scored: Bool
        var survey: Bool
        var field: String
        var score: Record?
    }

    var year: Int
    var methodology: String?
    var methodologyName: String?
    var rows: [Row] = []
    var status: String = "draft"
    var submittedOn: String?
    var reopened = false

    var submitted: Bool { status == "submitted" && !reopened }

    static func load(_ replica: Replica, unit: String, year: Int) throws -> SelfAssessmentSheet {
        var sheet = SelfAssessmentSheet(year: year)
        let assessment = try replica.get("assessments", key: "\(unit)/\(year)")
        if case .text(let status)? = assessment?.values["status"] { sheet.status = status }
        if case .text(let day)? = assessment?.values["submitted_on"] { sheet.submittedOn = day }
        sheet.reopened = assessment?.values["reopened"] == .integer(1)

        // The method: the season's, the assessment's, else the one whose years include `year`.
        var methodology: String?
        for season in try replica.list("seasons", where: ["year": .integer(Int64(year))]) {
            if case .text(let m)? = season.values["methodology"] { methodology = m }
        }
        if methodology == nil, case .text(let m)? = assessment?.values["methodology"] { methodology = m }
        let methods = try replica.list("methodologies")
        if methodology == nil {
            methodology = methods.first { record in
                guard case .integer(let first)? = record.values["first_year"] else { return false }
                let last: Int64 = { if case .integer(let l)? = record.values["last_year"] { return l } else { return 9999 } }()
                return first <= year && Int64(year) <= last
            }?.key
        }
        guard let methodology else { return sheet }
        sheet.methodology = methodology
        if case .text(let name)? = methods.first(where: { $0.key == methodology })?.values["name"] { sheet.methodologyName = name }

        let group: String? = {
            if case .text(let g)? = (try? replica.get("units", key: unit))??.values["group"] { return g }
            return nil
        }()
        let excluded = Set(try replica.list("criterion_exclusions", where: ["unit": .text(unit), "year": .integer(Int64(year))]).compactMap { record -> String? in
            if case .text(let c)? = record.values["criterion"] { return c }
            return nil
        })
        let criteria = try replica.list("criteria", where: ["methodology": .text(methodology)])
        let scores = Dictionary(try replica.list("assessment_scores", where: ["unit": .text(unit), "year": .integer(Int64(year))]).compactMap { record -> (String, Record)? in
            if case .text(let c)? = record.values["criterion"] { return (c, record) }
            return nil
        }, uniquingKeysWith: { a, _ in a })

        var children: [String: [Record]] = [:]
        var roots: [Record] = []
        let ids = Set(criteria.map(\.key))
        for record in criteria {
            if case .text(let parent)? = record.values["parent"], ids.contains(parent) { children[parent, default: []].append(record) } else { roots.append(record) }
        }
        func sorted(_ list: [Record]) -> [Record] {
            list.sorted { a, b in
                let sa = Self.int(a.values["sort"]), sb = Self.int(b.values["sort"])
                if sa != sb { return (sa ?? .max) < (sb ?? .max) }
                return Self.text(a.values["code"]).numericallyBefore(Self.text(b.values["code"]))
            }
        }
        func walk(_ record: Record, depth: Int, field: String, applies: Bool, survey: Bool) {
            guard depth < 8 else { return }
            let appliesTo = Self.text(record.values["applies_to"])
            let applies = applies && (appliesTo.isEmpty || appliesTo == "all" || group == nil || appliesTo == group) && !excluded.contains(record.key)
            let survey = survey || record.values["survey"] == .integer(1)
            let kids = sorted(children[record.key] ?? [])
            let field = depth == 0 ? record.key : field
            sheet.rows.append(Row(id: record.key, level: Self.text(record.values["level"]), code: Self.text(record.values["code"]),
                                  name: Self.text(record.values["name"]), maxPoints: Self.real(record.values["max_points"]) ?? 0, depth: depth,
                                  isLeaf: kids.isEmpty, scored: kids.isEmpty && applies && !survey, survey: survey, field: field,
                                  score: scores[record.key]))
            for kid in kids { walk(kid, depth: depth + 1, field: field, applies: applies, survey: survey) }
        }
        for root in sorted(roots) { walk(root, depth: 0, field: root.key, applies: true, survey: false) }
        return sheet
    }

    /// Leaves the unit must still score.
    var missing: [Row] { rows.filter { $0.scored && Self.real($0.score?.values["self_score"]) == nil } }

    /// Scored leaves without any evidence (a warning, not a blocker).
    var withoutEvidence: [Row] {
        rows.filter { $0.scored && Self.real($0.score?.values["self_score"]) != nil && Self.text($0.score?.values["evidence"]).isEmpty }
    }

    /// (self total, maximum) of the scored leaves under a field, or of the whole tree.
    func total(field: String? = nil) -> (score: Double, max: Double) {
        rows.filter { $0.scored && (field == nil || $0.field == field) }.reduce((0, 0)) { sum, row in
            (sum.0 + (Self.real(row.score?.values["self_score"]) ?? 0), sum.1 + row.maxPoints)
        }
    }

    static func text(_ value: Value?) -> String { if case .text(let t)? = value { return t } else { return "" } }
    static func int(_ value: Value?) -> Int64? { if case .integer(let i)? = value { return i } else { return nil } }
    static func real(_ value: Value?) -> Double? {
        switch value {
        case .real(let r)?: r
        case .integer(let i)?: Double(i)
        default: nil
        }
    }
}
