import Aggregation
import CRDT
import Foundation
import GRDB
import Hub
import ReformData
import Replica
import SeedScenario
import Testing

/// The national tier's figures (Protocol/README.md §20.4, §20.6): provinces ranked at a hub with
/// two or more of them, and the province's own result copied into the provincial hub's
/// `external_indices` by ``NationalRank``.
@Suite("Two tiers: provinces ranked at the national hub, the rank copied down")
struct NationalRankingTests {
    /// The national scenario in one hub replica, both provinces self-assessed and appraised.
    func nationalHub() throws -> Replica {
        let national = try Replica.create(writer: DatabaseQueue(), unit: NationalScenario.hubUnit, role: .hub)
        try load(national, NationalScenario.referenceRecords() + NationalScenario.otherProvinces())
        for province in NationalScenario.provinces { try load(national, NationalScenario.selfAssessment(province.code)) }
        try load(national, NationalScenario.appraisals())
        return national
    }

    @Test("a hub with several provinces ranks them: Tuyên Quang 34th of 63 at 86.57 %")
    func provincesRanked() throws {
        let report = try ProvinceReport.compute(replica: try nationalHub(), year: NationalScenario.year)
        let group = try #require(report.groups.first { $0.group == "province" })
        #expect(group.rankedOf == 63)
        let tq = try #require(group.units.first { $0.unit == "tuyen-quang" })
        #expect(tq.rank == 34 && tq.indexPercent == 86.57, "\(tq)")
        #expect(group.units.first { $0.unit == "ha-giang" }?.rank == 47)
        #expect(report.province == nil, "a national hub stands for no province")
    }

    @Test("a provincial hub's one province unit (the province itself) is not ranked")
    func provinceItselfNotRanked() throws {
        let s = try SmallScenario(units: [("D1", "district"), ("TQ", "province")])
        try s.scoreAll("D1", group: "district", each: 1)
        try s.survey("D1", points: 4)
        let report = try s.report()
        #expect(!report.groups.contains { $0.group == "province" })
        #expect(report.province == "Đơn vị TQ")
    }

    @Test("the province's national result lands in external_indices once; again changes nothing")
    func rankCopiedDown() throws {
        let national = try nationalHub()
        _ = try ProvinceReport.publish(replica: national, year: NationalScenario.year, decision: "123/QĐ-BNV")
        let uplink = try nodeReplica("tuyen-quang"), provincial = try hubReplica()
        try sync(from: national, to: uplink)
        let rank = NationalRank(uplink: uplink, hub: provincial, source: "national hub https://hub.moha.gov.vn")
        #expect(try rank.copy() == [NationalScenario.year])
        let row = try #require(try provincial.get("external_indices", key: "PAR_INDEX/\(NationalScenario.year)")?.values)
        #expect(row["value"] == .real(86.57) && row["national_rank"] == .integer(34) && row["ranked_of"] == .integer(63), "\(row)")
        #expect(row["source"] == .text("national hub https://hub.moha.gov.vn, 123/QĐ-BNV"))
        let history = try provincial.history("external_indices", key: "PAR_INDEX/\(NationalScenario.year)").count
        #expect(try rank.copy().isEmpty, "nothing differs: nothing written")
        #expect(try provincial.history("external_indices", key: "PAR_INDEX/\(NationalScenario.year)").count == history)
        // Another province's result never becomes this province's index.
        #expect(try provincial.list("external_indices").count == 1)
    }
}
