import CRDT

/// The season's rules for a unit's changes (Protocol §17): phase deadlines judged on the change's
/// stamp (when it was written, so an office that scored in time and synced late is accepted), the
/// late-arrival window, the back-dating rules and the submission lock.
///
/// Pure, like ``WritePolicy``: the hub runs it on every push and import with what its replica
/// knows; a node runs it on its own writes (``check(_:facts:storedRow:arrivedAt:site:)`` without
/// arrival or site), so it refuses a write in a closed phase itself, naming the deadline.
public struct SeasonPolicy: Sendable {
    /// How long after a deadline a change written before it is still accepted (Protocol §17.2).
    public var lateAcceptanceMillis: UInt64
    /// The default window: 30 days.
    public static let defaultLateAcceptanceDays = 30

    public init(lateAcceptanceMillis: UInt64 = UInt64(SeasonPolicy.defaultLateAcceptanceDays) * 86_400_000) {
        self.lateAcceptanceMillis = lateAcceptanceMillis
    }

    /// What the season governs in a change of a unit: the phase whose deadline holds for it, and
    /// whether the submission lock holds for it.
    public struct Governance: Sendable, Equatable {
        public var phase: SeasonPhase?
        public var locked: Bool
    }

    /// The tables and fields the season governs (Protocol §17.1): a unit's self-scores
    /// (`assessment_scores` rows and owner fields) close with the self-assessment phase and lock
    /// on submission; explanations are open during the explanation phase only; the `assessments`
    /// row (the submission itself: status, date, note) is bound to no deadline — a late
    /// submission is accepted and shown as late — but locks too.
    public static func governance(table: String, column: String?) -> Governance? {
        switch (table, column) {
        case ("assessment_scores", "explanation"?), ("assessment_scores", "explanation_evidence"?):
            return Governance(phase: .explanation, locked: false)
        case ("assessment_scores", _):
            return Governance(phase: .selfAssessment, locked: true)
        case ("assessments", _):
            return Governance(phase: nil, locked: true)
        default:
            return nil
        }
    }

    /// The year a governed row's key names (`UNIT/YEAR[/CRITERION]`).
    public static func year(ofKey key: String) -> Int? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, let year = Int(parts[1]), (2000...2100).contains(year) else { return nil }
        return year
    }

    /// Judges one change of `facts.unit` that passed ``WritePolicy``; nil: accepted.
    ///
    /// - Parameters:
    ///   - storedRow: the row as the replica holds it (a change it already holds, same stamp, is
    ///     never refused: a re-sent batch, or everything pushed again after a hub restore).
    ///   - arrivedAt: the hub's time of arrival (nil at a node: its own write arrives now).
    ///   - site: what the hub knows of the stamping site (nil at a node).
    public func check(_ change: Change, facts: SeasonFacts, storedRow: RowState?, arrivedAt: UInt64? = nil,
                      site: SiteClockFacts? = nil) -> WritePolicy.Refusal? {
        guard let governance = Self.governance(table: change.table, column: change.column),
              let year = Self.year(ofKey: change.key) else { return nil }
        if let stored = storedRow, Self.holds(stored, change) { return nil }
        let written = change.hlc.millis
        if let phase = governance.phase, let season = facts.seasons[year] {
            let extended = season.extended[phase] != nil ? " (extended for \(facts.unit))" : ""
            guard let closes = season.closes(phase) else {
                return WritePolicy.Refusal("phase_closed", "the hub has not set the \(phase.words) phase of \(year) (seasons \(season.key)): it is not open")
            }
            let deadline = "the \(phase.words) deadline of \(year), \(season.lastDay(phase)!) 24:00 Vietnam time\(extended)"
            if let opens = season.opens(phase), written < opens {
                return WritePolicy.Refusal("phase_closed", "written \(SeasonDay.dateTime(millis: written)), before the \(phase.words) phase of \(year) opens (\(SeasonDay.dateTime(millis: opens)) Vietnam time)")
            }
            if written >= closes {
                return WritePolicy.Refusal("phase_closed", "written \(SeasonDay.dateTime(millis: written)) Vietnam time, after \(deadline)")
            }
            if let arrivedAt, arrivedAt >= closes, arrivedAt - closes >= lateAcceptanceMillis {
                return WritePolicy.Refusal("phase_closed", "written in time (\(SeasonDay.dateTime(millis: written))) but received \(SeasonDay.date(millis: arrivedAt)), more than \(lateAcceptanceMillis / 86_400_000) days after \(deadline): too late to be accepted")
            }
            if let site, arrivedAt.map({ $0 >= closes }) ?? true {
                if site.trustedSince >= closes {
                    return WritePolicy.Refusal("site_after_deadline", "stamped \(SeasonDay.dateTime(millis: written)), before \(deadline), by a replica (site \(change.site)) the hub first saw, or saw with its clock gone back, on \(SeasonDay.date(millis: site.trustedSince)), after the deadline; ask the hub for an extension if the scores were really entered in time")
                }
                if let clock = site.lowestClock(atOrAfter: closes), clock < change.hlc {
                    return WritePolicy.Refusal("backdated", "stamped \(SeasonDay.dateTime(millis: written)), before \(deadline), but this site's clock stood at \(SeasonDay.dateTime(millis: clock.millis)) when it synced after the deadline: written after the deadline with the clock set back")
                }
            }
        }
        if governance.locked, let submission = facts.submissions[year], let locked = submission.lockedAfter, change.stamp > locked {
            return WritePolicy.Refusal("submitted", "\(facts.unit)'s self-assessment of \(year) was submitted (\(SeasonDay.dateTime(millis: locked.hlc.millis)) Vietnam time): it is read-only unless the hub reopens it")
        }
        return nil
    }

    /// Whether the replica already holds exactly this change (same stamp).
    public static func holds(_ row: RowState, _ change: Change) -> Bool {
        if let column = change.column { return row.cells[column]?.stamp == change.stamp }
        return row.marker == change.stamp && row.causalLength >= change.causalLength
    }
}
