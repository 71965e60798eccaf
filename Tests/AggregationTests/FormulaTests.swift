import Aggregation
import CRDT
import Foundation
import GRDB
import ReformData
import Replica
import Testing

@Suite("Index formula, ranks and missing data")
struct FormulaTests {
    @Test func notApplicableCriteriaShrinkTheMaximum() throws {
        let s = try SmallScenario(units: [("D1", "district"), ("D2", "district"), ("D3", "district"), ("P1", "department")])
        for unit in ["D1", "D2", "D3"] {
            try s.scoreAll(unit, group: "district", each: 1)
            try s.survey(unit, points: 4)
        }
        try s.scoreAll("P1", group: "department", each: 1)
        try s.survey("P1", points: 4)
        // D2: criterion C1 (4 points) not applicable; its score must not count either.
        try s.exclude("D2", "C1")
        // D3: the whole of C4 (its two sub-criteria, 2 points) not applicable.
        try s.exclude("D3", "C4")

        let report = try s.report()
        let d1 = try #require(report.unit("D1")), d2 = try #require(report.unit("D2")), d3 = try #require(report.unit("D3"))
        let p1 = try #require(report.unit("P1"))
        // Group-specific criteria: districts count C2, departments C3; both 14 with the survey's 5.
        #expect(d1.maxPoints == 14 && p1.maxPoints == 14)
        #expect(d1.surveyMaxPoints == 5)
        #expect(d1.appraisedTotal == 4 && d1.indexPercent == 57.14)  // (4 + 4) / 14
        #expect(d2.maxPoints == 10)
        #expect(d2.appraisedTotal == 3 && d2.selfTotal == 3 && d2.scoredCriteria == 3)
        #expect(d2.indexPercent == 70)  // (3 + 4) / 10
        #expect(d2.excludedCriteria == ["C1"])
        #expect(d3.maxPoints == 12 && d3.appraisedTotal == 2)
        #expect(d3.indexPercent == 50)  // (2 + 4) / 12
        #expect(report.methodology.id == "M" && report.methodology.leaves == 6)
    }

    @Test func excludingTheSurveyCriterionDropsSurveyPoints() throws {
        let s = try SmallScenario(units: [("D1", "district")])
        try s.scoreAll("D1", group: "district", each: 1)
        try s.exclude("D1", "S")
        let d1 = try #require(try s.report().unit("D1"))
        #expect(d1.maxPoints == 9 && d1.surveyMaxPoints == 0)
        #expect(d1.surveyPoints == nil && d1.status == .ranked)
        // C1 + C2 + C4.1 + C4.2 = 4 appraised points of 9, no survey points expected.
        #expect(d1.indexPercent == 44.44)
    }

    @Test func tiesShareARank() throws {
        let s = try SmallScenario(units: [("A", "district"), ("B", "district"), ("C", "district"), ("D", "district"), ("E", "district")])
        // Survey 4 each; appraised totals 8, 6, 6, 4 → (12, 10, 10, 8) / 14.
        for (unit, each) in [("A", 2.0), ("B", 1.5), ("C", 1.5), ("D", 1.0)] {
            try s.scoreAll(unit, group: "district", each: each)
            try s.survey(unit, points: 4)
        }
        let group = try #require(try s.report().group("district"))
        let byUnit = Dictionary(uniqueKeysWithValues: group.units.map { ($0.unit, $0) })
        #expect(group.units.map(\.unit) == ["A", "B", "C", "D", "E"])
        #expect(group.units.map(\.rank) == [1, 2, 2, 4, nil])
        #expect(byUnit["B"]!.tie && byUnit["C"]!.tie)
        #expect(!byUnit["A"]!.tie && !byUnit["D"]!.tie)
        #expect(byUnit["B"]!.indexPercent == byUnit["C"]!.indexPercent)
        #expect(group.rankedOf == 4)
        #expect(byUnit["E"]!.status == .missing)
    }

    @Test func indicesEqualOnceRoundedTie() throws {
        // 0.1 + 0.2 style noise must not break a tie: equal published indices share a rank.
        let s = try SmallScenario(units: [("A", "district"), ("B", "district")])
        try s.score("A", "C1", self: 0.1, appraised: 0.1)
        try s.score("A", "C2", self: 0.2, appraised: 0.2)
        try s.score("B", "C1", self: 0.3, appraised: 0.3)
        try s.survey("A", points: 1)
        try s.survey("B", points: 1)
        let group = try #require(try s.report().group("district"))
        #expect(group.units.map(\.rank) == [1, 1])
        #expect(group.units.allSatisfy { $0.tie })
    }

