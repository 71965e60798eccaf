#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The seed report's figures, computed at the hub from data that travelled through sync: each
/// district entered its own data at its own daemon, the daemons synced over HTTP with the hub.
@Suite("Seed scenario end to end")
struct SeedScenarioTests {
    struct Report: Decodable {
        struct Group: Decodable {
            var group: String
            var units: [Unit]
        }
        struct Unit: Decodable {
            var unit: String
            var rank: Int?
            var index_percent: Double?
        }
        struct Index: Decodable {
            var index: String
            var value: Double
            var national_rank: Int?
            var ranked_of: Int?
            var rank_change: Int?
        }
        struct SIPAS: Decodable {
            var overall_percent: Double?
            var overall_out_of_10: Double?
        }
        struct Decision06: Decodable {
            var services: Int
            var fully_online: Int
        }
        var year: Int
        var groups: [Group]
        var external_indices: [Index]
        var sipas: SIPAS
        var decision_06: Decision06
        struct Season: Decodable {
            struct Unit: Decodable {
                var unit: String
                var submitted_on: String?
                var submitted_late: Bool?
                var deductions: Int
                var explained: Int
                var accepted: Int
                var late_arrivals: Int
            }
            var units: [Unit]
        }
        var season: Season?
    }

    @Test("reformsync demo --once --json: the seed's rankings and province figures, through sync")
    func seedFiguresThroughSync() throws {
        let result = try runReformsync(["demo", "--once", "--json"], timeout: 240)
        #expect(result.code == 0, "demo failed: \(result.stderr)")
        #expect(result.stderr.contains("9/9"), "the demo ran every step: \(result.stderr)")
        // The season (Protocol §17): NAHANG, offline at the deadline, accepted late with its late edit
        // refused into its quarantine; SONDUONG's node refusing a late edit; one deduction explained and given back.
        #expect(result.stderr.contains("SONDUONG's node refuses a late edit itself: HTTP 403 phase_closed"), "\(result.stderr)")
        #expect(result.stderr.contains("NAHANG's quarantine (`reformsync quarantine list`): assessment_scores NAHANG/2021/"), "\(result.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(report.year == 2021)
        let season = try #require(report.season)
        let nahang = try #require(season.units.first { $0.unit == "NAHANG" }), sonduong = try #require(season.units.first { $0.unit == "SONDUONG" })
        #expect(nahang.late_arrivals > 0 && nahang.submitted_late == true && nahang.submitted_on == "2022-01-18")
        #expect(sonduong.explained == 1 && sonduong.accepted == 1 && sonduong.late_arrivals == 0 && sonduong.submitted_late == false)

        let districts = try #require(report.groups.first { $0.group == "district" }).units.filter { $0.rank != nil }.sorted { $0.rank! < $1.rank! }
        #expect(districts.count == 7)
        #expect(districts.first?.unit == "TPTUYENQUANG")
        #expect(districts.first?.index_percent == 81.99)
        #expect(districts.dropFirst().first?.unit == "SONDUONG")
        #expect(districts.dropFirst().first?.index_percent == 81.42)
        #expect(districts.last?.unit == "YENSON")
        #expect(districts.last?.index_percent == 74.65)

        let departments = try #require(report.groups.first { $0.group == "department" }).units.filter { $0.rank != nil }.sorted { $0.rank! < $1.rank! }
        #expect(departments.map(\.unit).prefix(2) == ["STP", "SNV"], "Sở Tư pháp first, Sở Nội vụ second")
        #expect(departments.last?.unit == "SYT", "Sở Y tế last")

        #expect(report.decision_06.services == 25)
        #expect(report.decision_06.fully_online == 11)

        let par = try #require(report.external_indices.first { $0.index == "PAR_INDEX" })
        #expect(par.value == 86.57 && par.national_rank == 34 && par.ranked_of == 63 && par.rank_change == 1)
        let sipas = try #require(report.external_indices.first { $0.index == "SIPAS" })
        #expect(sipas.value == 86.27 && sipas.national_rank == 42 && sipas.rank_change == 7)
        #expect(report.sipas.overall_out_of_10 == 8.63)
    }
}

/// Runs the binary once in a temporary folder and collects its output.
func runReformsync(_ arguments: [String], timeout: Double) throws -> CommandResult {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-seed-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let child = try ChildProcess(arguments, outputDirectory: directory)
    if !child.waitForExit(timeout: timeout) {
        child.signal(SIGKILL)
        _ = child.waitForExit(timeout: 5)
        return CommandResult(code: -1, stdout: child.stdout, stderr: child.stderr + "\n(timed out after \(timeout) s)", signal: SIGKILL)
    }
    return CommandResult(code: child.process.terminationStatus, stdout: child.stdout, stderr: child.stderr, signal: nil)
}
