import ReformData

/// The Tuyên Quang scenario of the seed report (Tuyên Quang TV, 18/06/2022): the 2021 PAR INDEX
/// results of the province's departments and districts, SIPAS, Decision 06, the chairman's
/// conclusions and the initiatives, as records of the reform schema.
///
/// The records are split by WHO ENTERS THEM, so a demo can enter each unit's data at its own
/// node and the hub's at the hub (Sở Nội vụ), then sync:
///
/// 1. ``referenceRecords()`` at the hub: units, the method and criteria tree, Decision-06
///    services, the directive and its tasks;
/// 2. ``unitRecords(unit:)`` at each unit's node: its self-assessment with evidence, its
///    Decision-06 deployment report, its task progress reports and its initiatives;
/// 3. ``hubAssessmentRecords()`` at the hub once the units' data has arrived: appraisals
///    (written into the units' own score rows), exclusions, survey results, the province's
///    national indices and the recognition of initiatives.
///
/// ``allRecords()`` gives the three in that order, for loading everything into one replica.
///
/// Figures that come from the seed or `shared/DOMAIN.md`: the district ranking (TP Tuyên Quang
/// 81.99 % first, Sơn Dương 81.42 % second, Yên Sơn 74.65 % last), the department order (Sở Tư
/// pháp, Sở Nội vụ, …, Sở Y tế last), PAR INDEX 86.57 % (34/63, up 1), SIPAS 86.27 % (42/63,
/// up 7; 8.63/10), PAPI 43.402 (20/63), PCI 64.76 (29/63), 11 of 25 Decision-06 services at
/// level 4, 6 initiatives recognised by the Ministry of Home Affairs, and the tasks of 18/06/2022.
/// EVERYTHING ELSE IS ILLUSTRATIVE: the criteria tree and its points, the other units' scores,
/// the units' SIPAS values, deadlines, report texts, evidence documents and dossier counts.
public enum SeedScenario {
    /// Records of one table, to be written in one transaction.
    public typealias TableRecords = (table: String, records: [ValidatedRecord])

    /// The year of the results.
    public static let year = 2021
    /// The hub's unit: Sở Nội vụ.
    public static let hubUnit = "SNV"
    /// The 7 district codes, in the province's order.
    public static let districts: [String] = districtUnits.map(\.code)
    /// The 19 department codes.
    public static let departments: [String] = departmentUnits.map(\.code)
    /// Every unit that enters data at its own node (departments, the hub among them, and districts).
    public static let reportingUnits: [String] = departments + districts

    /// Reference data the hub enters first: units, method, criteria, services, directive, tasks.
    public static func referenceRecords() -> [TableRecords] {
        [
            ("units", unitRecords()),
            ("methodologies", methodologyRecords()),
            ("criteria", criterionRecords()),
            ("services", serviceRecords()),
            ("directives", directiveRecords()),
            ("tasks", taskRecords()),
            ("task_assignees", taskAssigneeRecords()),
        ]
    }

    /// What `unit` enters at its own node: only rows it owns and columns units write.
    public static func unitRecords(unit: String) -> [TableRecords] {
        let code = unit.nfc
        let tables: [TableRecords] = selfAssessmentRecords(unit: code) + [
            ("service_deployments", deploymentRecords(unit: code)),
            ("task_reports", taskReportRecords(unit: code)),
            ("initiatives", initiativeRecords(unit: code)),
        ]
        return tables.filter { !$0.records.isEmpty }
    }

    /// What the hub enters after the units' data arrived: appraisals, exclusions, surveys,
    /// national indices, recognitions.
    public static func hubAssessmentRecords() -> [TableRecords] {
        appraisalRecords() + [
            ("criterion_exclusions", exclusionRecords()),
            ("survey_results", surveyRecords()),
            ("external_indices", externalIndexRecords()),
            ("initiative_recognitions", recognitionRecords()),
        ]
    }

    /// Everything the hub enters, reference data first.
    public static func hubRecords() -> [TableRecords] {
        referenceRecords() + hubAssessmentRecords()
    }

    /// Every record, in an order that loads into one replica: reference data, each unit's
    /// records, then the hub's appraisals (which write into rows the units created).
    public static func allRecords() -> [TableRecords] {
        referenceRecords() + reportingUnits.flatMap { unitRecords(unit: $0) } + hubAssessmentRecords()
    }

    /// Writes ``allRecords()`` through `put` (e.g. `{ try replica.put($0, records: $1) }`), one call per table batch.
    public static func load(_ put: (String, [ValidatedRecord]) throws -> Void) rethrows {
        for batch in allRecords() { try put(batch.table, batch.records) }
    }
}
