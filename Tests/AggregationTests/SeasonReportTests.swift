import Aggregation
import Foundation
import GRDB
import ReformData
import Replica
import Testing

/// The report's stages (`report --stage`) and its season section (Protocol §17.7).
@Suite("report stages and the season per unit")
struct SeasonReportTests {
    /// Two districts scoring 1 everywhere (4 leaves), survey 5: D1 appraised 0.5 on C1, explains,
    /// re-appraised back to 1; D2 appraised as scored.
    static func scenario() throws -> SmallScenario {
        let scenario = try SmallScenario(units: [("D1", "district"), ("D2", "district")])
        try scenario.scoreAll("D1", group: "district", each: 1)
        try scenario.scoreAll("D2", group: "district", each: 1)
        for unit in ["D1", "D2"] { try scenario.survey(unit, points: 5) }
        try put(scenario.hub, "assessment_scores", ["unit": .string("D1"), "year": .integer(2021), "criterion": .string("C1"),
                                                    "appraised_score": .double(0.5), "appraisal_note": .string("thiếu tài liệu"),
                                                    "explanation": .string("đã bổ sung"), "reappraised_score": .double(1),
                                                    "explanation_accepted": .bool(true)])
        try put(scenario.hub, "seasons", ["year": .integer(2021), "group": .string("all"), "self_assessment_until": .string("2022-01-15"),
                                          "appraisal_until": .string("2022-02-28"), "explanation_until": .string("2022-03-15"),
                                          "reappraisal_until": .string("2022-03-31"), "final_on": .string("2022-06-18")])
        try put(scenario.hub, "season_extensions", ["unit": .string("D2"), "year": .integer(2021), "phase": .string("self_assessment"),
                                                    "until": .string("2022-01-20"), "decided_by": .string("GĐ"), "reason": .string("mất điện")])
        try put(scenario.hub, "assessments", ["unit": .string("D1"), "year": .integer(2021), "status": .string("submitted"), "submitted_on": .string("2022-01-14")])
        try put(scenario.hub, "assessments", ["unit": .string("D2"), "year": .integer(2021), "status": .string("submitted"), "submitted_on": .string("2022-01-18")])
        return scenario
    }

    @Test("the final stage takes the re-appraised score; the appraised stage the first appraisal; self the self-scores")
    func stages() throws {
        let scenario = try Self.scenario()
        func index(_ stage: ReportStage) throws -> Double? {
            try ProvinceReport.compute(reader: scenario.hub.writer, year: 2021, asOf: "2022-07-15", stage: stage).unit("D1")?.indexPercent
        }
        // (4 + 5) / 14 = 64.29 %; with the deduction (3.5 + 5) / 14 = 60.71 %.
        #expect(try index(.final) == 64.29)
        #expect(try index(.appraised) == 60.71)
        #expect(try index(.self) == 64.29)
        #expect(try scenario.report().stage == nil, "the default is the final stage")
        let json = String(decoding: try ReportFormat.json(try ProvinceReport.compute(reader: scenario.hub.writer, year: 2021, asOf: "2022-07-15", stage: .appraised)), as: UTF8.self)
        #expect(json.contains(#""stage" : "appraised""#), "\(json.prefix(300))")
    }

    @Test("per unit: phase, submitted on time or late against its own deadline, deductions, explained, accepted")
    func seasonSection() throws {
        let report = try Self.scenario().report(asOf: "2022-03-10")
        let season = try #require(report.season)
        let d1 = try #require(season.units.first { $0.unit == "D1" }), d2 = try #require(season.units.first { $0.unit == "D2" })
        #expect(d1.phase == "explanation" && d1.submittedOn == "2022-01-14" && d1.submittedLate == false)
        #expect(d1.deductions == 1 && d1.explained == 1 && d1.accepted == 1)
        #expect(d1.finalTotal == 4 && d1.finalIndexPercent == 64.29, "the deduction given back on re-appraisal")
        #expect(d2.extended && d2.selfAssessmentUntil == "2022-01-20" && d2.submittedLate == false, "submitted within its extension")
        #expect(d2.deductions == 0 && d2.explained == 0)
        let text = ReportFormat.table(report)
        #expect(text.contains("Kỳ đánh giá năm 2021") && text.contains("14/01/2022 (đúng hạn)") && text.contains("(gia hạn)"), "\(text)")
        // A year without a season has no section.
        let plain = try SmallScenario(units: [("D1", "district")])
        #expect(try plain.report().season == nil)
    }
}
