import CRDT
import GRDB
import ReformData

extension Replica {
    /// What this replica knows of `unit`'s seasons for `years` (Protocol §17): the season of the
    /// unit's ranking group (else group `all`) with the unit's extensions, and its submissions.
    /// Read inside the caller's transaction, so the hub judges a push against the state it merges into.
    public func seasonFacts(unit: String, years: Set<Int>, _ db: Database) throws -> SeasonFacts {
        var facts = SeasonFacts(unit: unit, seasons: [:], submissions: [:])
        guard !years.isEmpty else { return facts }
        let group = try rowState("units", key: unit, db).flatMap { $0.state.exists ? $0.state.value(of: "group") : nil }
        for year in years.sorted() {
            var keys: [(table: String, key: String)] = []
            if case .text(let group)? = group { keys.append(("seasons", "\(year)/\(group)")) }
            keys += [("seasons", "\(year)/all"), ("assessments", "\(unit)/\(year)")]
            keys += [SeasonPhase.selfAssessment, .explanation].map { ("season_extensions", "\(unit)/\(year)/\($0.rawValue)") }
            let rows = try rowStates(keys, db).map { $0.flatMap { $0.state.exists ? $0.state : nil } }
            let extensions = rows.suffix(2)
            let assessment = rows[rows.count - 3]
            if let row = rows.prefix(rows.count - 3).compactMap({ $0 }).first {
                var until: [SeasonPhase: String] = [:]
                for phase in SeasonPhase.allCases {
                    if case .text(let day)? = row.value(of: phase.column) { until[phase] = day }
                }
                var extended: [SeasonPhase: String] = [:]
                for (phase, row) in zip([SeasonPhase.selfAssessment, .explanation], extensions) {
                    if case .text(let day)? = row?.value(of: "until") { extended[phase] = day }
                }
                let key = keys[rows.prefix(rows.count - 3).firstIndex { $0 != nil }!].key
                facts.seasons[year] = Season(year: year, key: key, until: until, extended: extended)
            }
            if let assessment { facts.submissions[year] = Submission(row: assessment) }
        }
        return facts
    }

    /// The years named by the keys of season-governed changes (``SeasonPolicy/governance(table:column:)``).
    public static func seasonYears(_ changes: [Change]) -> Set<Int> {
        var years: Set<Int> = []
        for change in changes where SeasonPolicy.governance(table: change.table, column: change.column) != nil {
            if let year = SeasonPolicy.year(ofKey: change.key) { years.insert(year) }
        }
        return years
    }
}

extension Replica {
    /// The replica's hybrid logical clock (`last`, Protocol §3.1): every change it holds is stamped
    /// at or below it. A node sends it in its handshake (`node_clock`, §17.4).
    public func currentClock() throws -> HLC {
        try writer.read { db in try ReplicaState.load(db).clock.last }
    }
}
