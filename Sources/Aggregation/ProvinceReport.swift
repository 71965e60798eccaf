import Foundation

/// The hub's figures for one year: the PAR INDEX of every department and district with its rank,
/// SIPAS, Decision-06 deployment, task follow-up, initiatives and the province's national indices.
///
/// Computed from a replica's live rows by ``compute(replica:year:today:)``; nothing in it is
/// stored except through ``publish(replica:year:decision:today:)``. Missing data stays missing:
/// a unit without an appraisal has no appraised total, no index and no rank (nil, `null` in JSON),
/// never zero. JSON keys are snake_case, as the schema's fields.
public struct ProvinceReport: Codable, Sendable, Equatable {
    /// The year of the results.
    public var year: Int
    /// The day the report was computed for (YYYY-MM-DD, Vietnam time); task statuses hold on that day.
    public var asOf: String
    /// The name of the province (the unit of group "province"), if registered.
    public var province: String?
    public var methodology: MethodologyInfo
    /// Rankings by group: departments, then districts.
    public var groups: [GroupRanking]
    public var sipas: SIPASSummary
    public var decision06: Decision06Summary
    public var tasks: TaskFollowUp
    public var initiatives: InitiativeSummary
    /// PAR INDEX, SIPAS, PAPI, PCI of the province in the year, with national rank and change.
    public var externalIndices: [ExternalIndexFigure]
    /// The year's publication, when the hub has published it.
    public var publication: PublicationInfo?
    /// The hub's own unit (e.g. SNV), when the caller knows it: its data is entered at the hub,
    /// never synced, so the table does not call its missing data "not synced". Not in the JSON.
    public var hubUnit: String? = nil
    /// The year's assessment season per unit (Protocol §17); nil (absent from the JSON) without one.
    public var season: SeasonReport? = nil
    /// The stage the appraised totals and indices are computed from, when not the final one
    /// (`report --stage`); nil (absent from the JSON) for the final scores.
    public var stage: ReportStage? = nil

    enum CodingKeys: String, CodingKey {
        case year, asOf = "as_of", province, methodology, groups, sipas, decision06 = "decision_06", tasks, initiatives
        case externalIndices = "external_indices", publication, season, stage
    }

    /// The ranking of a group ("department" or "district").
    public func group(_ name: String) -> GroupRanking? { groups.first { $0.group == name } }

    /// The result of one unit, in whichever group.
    public func unit(_ code: String) -> UnitResult? {
        for group in groups { if let unit = group.units.first(where: { $0.unit == code }) { return unit } }
        return nil
    }

    public func externalIndex(_ index: String) -> ExternalIndexFigure? { externalIndices.first { $0.index == index } }
}

/// The PAR INDEX method that covers the year (its criteria tree is the maximum's basis).
public struct MethodologyInfo: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var decision: String?
    /// The method's declared maximum (informative; each unit's maximum comes from its criteria).
    public var maxPoints: Double?
    /// Nodes of the criteria tree, and of those the scored level (leaves).
    public var criteria: Int
    public var leaves: Int

    enum CodingKeys: String, CodingKey {
        case id, name, decision, maxPoints = "max_points", criteria, leaves
    }
}

/// One ranking group.
public struct GroupRanking: Codable, Sendable, Equatable {
    /// "department" or "district".
    public var group: String
    /// The Vietnamese heading, e.g. "Xếp hạng Chỉ số CCHC năm 2021 — Khối huyện, thành phố".
    public var title: String
    /// How many units of the group have an index (and so a rank).
    public var rankedOf: Int
    /// Ranked units by rank, then unranked ones, then units with no data.
    public var units: [UnitResult]

    enum CodingKeys: String, CodingKey {
        case group, title, rankedOf = "ranked_of", units
    }
}

/// Why a unit has, or has not, an index.
public enum UnitStatus: String, Codable, Sendable, Equatable, CaseIterable {
    /// Index computed and ranked.
    case ranked
    /// No self-assessment for the year at the hub (never synced, or not started).
    case missing
    /// Self-assessed, not yet appraised.
    case notAppraised = "not_appraised"
    /// Some self-scores still wait for their appraisal.
    case appraisalInProgress = "appraisal_in_progress"
    /// Appraised, but the survey points that its maximum counts on have not been entered.
    case surveyMissing = "survey_missing"
    /// No criterion of the method applies to the unit.
    case noCriteria = "no_criteria"
}

