import Aggregation
import CRDT
import Foundation
import GRDB
import ReformData
import Replica
import SeedScenario
import Testing

@Suite("The Tuyên Quang seed scenario")
struct SeedScenarioTests {
    static let asOf = day(SeedScenario.asOf)

    @Test func reproducesTheSeedFigures() throws {
        let hub = try seededHub()
        #expect(try hub.danglingReferences().isEmpty)
        let report = try ProvinceReport.compute(replica: hub, year: 2021, today: Self.asOf)

        // Districts: TP Tuyên Quang 81.99 % first, Sơn Dương 81.42 % second, Yên Sơn 74.65 % last.
        let districts = try #require(report.group("district"))
        #expect(districts.units.count == 7 && districts.rankedOf == 7)
        #expect(districts.units[0].unit == "TPTUYENQUANG" && districts.units[0].indexPercent == 81.99 && districts.units[0].rank == 1)
        #expect(districts.units[1].unit == "SONDUONG" && districts.units[1].indexPercent == 81.42 && districts.units[1].rank == 2)
        #expect(districts.units[6].unit == "YENSON" && districts.units[6].indexPercent == 74.65 && districts.units[6].rank == 7)
        for unit in districts.units[2...5] {
            let index = try #require(unit.indexPercent)
            #expect(index > 74.65 && index < 81.42, "\(unit.unit) \(index)")
        }
        #expect(districts.units.allSatisfy { $0.status == .ranked && !$0.tie })
        #expect(report.unit("LAMBINH")?.maxPoints == 97)
        #expect(report.unit("TPTUYENQUANG")?.maxPoints == 100)
        let tp = try #require(report.unit("TPTUYENQUANG"))
        #expect(abs((tp.appraisedTotal ?? 0) + (tp.surveyPoints ?? 0) - 81.99) < 1e-9)

        // Departments: Sở Tư pháp first, Sở Nội vụ second, Sở Y tế last, of 19.
        let departments = try #require(report.group("department"))
        #expect(departments.units.count == 19 && departments.rankedOf == 19)
        #expect(departments.units.first?.unit == "STP" && departments.units.first?.rank == 1)
        #expect(departments.units[1].unit == "SNV" && departments.units[1].rank == 2)
        #expect(departments.units.last?.unit == "SYT" && departments.units.last?.rank == 19)
        #expect(Set(departments.units.map(\.unit)) == Set(SeedScenario.departments))

        // Every score was appraised; the appraisal only ever lowered self-scores.
        for unit in departments.units + districts.units {
            #expect(unit.pendingAppraisals == 0)
            #expect((unit.selfTotal ?? 0) >= (unit.appraisedTotal ?? 0))
        }

        // The province's national indices.
        let par = try #require(report.externalIndex("PAR_INDEX"))
        #expect(par.value == 86.57 && par.nationalRank == 34 && par.rankedOf == 63 && par.rankChange == 1)
        let sipasIndex = try #require(report.externalIndex("SIPAS"))
        #expect(sipasIndex.value == 86.27 && sipasIndex.nationalRank == 42 && sipasIndex.rankChange == 7)
        #expect(report.externalIndex("PAPI")?.value == 43.402 && report.externalIndex("PAPI")?.nationalRank == 20)
        #expect(report.externalIndex("PCI")?.value == 64.76 && report.externalIndex("PCI")?.nationalRank == 29)

        // SIPAS of the province: 86.27 %, 8.63/10.
        #expect(report.sipas.source == "province")
        #expect(report.sipas.overallPercent == 86.27 && report.sipas.overallOutOf10 == 8.63)
        #expect(report.sipas.elements.compactMap(\.percent).count == 5)

        // Decision 06: 11 of 25 at level 4.
        #expect(report.decision06.services == 25 && report.decision06.fullyOnline == 11)
        #expect(report.decision06.byService.filter { $0.provinceLevel == "full" }.map(\.number) == [1, 2, 3, 5, 6, 7, 8, 9, 11, 14, 23])

        // Initiatives: 6 recognised by the Ministry of Home Affairs.
        #expect(report.initiatives.recognized == 6)
        #expect(report.initiatives.byRecognizer == [RecognizerCount(recognizedBy: "Bộ Nội vụ", count: 6)])

        // The chairman's tasks on 15/07/2022: one done, one overdue, one on track.
        let tasks = report.tasks
        #expect(tasks.tasks.count == 5)
        #expect(tasks.task(SeedScenario.TaskID.publishProcedures)?.state == .done)
        #expect(tasks.task(SeedScenario.TaskID.decision06)?.state == .overdue)
        #expect(tasks.task(SeedScenario.TaskID.publicFinance)?.state == .onTrack)
        #expect(tasks.task(SeedScenario.TaskID.procedures)?.state == .noReport)
        #expect(tasks.task(SeedScenario.TaskID.publicFinance)?.responsibleUnit == "STC")
        #expect(tasks.task(SeedScenario.TaskID.decision06)?.reports == 2)
        #expect(report.province == "Tỉnh Tuyên Quang")
    }

