import Aggregation
import Foundation
import ReformsyncConfig
import Replica
import SeedScenario

extension TwoTierDemo {
    /// The printed result: the national ranking, each province's rank at its hub and its districts, the tiers' separation.
    func summary() throws -> String {
        let year = NationalScenario.year
        let report = try ProvinceReport.compute(replica: nationalReplica, year: year)
        var out = ""
        if let group = report.groups.first(where: { $0.group == "province" }) {
            out += "National PAR INDEX ranking of \(year) at the national hub (\(group.rankedOf) provinces; only Tuyên Quang's 86.57 % and 34/63 are the seed's, the rest illustrative):\n"
            let shown = group.units.filter { unit in
                guard let rank = unit.rank else { return false }
                return rank <= 3 || (32...36).contains(rank) || rank >= group.rankedOf - 1 || Self.provincial[unit.unit] != nil
            }
            var last = 0
            for unit in shown {
                if let rank = unit.rank, rank > last + 1 { out += "   …\n" }
                last = unit.rank ?? last
                let mark = Self.provincial[unit.unit] != nil ? "  ◀ provincial hub" : ""
                out += "  \(String(format: "%2d", unit.rank ?? 0)). \(unit.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(unit.indexPercent.map { String(format: "%6.2f %%", $0) } ?? "")\(mark)\n"
            }
        }
        out += "\nWhat came back down (external_indices, PAR_INDEX \(year)):\n"
        let districtsOf = Dictionary(uniqueKeysWithValues: Self.provincial.map { ($0.key, $0.value.districts.map(\.code)) })
        for province in provinces {
            let hub = try Replica.open(path: province.runner.path("hub/replica.sqlite"))
            out += "  \(province.name.padding(toLength: 17, withPad: " ", startingAt: 0)) hub: \(Self.rankText(try hub.get("external_indices", key: "PAR_INDEX/\(year)")))\n"
            for district in districtsOf[province.code] ?? [] {
                let replica = try Replica.open(path: province.runner.path("\(district)/replica.sqlite"))
                out += "    \(district.padding(toLength: 15, withPad: " ", startingAt: 0)) reads offline: \(Self.rankText(try replica.get("external_indices", key: "PAR_INDEX/\(year)")))\n"
            }
            if let configuration = try? ReformsyncConfiguration.load(path: province.config), let status = UplinkStatus.gather(configuration) {
                out += status.lines.map { "  " + $0.trimmingCharacters(in: .whitespaces) + "\n" }.joined()
            }
        }
        let nationalDump = try nationalReplica.canonicalDump()
        let districtRows = districtsOf.values.joined().reduce(0) { count, code in count + nationalDump.components(separatedBy: code).count - 1 }
        out += "\nSeparation of the tiers: district rows at the national hub: \(districtRows); "
        let tqUplink = try Replica.open(path: provinces[0].runner.path("hub/uplink/replica.sqlite"))
        out += "Hà Giang's self-assessment rows in Tuyên Quang's uplink replica: \(try tqUplink.list("assessment_scores", where: ["unit": .text("ha-giang")]).count)\n"
        out += String(format: "Times: self-assessments up to the national hub in %.1f s; the rank down to both provincial hubs %.1f s after publication\n", upSeconds, downSeconds)
        out += "Processes: national hub \(nationalURL); " + provinces.map { "\($0.name) \($0.url)" }.joined(separator: "; ") + "\n"
        out += "Replicas and logs: \(directory)\n"
        return out
    }

    static func rankText(_ record: Record?) -> String {
        guard let values = record?.values, case .integer(let rank)? = values["national_rank"] else { return "no national rank yet" }
        let of: String = if case .integer(let n)? = values["ranked_of"] { "/\(n)" } else { "" }
        let value: String = if case .real(let v)? = values["value"] { String(format: "%.2f %%, ", v) } else { "" }
        return "\(value)rank \(rank)\(of)"
    }
}