    @Test func missingAppraisalLeavesIndexNilAndUnranked() throws {
        let s = try SmallScenario(units: [("A", "district"), ("B", "district"), ("C", "district"), ("D", "district"), ("N", "district")])
        try s.scoreAll("A", group: "district", each: 2)
        try s.survey("A", points: 4)
        // B: self-assessed only.
        for leaf in ["C1", "C2", "C4.1", "C4.2"] { try s.score("B", leaf, self: 2, appraised: nil) }
        try s.survey("B", points: 4)
        // C: half appraised.
        try s.score("C", "C1", self: 3, appraised: 3)
        try s.score("C", "C2", self: 2, appraised: nil)
        try s.survey("C", points: 4)
        // D: appraised, survey points not entered yet.
        try s.scoreAll("D", group: "district", each: 1)

        let report = try s.report()
        let b = try #require(report.unit("B"))
        #expect(b.status == .notAppraised)
        #expect(b.selfTotal == 8)
        #expect(b.appraisedTotal == nil && b.indexPercent == nil && b.rank == nil)
        #expect(b.pendingAppraisals == 4)
        let c = try #require(report.unit("C"))
        #expect(c.status == .appraisalInProgress && c.appraisedTotal == nil && c.indexPercent == nil && c.rank == nil)
        #expect(c.pendingAppraisals == 1 && c.selfTotal == 5)
        let d = try #require(report.unit("D"))
        #expect(d.status == .surveyMissing && d.appraisedTotal == 4 && d.surveyPoints == nil && d.indexPercent == nil && d.rank == nil)
        let a = try #require(report.unit("A"))
        #expect(a.rank == 1 && report.group("district")?.rankedOf == 1)

        // Missing is never zero, in JSON too.
        let json = try JSONSerialization.jsonObject(with: ReportFormat.json(report)) as! [String: Any]
        let groups = json["groups"] as! [[String: Any]]
        let units = groups.first { $0["group"] as? String == "district" }!["units"] as! [[String: Any]]
        let bJSON = units.first { $0["unit"] as? String == "B" }!
        #expect(bJSON["index_percent"] is NSNull && bJSON["appraised_total"] is NSNull && bJSON["rank"] is NSNull)
    }

    @Test func unitWithNoDataIsListedAsMissing() throws {
        let s = try SmallScenario(units: [("A", "district"), ("N", "district"), ("OLD", "district")])
        try put(s.hub, "units", ["id": .string("OLD"), "valid_to": .string("2019-12-31")])
        try s.scoreAll("A", group: "district", each: 2)
        try s.survey("A", points: 4)
        // The hub holds survey points for N, but N never synced its self-assessment.
        try s.survey("N", points: 3)
        let group = try #require(try s.report().group("district"))
        let n = try #require(group.units.first { $0.unit == "N" })
        #expect(n.status == .missing)
        #expect(n.selfTotal == nil && n.appraisedTotal == nil && n.indexPercent == nil && n.rank == nil)
        #expect(n.surveyPoints == 3)
        #expect(n.maxPoints == 14)
        // A unit that no longer existed in the year is not listed when it has no data.
        #expect(!group.units.contains { $0.unit == "OLD" })
        #expect(group.units.last?.unit == "N")
        let table = ReportFormat.table(try s.report())
        #expect(table.contains("Chưa có số liệu"))
    }