/// One unit's PAR INDEX for the year.
public struct UnitResult: Codable, Sendable, Equatable {
    public var unit: String
    public var name: String
    public var shortName: String?
    public var group: String
    public var status: UnitStatus
    /// Sum of self-scores over the unit's applicable criteria; nil when it scored none.
    public var selfTotal: Double?
    /// Sum of appraised scores; nil until every self-scored criterion is appraised.
    public var appraisedTotal: Double?
    /// Survey points (điều tra xã hội học); nil when not entered.
    public var surveyPoints: Double?
    /// The applicable maximum: leaf criteria applying to the group, minus the unit's exclusions.
    public var maxPoints: Double
    /// The part of ``maxPoints`` filled by survey points.
    public var surveyMaxPoints: Double
    /// (appraised + survey) ÷ maximum × 100, rounded to 2 decimals; nil when anything is missing.
    public var indexPercent: Double?
    /// Standard competition rank within the group (1, 2, 2, 4); nil when unranked.
    public var rank: Int?
    /// Another unit of the group has the same index (and rank).
    public var tie: Bool
    /// Applicable criteria the unit self-scored, and those still awaiting appraisal.
    public var scoredCriteria: Int
    public var pendingAppraisals: Int
    /// Codes of the criteria excluded for the unit this year (not applicable).
    public var excludedCriteria: [String]
    /// The unit's own SIPAS (overall %), when surveyed.
    public var sipasOverall: Double?
    /// Against the previous year, through successions (``PreviousYear``); nil when nothing compares.
    public var previous: PreviousYear? = nil

    enum CodingKeys: String, CodingKey {
        case unit, name, shortName = "short_name", group, status, selfTotal = "self_total", appraisedTotal = "appraised_total"
        case surveyPoints = "survey_points", maxPoints = "max_points", surveyMaxPoints = "survey_max_points"
        case indexPercent = "index_percent", rank, tie, scoredCriteria = "scored_criteria", pendingAppraisals = "pending_appraisals"
        case excludedCriteria = "excluded_criteria", sipasOverall = "sipas_overall", previous
    }

    /// Missing values are written as `null`, never left out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(unit, forKey: .unit)
        try c.encode(name, forKey: .name)
        try c.encode(shortName, forKey: .shortName)
        try c.encode(group, forKey: .group)
        try c.encode(status, forKey: .status)
        try c.encode(selfTotal, forKey: .selfTotal)
        try c.encode(appraisedTotal, forKey: .appraisedTotal)
        try c.encode(surveyPoints, forKey: .surveyPoints)
        try c.encode(maxPoints, forKey: .maxPoints)
        try c.encode(surveyMaxPoints, forKey: .surveyMaxPoints)
        try c.encode(indexPercent, forKey: .indexPercent)
        try c.encode(rank, forKey: .rank)
        try c.encode(tie, forKey: .tie)
        try c.encode(scoredCriteria, forKey: .scoredCriteria)
        try c.encode(pendingAppraisals, forKey: .pendingAppraisals)
        try c.encode(excludedCriteria, forKey: .excludedCriteria)
        try c.encode(sipasOverall, forKey: .sipasOverall)
        try c.encode(previous, forKey: .previous)
    }
}

/// SIPAS: % of respondents satisfied or very satisfied, by element and overall.
public struct SIPASSummary: Codable, Sendable, Equatable {
    /// "province" (the province unit's survey row), "unit_average" (mean over the surveyed units,
    /// when the province row is missing) or "none".
    public var source: String
    public var elements: [SIPASElement]
    public var overallPercent: Double?
    /// The overall figure on the 10-point scale (overall ÷ 10, 2 decimals): 86.27 % → 8.63.
    public var overallOutOf10: Double?
    public var respondents: Int?
    /// Units (other than the province) with SIPAS figures this year.
    public var unitsSurveyed: Int

    enum CodingKeys: String, CodingKey {
        case source, elements, overallPercent = "overall_percent", overallOutOf10 = "overall_out_of_10", respondents
        case unitsSurveyed = "units_surveyed"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(source, forKey: .source)
        try c.encode(elements, forKey: .elements)
        try c.encode(overallPercent, forKey: .overallPercent)
        try c.encode(overallOutOf10, forKey: .overallOutOf10)
        try c.encode(respondents, forKey: .respondents)
        try c.encode(unitsSurveyed, forKey: .unitsSurveyed)
    }
}

public struct SIPASElement: Codable, Sendable, Equatable {
    /// access, procedures, civil_servants, results, feedback.
    public var element: String
    public var name: String
    public var percent: Double?

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(element, forKey: .element)
        try c.encode(name, forKey: .name)
        try c.encode(percent, forKey: .percent)
    }

    enum CodingKeys: String, CodingKey { case element, name, percent }
}

