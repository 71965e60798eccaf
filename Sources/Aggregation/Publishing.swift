import CRDT
import Foundation
import ReformData
import Replica

/// What ``ProvinceReport/publish(replica:year:decision:today:)`` wrote.
public struct PublishSummary: Sendable, Equatable {
    public var year: Int
    public var publishedOn: String
    public var decision: String?
    /// Result rows written (one per ranked unit) and stale ones removed (units no longer ranked).
    public var results: Int
    public var removed: Int
    /// The report the results come from.
    public var report: ProvinceReport
}

extension ProvinceReport {
    /// Publishes the year's ranking at the hub: one `published_results` row per ranked unit and
    /// the year's `publications` row, as ordinary local writes, so they replicate to every unit
    /// (both tables are read by everyone).
    ///
    /// Publishing again replaces the year's results: rows of units no longer ranked are deleted.
    /// The results are written before the `publications` row, so a replica that holds the
    /// publication holds its results too. A nil `decision` keeps the one already recorded.
    @discardableResult
    public static func publish(replica: Replica, year: Int, decision: String? = nil, today: Date = Date()) throws -> PublishSummary {
        guard replica.role == .hub else { throw AggregationError.notHub(unit: replica.unit) }
        let report = try compute(replica: replica, year: year, today: today)
        let ranked = report.groups.flatMap { group in group.units.filter { $0.rank != nil }.map { (group, $0) } }
        guard !ranked.isEmpty else { throw AggregationError.nothingToPublish(year: year) }

        let resultsSchema = replica.schema.table("published_results")!
        let validator = RecordValidator(table: resultsSchema)
        let records = try ranked.map { group, unit in
            try validator.validate(json: [
                "year": .integer(Int64(year)), "unit": .string(unit.unit), "group": .string(group.group),
                "self_total": unit.selfTotal.map(JSONValue.double) ?? .null,
                "appraised_total": unit.appraisedTotal.map(JSONValue.double) ?? .null,
                "survey_points": unit.surveyPoints.map(JSONValue.double) ?? .null,
                "max_points": .double(unit.maxPoints),
                "index_percent": unit.indexPercent.map(JSONValue.double) ?? .null,
                "rank": unit.rank.map { .integer(Int64($0)) } ?? .null,
                "ranked_of": .integer(Int64(group.rankedOf)),
            ])
        }
        let keep = Set(records.map(\.key))
        let stale = try replica.list("published_results", where: ["year": .integer(Int64(year))]).map(\.key).filter { !keep.contains($0) }
        for key in stale { try replica.delete("published_results", key: key) }
        try replica.put("published_results", records: records)

        let publishedOn = ReportDate.string(today)
        var publication: [String: JSONValue] = ["year": .integer(Int64(year)), "published_on": .string(publishedOn)]
        if let decision { publication["decision"] = .string(decision) }
        try replica.put("publications", json: publication)
        let recorded = try replica.get("publications", key: String(year))?.values["decision"]
        let decisionText: String? = if case .text(let text)? = recorded { text } else { nil }
        return PublishSummary(year: year, publishedOn: publishedOn, decision: decisionText, results: records.count,
                              removed: stale.count, report: report)
    }
}