    @Test func yearWithoutMethodIsAnError() throws {
        let s = try SmallScenario(units: [("A", "district")])
        #expect(throws: AggregationError.noMethodology(year: 2019, covered: ["M (2021–2022)"])) {
            try ProvinceReport.compute(replica: s.hub, year: 2019, today: day("2022-07-15"))
        }
        #expect(throws: AggregationError.yearOutOfRange(1999)) {
            try ProvinceReport.compute(replica: s.hub, year: 1999, today: day("2022-07-15"))
        }
        #expect(AggregationError.noMethodology(year: 2019, covered: []).isBadInput)
    }

    @Test func severalYearsInOnePassEqualOneByOne() throws {
        let s = try SmallScenario(units: [("A", "district"), ("B", "department"), ("C", "district")])
        // 2023 has its own method, where C2 is a criterion for everyone.
        try put(s.hub, "methodologies", ["id": .string("M2"), "name": .string("Phương pháp 2023"), "first_year": .integer(2023)])
        for (id, max, applies) in [("N1", 6.0, "all"), ("C2", 4.0, "all")] {
            try put(s.hub, "criteria", ["id": .string(id == "C2" ? "N2" : id), "methodology": .string("M2"), "level": .string("criterion"),
                                        "code": .string(id), "name": .string(id), "max_points": .double(max), "applies_to": .string(applies)])
        }
        for year in [2021, 2022, 2023] {
            for (unit, each) in [("A", 1.0), ("B", 0.5), ("C", 0.75)] {
                for criterion in ["C1", "C2", "C3", "C4.1", "C4.2", "N1", "N2", "S1"] {
                    try put(s.hub, "assessment_scores", ["unit": .string(unit), "year": .integer(Int64(year)), "criterion": .string(criterion),
                                                         "self_score": .double(each + Double(year - 2021)), "appraised_score": .double(each)])
                }
                try put(s.hub, "survey_results", ["unit": .string(unit), "year": .integer(Int64(year)), "survey_points": .double(3)])
            }
        }
        try s.exclude("C", "C4")
        let asOf = "2022-07-15"
        let together = try ProvinceReport.compute(reader: s.hub.writer, years: [2023, 2021, 2022], asOf: asOf)
        let apart = try [2023, 2021, 2022].map { try ProvinceReport.compute(reader: s.hub.writer, year: $0, asOf: asOf) }
        #expect(together == apart)
        #expect(together.map(\.year) == [2023, 2021, 2022])
        #expect(together[0].methodology.id == "M2" && together[0].unit("A")?.maxPoints == 10)
        #expect(together[0].unit("A")?.appraisedTotal == 2)   // N1 + N2 only
        #expect(together[1].unit("A")?.appraisedTotal == 4)   // C1, C2, C4.1, C4.2
        #expect(together[1].unit("B")?.appraisedTotal == 2)   // C1, C3, C4.1, C4.2
        #expect(together[1].unit("C")?.appraisedTotal == 1.5 && together[1].unit("C")?.maxPoints == 12)
    }

    @Test func deletedRowsDoNotCount() throws {
        let s = try SmallScenario(units: [("A", "district")])
        try s.scoreAll("A", group: "district", each: 2)
        try s.survey("A", points: 4)
        try s.hub.delete("assessment_scores", key: "A/2021/C1")
        let a = try #require(try s.report().unit("A"))
        #expect(a.appraisedTotal == 6 && a.scoredCriteria == 3)
    }
}

