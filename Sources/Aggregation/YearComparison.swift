import GRDB
import ReformData
import Replica

/// A unit's result against the previous year: its own, or that of the units it succeeds.
///
/// Rules (Protocol/README.md §19.4, README "Reorganisation"):
/// - compared units: the unit itself and its direct predecessors in `unit_successions` (merged
///   into it, split from, renamed to it), those of them ranked the year before;
/// - `index_percent`: the compared units' index, or their unweighted mean when several are
///   ranked (a merger); `index_change` = this year's index − that;
/// - `rank` and `rank_change` (places gained: previous rank − rank): from the unit's own rank
///   the year before when it was ranked in the same group, else from its single predecessor
///   ranked in the same group; nil otherwise (a commune against a district, or several
///   predecessors: ranks of different groups or sizes do not compare).
public struct PreviousYear: Codable, Sendable, Equatable {
    public var year: Int
    /// The units whose previous figures are compared, sorted.
    public var units: [String]
    public var indexPercent: Double?
    public var indexChange: Double?
    public var rank: Int?
    public var rankChange: Int?

    enum CodingKeys: String, CodingKey {
        case year, units, indexPercent = "index_percent", indexChange = "index_change", rank, rankChange = "rank_change"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(year, forKey: .year)
        try c.encode(units, forKey: .units)
        try c.encode(indexPercent, forKey: .indexPercent)
        try c.encode(indexChange, forKey: .indexChange)
        try c.encode(rank, forKey: .rank)
        try c.encode(rankChange, forKey: .rankChange)
    }
}

/// The successions the report maps predecessors through.
struct SuccessionMap {
    let graph: SuccessionGraph

    static func load(_ db: Database) throws -> SuccessionMap {
        SuccessionMap(graph: try SuccessionGraph.load(db))
    }

    /// `groups` with each ranked unit's ``PreviousYear`` filled in from `previous` (nil: no
    /// method covered the previous year).
    func comparing(_ groups: [GroupRanking], with previous: [GroupRanking]?, previousYear: Int) -> [GroupRanking] {
        guard let previous else { return groups }
        var before: [String: UnitResult] = [:]
        for group in previous { for unit in group.units where unit.indexPercent != nil { before[unit.unit] = unit } }
        return groups.map { group in
            var group = group
            group.units = group.units.map { result in
                var result = result
                result.previous = compare(result, before: before, previousYear: previousYear)
                return result
            }
            return group
        }
    }

    func compare(_ result: UnitResult, before: [String: UnitResult], previousYear: Int) -> PreviousYear? {
        let candidates = [result.unit] + graph.predecessors(of: result.unit)
        let compared = Set(candidates).compactMap { before[$0] }.sorted { $0.unit < $1.unit }
        guard !compared.isEmpty else { return nil }
        let indices = compared.compactMap(\.indexPercent)
        let index = indices.isEmpty ? nil : round(indices.reduce(0, +) / Double(indices.count), 2)
        let sameGroup = compared.filter { $0.group == result.group }
        let rankSource = before[result.unit].flatMap { $0.group == result.group ? $0 : nil } ?? (sameGroup.count == 1 ? sameGroup[0] : nil)
        return PreviousYear(
            year: previousYear, units: compared.map(\.unit), indexPercent: index,
            indexChange: index.flatMap { old in result.indexPercent.map { round($0 - old, 2) } },
            rank: rankSource?.rank, rankChange: rankSource?.rank.flatMap { old in result.rank.map { old - $0 } })
    }
}
