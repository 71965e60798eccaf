import CRDT

/// The phases of a PAR INDEX year (Protocol §17.1), in order.
public enum SeasonPhase: String, Sendable, CaseIterable, Codable {
    case selfAssessment = "self_assessment"
    case appraisal
    case explanation
    case reappraisal
    case final

    /// The column of `seasons` holding the phase's last day.
    public var column: String {
        switch self {
        case .selfAssessment: return "self_assessment_until"
        case .appraisal: return "appraisal_until"
        case .explanation: return "explanation_until"
        case .reappraisal: return "reappraisal_until"
        case .final: return "final_on"
        }
    }

    /// Words for messages and the status line.
    public var words: String {
        switch self {
        case .selfAssessment: return "self-assessment"
        case .appraisal: return "appraisal"
        case .explanation: return "explanation"
        case .reappraisal: return "re-appraisal"
        case .final: return "final"
        }
    }
}

/// One year's season as it applies to one unit: the last day of each phase (its group's season,
/// else the season of group `all`), with the unit's extensions.
public struct Season: Sendable, Equatable {
    public var year: Int
    /// The `seasons` row it comes from (`YEAR/GROUP`).
    public var key: String
    /// Last day of each phase (`YYYY-MM-DD`, Vietnam time), as the hub set them.
    public var until: [SeasonPhase: String]
    /// The unit's own last day of a phase, when the hub extended it (``SeasonExtension``).
    public var extended: [SeasonPhase: String]

    public init(year: Int, key: String, until: [SeasonPhase: String], extended: [SeasonPhase: String] = [:]) {
        self.year = year
        self.key = key
        self.until = until
        self.extended = extended
    }

    /// The unit's last day of `phase`: its extension, else the season's day.
    public func lastDay(_ phase: SeasonPhase) -> String? { extended[phase] ?? until[phase] }

    /// The first millisecond after the unit's last day of `phase` (nil: the phase has no date).
    public func closes(_ phase: SeasonPhase) -> UInt64? { lastDay(phase).flatMap(SeasonDay.endMillis) }

    /// When `phase` opens for the unit: the end of the phase before it (nil: always open).
    public func opens(_ phase: SeasonPhase) -> UInt64? {
        guard let index = SeasonPhase.allCases.firstIndex(of: phase), index > 0 else { return nil }
        return SeasonPhase.allCases[..<index].reversed().lazy.compactMap { until[$0].flatMap(SeasonDay.endMillis) }.first
    }

    /// The phase the season is in at `millis` for this unit (nil: after the final day), and when it ends.
    public func phase(at millis: UInt64) -> (phase: SeasonPhase, ends: UInt64?)? {
        for phase in SeasonPhase.allCases {
            guard let closes = closes(phase) else { continue }
            if millis < closes { return (phase, closes) }
        }
        return nil
    }
}

/// What a unit's submission of one year is, as a replica holds it (`assessments`, Protocol §17.5).
public struct Submission: Sendable, Equatable {
    /// The stamp of the `status` field when it says `submitted`.
    public var submittedStamp: Stamp?
    /// Whether the hub reopened it after that submission (`reopened` true, stamped after it).
    public var reopened: Bool

    public init(submittedStamp: Stamp?, reopened: Bool) {
        self.submittedStamp = submittedStamp
        self.reopened = reopened
    }

    /// The stamp after which the unit's self-scores are read-only (nil: not locked).
    public var lockedAfter: Stamp? { reopened ? nil : submittedStamp }

    /// Reads the submission from an `assessments` row's cells.
    public init(row: RowState) {
        let status = row.cells["status"]
        let submitted = row.exists && status?.value == .text("submitted") ? status?.stamp : nil
        let reopen = row.cells["reopened"]
        let reopened = submitted != nil && reopen?.value == .integer(1) && (reopen.map { $0.stamp > submitted! } ?? false)
        self.init(submittedStamp: submitted, reopened: reopened)
    }
}

/// What a replica knows of one unit's seasons: enough for ``SeasonPolicy`` to judge its changes.
public struct SeasonFacts: Sendable {
    public var unit: String
    /// Seasons by year (already chosen for the unit's group, with its extensions).
    public var seasons: [Int: Season]
    /// Submissions by year.
    public var submissions: [Int: Submission]

    public init(unit: String, seasons: [Int: Season], submissions: [Int: Submission]) {
        self.unit = unit
        self.seasons = seasons
        self.submissions = submissions
    }
}

/// What the hub knows of the site that stamped a change (Protocol §17.4): since when it trusts the
/// site's clock, and the lowest clock the site showed in each day of contact.
public struct SiteClockFacts: Sendable, Equatable {
    /// Hub time the site was first seen, or last seen with its clock gone back (re-initialised,
    /// restored, repaired): stamps before a deadline that passed before this are not believed.
    public var trustedSince: UInt64
    /// (hub time of the day's first contact, lowest node clock that day), ascending by time.
    public var contacts: [(at: UInt64, clock: HLC)]

    public init(trustedSince: UInt64, contacts: [(at: UInt64, clock: HLC)]) {
        self.trustedSince = trustedSince
        self.contacts = contacts
    }

    /// The lowest clock the site showed at a contact at or after hub time `millis`.
    public func lowestClock(atOrAfter millis: UInt64) -> HLC? {
        contacts.lazy.filter { $0.at >= millis }.map(\.clock).min()
    }

    public static func == (lhs: SiteClockFacts, rhs: SiteClockFacts) -> Bool {
        lhs.trustedSince == rhs.trustedSince && lhs.contacts.map(\.at) == rhs.contacts.map(\.at) && lhs.contacts.map(\.clock) == rhs.contacts.map(\.clock)
    }
}