@Suite("Province roll-ups")
struct RollUpTests {
    @Test func taskStatesFromDeadlinesAndLatestReports() throws {
        let s = try SmallScenario(units: [("VP", "department"), ("STC", "department"), ("SD", "district")])
        try put(s.hub, "directives", ["id": .string("KL"), "title": .string("Kết luận"), "issued_on": .string("2022-06-18")])
        let tasks: [(String, String, String)] = [
            ("T1", "VP", "2022-06-30"), ("T2", "STC", "2022-07-10"), ("T3", "STC", "2022-12-31"), ("T4", "VP", "2022-12-31"),
            ("T5", "VP", "2022-07-01"), ("T6", "STC", "2022-12-31"), ("T7", "STC", "2022-12-31"), ("T8", "VP", "2022-06-01"),
        ]
        for (id, unit, deadline) in tasks {
            try put(s.hub, "tasks", ["id": .string(id), "directive": .string("KL"), "title": .string("Nhiệm vụ \(id)"),
                                     "responsible_unit": .string(unit), "deadline": .string(deadline)])
        }
        func report(_ id: String, _ task: String, _ unit: String, _ on: String, _ percent: Double, done: Bool) throws {
            try put(s.hub, "task_reports", ["id": .string(id), "task": .string(task), "unit": .string(unit), "reported_on": .string(on),
                                            "progress_percent": .double(percent), "done": .bool(done)])
        }
        try report("r1", "T1", "VP", "2022-06-28", 100, done: true)
        try report("r2a", "T2", "STC", "2022-06-20", 20, done: false)
        try report("r2b", "T2", "STC", "2022-07-05", 60, done: false)
        try report("r3", "T3", "STC", "2022-07-12", 30, done: false)
        try report("r6", "T6", "STC", "2022-07-20", 100, done: true)   // after the report's day: not counted
        try report("r7", "T7", "SD", "2022-07-01", 100, done: true)    // a cooperating unit's report is not decisive
        try report("r8", "T8", "VP", "2022-06-10", 100, done: true)

        let follow = try s.report(asOf: "2022-07-15").tasks
        #expect(follow.task("T1")?.state == .done && follow.task("T1")?.late == false)
        #expect(follow.task("T2")?.state == .overdue)
        #expect(follow.task("T2")?.daysOverdue == 5)
        #expect(follow.task("T2")?.progressPercent == 60 && follow.task("T2")?.latestReportOn == "2022-07-05")
        #expect(follow.task("T3")?.state == .onTrack)
        #expect(follow.task("T4")?.state == .noReport)
        #expect(follow.task("T5")?.state == .overdue && follow.task("T5")?.latestReportOn == nil)
        #expect(follow.task("T6")?.state == .noReport)
        #expect(follow.task("T7")?.state == .noReport && follow.task("T7")?.reports == 1)
        #expect(follow.task("T8")?.state == .done && follow.task("T8")?.late == true)
        #expect((follow.done, follow.onTrack, follow.overdue, follow.noReport) == (2, 1, 2, 3))
        let vp = try #require(follow.byUnit.first { $0.unit == "VP" })
        #expect((vp.done, vp.onTrack, vp.overdue, vp.noReport) == (2, 0, 1, 1))
        let stc = try #require(follow.byUnit.first { $0.unit == "STC" })
        #expect((stc.done, stc.onTrack, stc.overdue, stc.noReport) == (0, 1, 1, 2))

        // Computed, not stored: a later day turns on-track into overdue.
        let later = try s.report(asOf: "2023-01-05").tasks
        #expect(later.task("T3")?.state == .overdue && later.task("T6")?.state == .done)
        // On the deadline itself the task is not yet overdue.
        #expect(try s.report(asOf: "2022-07-10").tasks.task("T2")?.state == .onTrack)
    }

    @Test func sipasOnTheTenPointScale() throws {
        let s = try SmallScenario(units: [("TQ", "province"), ("A", "district"), ("B", "district")])
        try put(s.hub, "survey_results", ["unit": .string("A"), "year": .integer(2021), "sipas_access": .double(80), "sipas_overall": .double(82)])
        try put(s.hub, "survey_results", ["unit": .string("B"), "year": .integer(2021), "sipas_access": .double(90), "sipas_overall": .double(88.5)])
        // Without the province's own row: the mean of the units.
        var sipas = try s.report().sipas
        #expect(sipas.source == "unit_average" && sipas.unitsSurveyed == 2)
        #expect(sipas.overallPercent == 85.25 && sipas.overallOutOf10 == 8.53)
        #expect(sipas.elements.first { $0.element == "access" }?.percent == 85)
        #expect(sipas.elements.first { $0.element == "feedback" }?.percent == nil)

        // The province's row, without an overall: the mean of its five elements.
        try put(s.hub, "survey_results", ["unit": .string("TQ"), "year": .integer(2021), "sipas_access": .double(87.12),
                                          "sipas_procedures": .double(86.45), "sipas_civil_servants": .double(88.03),
                                          "sipas_results": .double(85.91), "sipas_feedback": .double(83.84), "respondents": .integer(1290)])
        sipas = try s.report().sipas
        #expect(sipas.source == "province")
        #expect(sipas.overallPercent == 86.27)
        #expect(sipas.overallOutOf10 == 8.63)
        #expect(sipas.respondents == 1290)
        #expect(sipas.elements.map(\.element) == ["access", "procedures", "civil_servants", "results", "feedback"])
        // The province is not ranked.
        #expect(try s.report().group("province") == nil)
    }