    @Test func recordsAreSplitByWhoWritesThem() throws {
        let schema = ReformSchema.v1
        let policy = WritePolicy(schema: schema, maxClockSkewMillis: 300_000)
        let now = Replica.systemMillis()
        var unitRows = 0
        for unit in SeedScenario.reportingUnits {
            let node = try nodeReplica(unit)
            var changes: [Change] = []
            for batch in SeedScenario.unitRecords(unit: unit) { changes += try node.put(batch.table, records: batch.records) }
            #expect(!changes.isEmpty, "\(unit) enters data")
            // The hub accepts every change of the unit's node: its own rows, columns units write.
            let rows = Dictionary(grouping: changes) { "\($0.table)\u{0}\($0.key)" }
            for (_, rowChanges) in rows {
                let refusals = policy.check(rowChanges, from: unit, storedOwner: nil, storedRow: nil, nowMillis: now)
                #expect(refusals.allSatisfy { $0 == nil }, "\(unit) \(rowChanges[0].table) \(rowChanges[0].key): \(refusals.compactMap { $0 })")
            }
            unitRows += rows.count
        }
        #expect(unitRows > 1000)
        // The hub's records create only rows the hub creates, or write hub columns into the units' rows.
        for batch in SeedScenario.hubRecords() {
            let table = try #require(schema.table(batch.table))
            for record in batch.records {
                if table.rowWriter == .owner {
                    #expect(record.values.keys.allSatisfy { table.column($0)?.writer == .hub }, "\(batch.table) \(record.key)")
                } else {
                    #expect(table.rowWriter == .hub)
                }
            }
        }
        // Text is NFC throughout.
        for batch in SeedScenario.allRecords() {
            for record in batch.records {
                for case .text(let text) in record.values.values { #expect(text == text.precomposedStringWithCanonicalMapping) }
            }
        }
    }

    @Test func distributedEntryGivesTheSameReport() throws {
        // The hub enters reference data; each unit's node receives it, enters its own data and
        // syncs back; the hub appraises. The hub's report equals the one-replica load.
        let hub = try hubReplica()
        try load(hub, SeedScenario.referenceRecords())
        for unit in SeedScenario.reportingUnits where unit != SeedScenario.hubUnit {
            let node = try nodeReplica(unit)
            try sync(from: hub, to: node)
            let before = try node.currentVersion()
            try load(node, SeedScenario.unitRecords(unit: unit))
            try sync(from: node, to: hub, cursor: ChangeCursor(before))
        }
        try load(hub, SeedScenario.unitRecords(unit: SeedScenario.hubUnit))
        try load(hub, SeedScenario.hubAssessmentRecords())
        let distributed = try ProvinceReport.compute(replica: hub, year: 2021, today: Self.asOf)
        let single = try ProvinceReport.compute(replica: try seededHub(), year: 2021, today: Self.asOf)
        #expect(distributed == single)
    }

    @Test func reportFormats() throws {
        let report = try ProvinceReport.compute(replica: try seededHub(), year: 2021, today: Self.asOf)

        let table = ReportFormat.table(report)
        for text in ["Xếp hạng Chỉ số CCHC năm 2021 — Khối huyện, thành phố", "Xếp hạng Chỉ số CCHC năm 2021 — Khối sở, ban, ngành",
                     "UBND thành phố Tuyên Quang", "81,99", "81,42", "74,65", "Sở Tư pháp", "Sở Y tế",
                     "86,57 %", "34/63", "tăng 1 bậc", "86,27 %", "42/63", "tăng 7 bậc", "8,63/10", "43,402 điểm",
                     "11/25 dịch vụ triển khai mức độ 4", "Quá hạn", "Hoàn thành", "Đúng tiến độ", "6 được công nhận",
                     "không áp dụng: 2.2", "15/07/2022"] {
            #expect(table.contains(text), "table lacks \(text)")
        }
        // The first district row, aligned: rank, name, then the figures.
        let line = try #require(table.split(separator: "\n").first { $0.contains("UBND thành phố Tuyên Quang") })
        #expect(line.hasPrefix("     1  UBND thành phố Tuyên Quang"))
        #expect(line.contains("81,99"))

        let json = try ReportFormat.json(report)
        #expect(try ReportFormat.decode(json: json) == report)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"index_percent\" : 81.99") && text.contains("Sơn Dương") && text.contains("\"decision_06\""))

        let csv = ReportFormat.csv(report)
        #expect(Array(csv.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let lines = String(decoding: csv.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == ReportFormat.csvColumns.joined(separator: ","))
        #expect(lines.count == 1 + 19 + 7)
        #expect(lines.contains { $0.hasPrefix("2021,district,1,false,TPTUYENQUANG,UBND thành phố Tuyên Quang,ranked,") && $0.hasSuffix(",100,81.99") })
        let semicolon = ReportFormat.csvText(report, delimiter: ";")
        #expect(semicolon.contains(";100;81,99\r\n"))
    }

    @Test func publishReachesTheNodes() throws {
        let hub = try seededHub()
        let summary = try ProvinceReport.publish(replica: hub, year: 2021, decision: "715/QĐ-UBND", today: day("2022-07-20"))
        #expect(summary.results == 26 && summary.removed == 0)
        #expect(summary.decision == "715/QĐ-UBND" && summary.publishedOn == "2022-07-20")

        let node = try nodeReplica("SONDUONG")
        try sync(from: hub, to: node)
        let mine = try #require(try node.get("published_results", key: "2021/SONDUONG"))
        #expect(mine.values["index_percent"] == .real(81.42))
        #expect(mine.values["rank"] == .integer(2) && mine.values["ranked_of"] == .integer(7))
        #expect(mine.values["group"] == .text("district"))
        let first = try #require(try node.get("published_results", key: "2021/TPTUYENQUANG"))
        #expect(first.values["index_percent"] == .real(81.99) && first.values["rank"] == .integer(1))
        #expect(try node.list("published_results", where: ["year": .integer(2021)]).count == 26)
        let publication = try #require(try node.get("publications", key: "2021"))
        #expect(publication.values["decision"] == .text("715/QĐ-UBND"))
        #expect(publication.values["published_on"] == .text("2022-07-20"))

        // Publishing again after an appraisal is reopened: the unit's stale result is removed.
        try hub.put("assessment_scores", json: ["unit": .string("YENSON"), "year": .integer(2021),
                                                "criterion": .string(SeedScenario.criterionID("1.2")), "appraised_score": .null])
        let again = try ProvinceReport.publish(replica: hub, year: 2021, today: day("2022-07-21"))
        #expect(again.results == 25 && again.removed == 1 && again.decision == "715/QĐ-UBND")
        let report = try ProvinceReport.compute(replica: hub, year: 2021, today: day("2022-07-21"))
        #expect(report.publication == PublicationInfo(publishedOn: "2022-07-21", decision: "715/QĐ-UBND", results: 25))
        try sync(from: hub, to: node)
        #expect(try node.get("published_results", key: "2021/YENSON") == nil)

        // Only the hub publishes.
        #expect(throws: AggregationError.notHub(unit: "SONDUONG")) {
            try ProvinceReport.publish(replica: node, year: 2021)
        }
    }

    @Test func nothingToPublishWithoutAppraisals() throws {
        let hub = try hubReplica()
        try load(hub, SeedScenario.referenceRecords())
        #expect(throws: AggregationError.nothingToPublish(year: 2021)) {
            try ProvinceReport.publish(replica: hub, year: 2021)
        }
        let report = try ProvinceReport.compute(replica: hub, year: 2021, today: Self.asOf)
        #expect(report.groups.allSatisfy { $0.rankedOf == 0 && $0.units.allSatisfy { $0.status == .missing } })
        #expect(report.group("district")?.units.count == 7)
    }
}
