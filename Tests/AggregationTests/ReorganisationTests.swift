import Aggregation
import CRDT
import Dashboard
import Foundation
import GRDB
import ReformData
import Replica
import SeedScenario
import Testing

/// Rankings across the 2025 reorganisation (Protocol/README.md §19.4), on the fixture of
/// ``ReorganisationScenario`` (illustrative codes and scores, the reform's real shape).
@Suite("Reorganisation: rankings per year and predecessors mapped to successors")
struct ReorganisationTests {
    static func hub() throws -> Replica {
        let hub = try hubReplica()
        try load(hub, ReorganisationScenario.records())
        return hub
    }

    @Test func eachYearRanksTheUnitsValidThatYear() throws {
        let hub = try Self.hub()
        let reports = try ProvinceReport.compute(reader: hub.writer, years: [2024, 2025], asOf: "2026-03-01")
        let (y2024, y2025) = (reports[0], reports[1])
        // 2024: the old departments (Hà Giang's with Tuyên Quang's) and the districts; no commune group.
        #expect(y2024.group("department")?.units.map(\.unit).prefix(3) == ["STP", "SNV", "HG-STP"])
        #expect(y2024.group("department")?.rankedOf == 12)
        #expect(y2024.group("district")?.units.map(\.unit) == ["TPTUYENQUANG", "SONDUONG", "HG-VIXUYEN", "LAMBINH", "YENSON"])
        #expect(y2024.group("commune") == nil)
        // 2025: the merged departments and the communes; the districts, ended on 30/6/2025, are no group.
        #expect(y2025.group("department")?.units.map(\.unit) == ["STP", "SNV", "STC", "SNNMT", "SDTTG"])
        #expect(y2025.group("district") == nil)
        #expect(y2025.group("commune")?.units.map(\.unit) == ["P-MINHXUAN", "XA-SONDUONG", "XA-VIXUYEN", "XA-YENSON", "XA-LAMBINH"])
        #expect(y2025.group("commune")?.units.allSatisfy { $0.status == .ranked } == true)
    }

    @Test func rankChangeAndYearOnYearFollowSuccessions() throws {
        let report = try ProvinceReport.compute(reader: try Self.hub().writer, year: 2025, asOf: "2026-03-01")
        // Continuing department with two merged in: own rank 2024 (5th) → 3rd; index against the mean of the three.
        let stc = try #require(report.unit("STC")?.previous)
        #expect(stc.units == ["HG-STC", "SKHDT", "STC"] && stc.year == 2024)
        #expect(stc.rank == 5 && stc.rankChange == 2)
        #expect(stc.indexPercent == 82.97 && stc.indexChange == 0.53)
        // A new department from two merged ones: index compared with their mean, no rank change.
        let snnmt = try #require(report.unit("SNNMT")?.previous)
        #expect(snnmt.units == ["SNNPTNT", "STNMT"] && snnmt.indexPercent == 78.8 && snnmt.indexChange == 2.4)
        #expect(snnmt.rank == nil && snnmt.rankChange == nil)
        // Renamed: the single predecessor's rank, 11th → 5th.
        let sdttg = try #require(report.unit("SDTTG")?.previous)
        #expect(sdttg.units == ["BDT"] && sdttg.rank == 11 && sdttg.rankChange == 6 && sdttg.indexChange == 1.6)
        // A commune split from a district: index compared, ranks of different groups are not.
        let commune = try #require(report.unit("XA-SONDUONG")?.previous)
        #expect(commune.units == ["SONDUONG"] && commune.indexPercent == 81.4 && commune.indexChange == -0.8)
        #expect(commune.rank == nil && commune.rankChange == nil)
        // Hà Giang's district joins through its commune.
        #expect(report.unit("XA-VIXUYEN")?.previous?.units == ["HG-VIXUYEN"])
        // The text report and the dashboard say it.
        let text = ReportFormat.table(report)
        #expect(text.contains("so với SONDUONG năm 2024: 81,40 % (−0,80)"))
        #expect(text.contains("so với BDT năm 2024: hạng 11, tăng 6 bậc, 76,20 % (+1,60)"))
        let html = DashboardPage.render(report: report, nodes: [])
        #expect(html.contains("so với SONDUONG năm 2024: 81,40 % (−0,80)") && html.contains("so với BDT năm 2024: hạng 11, tăng 6 bậc"))
        let json = try JSONSerialization.jsonObject(with: ReportFormat.json(report)) as! [String: Any]
        let communes = (json["groups"] as! [[String: Any]]).first { $0["group"] as? String == "commune" }!["units"] as! [[String: Any]]
        let previous = communes.first { $0["unit"] as? String == "XA-SONDUONG" }!["previous"] as! [String: Any]
        #expect(previous["units"] as? [String] == ["SONDUONG"] && previous["rank_change"] is NSNull)
    }

    @Test func withoutSuccessionsNothingIsComparedAcrossUnits() throws {
        let hub = try Self.hub()
        for succession in ReorganisationScenario.successions {
            try hub.delete("unit_successions", key: "\(succession.predecessor)>\(succession.successor ?? "-")")
        }
        let report = try ProvinceReport.compute(reader: hub.writer, year: 2025, asOf: "2026-03-01")
        #expect(report.unit("XA-SONDUONG")?.previous == nil)
        #expect(report.unit("SNNMT")?.previous == nil)
        // A continuing unit is still compared with itself.
        #expect(report.unit("STC")?.previous?.units == ["STC"])
        #expect(report.unit("STC")?.previous?.rankChange == 2)
    }

    @Test func aSuccessorReadsItsPredecessorsRowsAndNoOneElse() throws {
        let graph = try Self.hub().successionGraph()
        #expect(graph.predecessors(of: "STC") == ["HG-STC", "SKHDT"])
        #expect(graph.ancestors(of: "XA-SONDUONG") == ["SONDUONG"])
        #expect(graph.predecessors(of: "HG-BDT").isEmpty)  // abolished: no successor reads it
        let policy = ReadPolicy(unit: "XA-SONDUONG", assignedTasks: [], predecessors: graph.ancestors(of: "XA-SONDUONG"))
        let scores = try #require(ReformSchema.v1.table("assessment_scores"))
        #expect(policy.mayRead(scores, key: "SONDUONG/2024/R-1", owner: "SONDUONG"))
        #expect(!policy.mayRead(scores, key: "YENSON/2024/R-1", owner: "YENSON"))
    }
}