    @Test func decision06CountsServicesFullyOnlineEverywhere() throws {
        let s = try SmallScenario(units: [("A", "district"), ("B", "district"), ("P", "department")])
        for n in 1...6 {
            try put(s.hub, "services", ["id": .string("S\(n)"), "number": .integer(Int64(n)), "name": .string("Dịch vụ \(n)")])
        }
        func deploy(_ unit: String, _ service: String, _ level: String, period: String = "2022-Q2", received: Int64 = 10, online: Int64 = 5) throws {
            try put(s.hub, "service_deployments", ["unit": .string(unit), "period": .string(period), "service": .string(service),
                                                   "level": .string(level), "dossiers_received": .integer(received),
                                                   "dossiers_online": .integer(online)])
        }
        try deploy("A", "S1", "full")
        try deploy("B", "S1", "level4")          // old and new terms are the same level
        try deploy("A", "S2", "full")
        try deploy("B", "S2", "partial")         // one unit short: not province-wide
        try deploy("P", "S4", "level3")
        try deploy("P", "S5", "none", online: 0)
        try deploy("A", "S6", "partial", period: "2022-Q1")
        try deploy("A", "S6", "full", period: "2022-Q2")  // the latest period counts
        // S3: nobody reports.
        let d = try s.report().decision06
        let level = Dictionary(uniqueKeysWithValues: d.byService.map { ($0.service, $0.provinceLevel) })
        #expect(level == ["S1": "full", "S2": "partial", "S3": "no_report", "S4": "partial", "S5": "none", "S6": "full"])
        #expect((d.services, d.fullyOnline, d.partlyOnline, d.notOnline, d.noReport) == (6, 2, 2, 1, 1))
        #expect(d.latestPeriod == "2022-Q2")
        let a = try #require(d.byUnit.first { $0.unit == "A" })
        #expect((a.servicesReported, a.full, a.partial, a.none) == (3, 3, 0, 0))
        #expect(a.dossiersReceived == 30 && a.dossiersOnline == 15)
        #expect(d.byUnit.map(\.unit) == ["A", "B", "P"])
    }

    @Test func initiativesAndExternalIndices() throws {
        let s = try SmallScenario(units: [("A", "district"), ("B", "district")])
        for (id, unit, status) in [("I1", "A", "proposed"), ("I2", "A", "proposed"), ("I3", "B", "withdrawn"), ("I4", "B", "proposed")] {
            try put(s.hub, "initiatives", ["id": .string(id), "unit": .string(unit), "year": .integer(2021), "title": .string("Sáng kiến \(id)"),
                                           "status": .string(status)])
        }
        for (id, initiative, unit, by) in [("R1", "I1", "A", "Bộ Nội vụ"), ("R2", "I4", "B", "Bộ Nội vụ"), ("R3", "I4", "B", "UBND tỉnh")] {
            try put(s.hub, "initiative_recognitions", ["id": .string(id), "initiative": .string(initiative), "unit": .string(unit),
                                                       "year": .integer(2021), "recognized_by": .string(by)])
        }
        for (index, year, value, rank) in [("PAR_INDEX", 2021, 86.57, 34), ("PAR_INDEX", 2020, 85.0, 35), ("PCI", 2021, 64.76, 29),
                                           ("SIPAS", 2021, 80.0, 50), ("SIPAS", 2020, 82.0, 41)] {
            try put(s.hub, "external_indices", ["index": .string(index), "year": .integer(Int64(year)), "value": .double(value),
                                                "national_rank": .integer(Int64(rank)), "ranked_of": .integer(63)])
        }
        let report = try s.report()
        #expect(report.initiatives.proposed == 3 && report.initiatives.recognized == 2)
        #expect(report.initiatives.byRecognizer == [RecognizerCount(recognizedBy: "Bộ Nội vụ", count: 2),
                                                    RecognizerCount(recognizedBy: "UBND tỉnh", count: 1)])
        #expect(report.externalIndices.map(\.index) == ["PAR_INDEX", "SIPAS", "PCI"])
        #expect(report.externalIndex("PAR_INDEX")?.rankChange == 1)
        #expect(report.externalIndex("SIPAS")?.rankChange == -9)
        #expect(report.externalIndex("PCI")?.rankChange == nil && report.externalIndex("PCI")?.previousRank == nil)
        let table = ReportFormat.table(report)
        #expect(table.contains("tăng 1 bậc") && table.contains("giảm 9 bậc"))
    }
}