/// Decision 06: deployment of the essential online services, per service and per unit.
///
/// Each unit's latest report (greatest period) per service counts. Levels level4/full are
/// "fully online" (toàn trình, old mức độ 4), level3/partial "partly online". The province counts
/// a service as fully online (level 4) when EVERY unit that reports it runs it fully online:
/// a citizen anywhere in the province can then use it end to end.
public struct Decision06Summary: Codable, Sendable, Equatable {
    /// Services in the `services` table (25 under Decision 06).
    public var services: Int
    public var fullyOnline: Int
    public var partlyOnline: Int
    public var notOnline: Int
    public var noReport: Int
    /// The latest reporting period seen.
    public var latestPeriod: String?
    public var byService: [ServiceDeployment]
    public var byUnit: [UnitDeployment]

    enum CodingKeys: String, CodingKey {
        case services, fullyOnline = "fully_online", partlyOnline = "partly_online", notOnline = "not_online"
        case noReport = "no_report", latestPeriod = "latest_period", byService = "by_service", byUnit = "by_unit"
    }
}

public struct ServiceDeployment: Codable, Sendable, Equatable {
    public var service: String
    public var number: Int
    public var name: String
    public var field: String?
    public var unitsReporting: Int
    public var unitsFull: Int
    public var unitsPartial: Int
    public var unitsNone: Int
    /// full, partial, none or no_report (see ``Decision06Summary``).
    public var provinceLevel: String
    public var dossiersReceived: Int
    public var dossiersOnline: Int

    enum CodingKeys: String, CodingKey {
        case service, number, name, field, unitsReporting = "units_reporting", unitsFull = "units_full"
        case unitsPartial = "units_partial", unitsNone = "units_none", provinceLevel = "province_level"
        case dossiersReceived = "dossiers_received", dossiersOnline = "dossiers_online"
    }
}

public struct UnitDeployment: Codable, Sendable, Equatable {
    public var unit: String
    public var name: String
    public var servicesReported: Int
    public var full: Int
    public var partial: Int
    public var none: Int
    public var dossiersReceived: Int
    public var dossiersOnline: Int

    enum CodingKeys: String, CodingKey {
        case unit, name, servicesReported = "services_reported", full, partial, none
        case dossiersReceived = "dossiers_received", dossiersOnline = "dossiers_online"
    }
}

/// How a task stands on the report's day, computed from its deadline and the latest progress
/// report of its responsible unit (never stored).
public enum TaskState: String, Codable, Sendable, Equatable, CaseIterable {
    /// The latest report says done (or 100 %).
    case done
    /// Not done, deadline not passed, and reported on.
    case onTrack = "on_track"
    /// Not done and the deadline has passed (with or without a report).
    case overdue
    /// Not done, deadline not passed (or none), and no report yet.
    case noReport = "no_report"
}

public struct TaskFollowUp: Codable, Sendable, Equatable {
    public var asOf: String
    public var done: Int
    public var onTrack: Int
    public var overdue: Int
    public var noReport: Int
    public var tasks: [TaskStatus]
    public var byUnit: [UnitTaskCounts]

    enum CodingKeys: String, CodingKey {
        case asOf = "as_of", done, onTrack = "on_track", overdue, noReport = "no_report", tasks, byUnit = "by_unit"
    }

    public func task(_ id: String) -> TaskStatus? { tasks.first { $0.task == id } }
}

public struct TaskStatus: Codable, Sendable, Equatable {
    public var task: String
    public var title: String
    public var directive: String?
    public var responsibleUnit: String
    public var responsibleName: String
    public var deadline: String?
    public var target: String?
    public var state: TaskState
    public var latestReportOn: String?
    public var progressPercent: Double?
    /// Done after the deadline.
    public var late: Bool
    /// Days past the deadline, for overdue tasks.
    public var daysOverdue: Int?
    /// Reports from the responsible unit and from cooperating units, up to the report's day.
    public var reports: Int

    enum CodingKeys: String, CodingKey {
        case task, title, directive, responsibleUnit = "responsible_unit", responsibleName = "responsible_name", deadline, target
        case state, latestReportOn = "latest_report_on", progressPercent = "progress_percent", late, daysOverdue = "days_overdue", reports
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(task, forKey: .task)
        try c.encode(title, forKey: .title)
        try c.encode(directive, forKey: .directive)
        try c.encode(responsibleUnit, forKey: .responsibleUnit)
        try c.encode(responsibleName, forKey: .responsibleName)
        try c.encode(deadline, forKey: .deadline)
        try c.encode(target, forKey: .target)
        try c.encode(state, forKey: .state)
        try c.encode(latestReportOn, forKey: .latestReportOn)
        try c.encode(progressPercent, forKey: .progressPercent)
        try c.encode(late, forKey: .late)
        try c.encode(daysOverdue, forKey: .daysOverdue)
        try c.encode(reports, forKey: .reports)
    }
}

