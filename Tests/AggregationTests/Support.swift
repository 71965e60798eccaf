import Aggregation
import CRDT
import Foundation
import GRDB
import ReformData
import Replica
import SeedScenario

func hubReplica() throws -> Replica {
    try Replica.create(writer: DatabaseQueue(), unit: "SNV", role: .hub)
}

func nodeReplica(_ unit: String) throws -> Replica {
    try Replica.create(writer: DatabaseQueue(), unit: unit, role: .node)
}

/// Midnight of a day in Vietnam.
func day(_ text: String) -> Date { ReportDate.date(text)! }

/// Writes one record given as a JSON-like dictionary.
func put(_ replica: Replica, _ table: String, _ fields: [String: JSONValue]) throws {
    try replica.put(table, json: fields)
}

/// Writes records through the validator, one transaction per table batch.
func load(_ replica: Replica, _ batches: [SeedScenario.TableRecords]) throws {
    for batch in batches { try replica.put(batch.table, records: batch.records) }
}

/// Every change `from` has after `cursor`, page by page, merged into `to`; the new cursor.
@discardableResult
func sync(from: Replica, to: Replica, cursor: ChangeCursor = .start) throws -> ChangeCursor {
    var cursor = cursor
    while true {
        let page = try from.changes(after: cursor, limit: 5_000)
        try to.apply(page.changes, siteUnits: page.siteUnits)
        cursor = page.next
        if !page.hasMore { return cursor }
    }
}

/// The seed scenario in one hub replica.
func seededHub() throws -> Replica {
    let hub = try hubReplica()
    try SeedScenario.load { try hub.put($0, records: $1) }
    return hub
}

/// A small method for formula tests: field F1 (C1 4 points for all, C2 3 points districts only,
/// C3 3 points departments only, C4 2 points with sub-criteria C4.1 and C4.2 of 1 point each) and
/// a survey criterion S1 of 5 points. Maximum 14 for either group, 5 from the survey.
struct SmallScenario {
    let hub: Replica
    let year = 2021

    init(units: [(code: String, group: String)]) throws {
        hub = try hubReplica()
        for (index, unit) in units.enumerated() {
            try put(hub, "units", ["id": .string(unit.code), "name": .string("Đơn vị \(unit.code)"), "group": .string(unit.group),
                                   "sort": .integer(Int64(index))])
        }
        try put(hub, "methodologies", ["id": .string("M"), "name": .string("Phương pháp thử"), "first_year": .integer(2021),
                                        "last_year": .integer(2022), "max_points": .integer(14)])
        let criteria: [(id: String, parent: String?, level: String, max: Double, applies: String?, survey: Bool)] = [
            ("F1", nil, "field", 9, nil, false),
            ("C1", "F1", "criterion", 4, "all", false),
            ("C2", "F1", "criterion", 3, "district", false),
            ("C3", "F1", "criterion", 3, "department", false),
            ("C4", "F1", "criterion", 2, nil, false),
            ("C4.1", "C4", "sub_criterion", 1, nil, false),
            ("C4.2", "C4", "sub_criterion", 1, nil, false),
            ("S", nil, "field", 5, nil, true),
            ("S1", "S", "criterion", 5, nil, false),
        ]
        for c in criteria {
            var fields: [String: JSONValue] = ["id": .string(c.id), "methodology": .string("M"), "level": .string(c.level), "code": .string(c.id),
                                               "name": .string("Tiêu chí \(c.id)"), "max_points": .double(c.max), "survey": .bool(c.survey)]
            if let parent = c.parent { fields["parent"] = .string(parent) }
            if let applies = c.applies { fields["applies_to"] = .string(applies) }
            try put(hub, "criteria", fields)
        }
    }

    func score(_ unit: String, _ criterion: String, self selfScore: Double?, appraised: Double?) throws {
        var fields: [String: JSONValue] = ["unit": .string(unit), "year": .integer(Int64(year)), "criterion": .string(criterion)]
        if let selfScore { fields["self_score"] = .double(selfScore) }
        if let appraised { fields["appraised_score"] = .double(appraised) }
        try put(hub, "assessment_scores", fields)
    }

    /// Self-scores and appraisals of every non-survey leaf of a district/department.
    func scoreAll(_ unit: String, group: String, each: Double, appraisedEach: Double? = nil) throws {
        let leaves = ["C1", group == "district" ? "C2" : "C3", "C4.1", "C4.2"]
        for leaf in leaves { try score(unit, leaf, self: each, appraised: appraisedEach ?? each) }
    }

    func survey(_ unit: String, points: Double) throws {
        try put(hub, "survey_results", ["unit": .string(unit), "year": .integer(Int64(year)), "survey_points": .double(points)])
    }

    func exclude(_ unit: String, _ criterion: String) throws {
        try put(hub, "criterion_exclusions", ["unit": .string(unit), "year": .integer(Int64(year)), "criterion": .string(criterion),
                                              "reason": .string("Không áp dụng")])
    }

    func report(asOf: String = "2022-07-15") throws -> ProvinceReport {
        try ProvinceReport.compute(replica: hub, year: year, today: day(asOf))
    }
}