public struct UnitTaskCounts: Codable, Sendable, Equatable {
    public var unit: String
    public var name: String
    public var done: Int
    public var onTrack: Int
    public var overdue: Int
    public var noReport: Int

    enum CodingKeys: String, CodingKey {
        case unit, name, done, onTrack = "on_track", overdue, noReport = "no_report"
    }
}

/// Reform initiatives of the year and their recognitions.
public struct InitiativeSummary: Codable, Sendable, Equatable {
    /// Initiatives of the year not withdrawn.
    public var proposed: Int
    /// Distinct initiatives recognised in the year.
    public var recognized: Int
    public var byRecognizer: [RecognizerCount]
    public var byUnit: [UnitInitiatives]

    enum CodingKeys: String, CodingKey {
        case proposed, recognized, byRecognizer = "by_recognizer", byUnit = "by_unit"
    }
}

public struct RecognizerCount: Codable, Sendable, Equatable {
    public var recognizedBy: String
    public var count: Int

    public init(recognizedBy: String, count: Int) {
        self.recognizedBy = recognizedBy
        self.count = count
    }

    enum CodingKeys: String, CodingKey { case recognizedBy = "recognized_by", count }
}

public struct UnitInitiatives: Codable, Sendable, Equatable {
    public var unit: String
    public var name: String
    public var proposed: Int
    public var recognized: Int
}

/// One national index of the province, with its rank and the change against the previous year.
public struct ExternalIndexFigure: Codable, Sendable, Equatable {
    /// PAR_INDEX, SIPAS, PAPI or PCI.
    public var index: String
    public var name: String
    public var year: Int
    public var value: Double
    /// "percent" or "points".
    public var scale: String?
    public var nationalRank: Int?
    public var rankedOf: Int?
    public var previousValue: Double?
    public var previousRank: Int?
    /// Places gained since the previous year (previous rank − rank): +1 is "up 1"; nil without both ranks.
    public var rankChange: Int?
    public var source: String?

    enum CodingKeys: String, CodingKey {
        case index, name, year, value, scale, nationalRank = "national_rank", rankedOf = "ranked_of"
        case previousValue = "previous_value", previousRank = "previous_rank", rankChange = "rank_change", source
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(name, forKey: .name)
        try c.encode(year, forKey: .year)
        try c.encode(value, forKey: .value)
        try c.encode(scale, forKey: .scale)
        try c.encode(nationalRank, forKey: .nationalRank)
        try c.encode(rankedOf, forKey: .rankedOf)
        try c.encode(previousValue, forKey: .previousValue)
        try c.encode(previousRank, forKey: .previousRank)
        try c.encode(rankChange, forKey: .rankChange)
        try c.encode(source, forKey: .source)
    }
}

/// A year's publication by the hub.
public struct PublicationInfo: Codable, Sendable, Equatable {
    public var publishedOn: String?
    public var decision: String?
    /// Published result rows for the year.
    public var results: Int

    public init(publishedOn: String?, decision: String?, results: Int) {
        self.publishedOn = publishedOn
        self.decision = decision
        self.results = results
    }

    enum CodingKeys: String, CodingKey { case publishedOn = "published_on", decision, results }
}

/// Why a report cannot be made or published.
public enum AggregationError: Error, Equatable, Sendable, CustomStringConvertible {
    case yearOutOfRange(Int)
    case badDate(String)
    case noMethodology(year: Int, covered: [String])
    case notHub(unit: String)
    case nothingToPublish(year: Int)

    /// Bad input from the person asking (exit code 2), rather than a state of the data.
    public var isBadInput: Bool {
        switch self {
        case .yearOutOfRange, .badDate, .noMethodology, .notHub: return true
        case .nothingToPublish: return false
        }
    }

    public var description: String {
        switch self {
        case .yearOutOfRange(let year):
            return "year \(year) is outside 2000…2100"
        case .badDate(let text):
            return "\"\(text)\" is not a date YYYY-MM-DD"
        case .noMethodology(let year, let covered):
            return "no PAR INDEX method covers \(year)" + (covered.isEmpty ? " (the replica has no methodologies yet)" : "; methods cover \(covered.joined(separator: ", "))")
        case .notHub(let unit):
            return "this is a node replica (unit \(unit)): it holds only its own data; run this at the hub (Sở Nội vụ)"
        case .nothingToPublish(let year):
            return "nothing to publish for \(year): no unit has an index yet (appraisals or survey points missing)"
        }
    }
}
