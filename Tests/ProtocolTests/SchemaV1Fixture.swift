import ReformData

/// TEST FIXTURE: the reform schema exactly as the release before schema 2 declared it (main at
/// bc6e65f, `Sources/ReformData/ReformSchema.swift`), kept to run an older node against a newer
/// hub in one test run (Protocol/README.md §19.1). Never edit it to follow the current schema.
enum SchemaV1Fixture {
    static let version = 1

    static let schema = Schema(version: version, tables: [
        units, methodologies, criteria, criterionExclusions, assessments, assessmentScores,
        surveyResults, externalIndices, services, serviceDeployments, directives, tasks,
        taskAssignees, taskReports, initiatives, initiativeRecognitions, publications, publishedResults,
    ])

    static let units = TableSchema("units", doc: "Departments, districts and (since 1/7/2025) communes (đơn vị); units change over time, hence validity dates.",
        rowWriter: .hub, readScope: .everyone, columns: [
            ColumnSchema("name", .text, required: true, writer: .hub, doc: "Full name, e.g. UBND huyện Sơn Dương"),
            ColumnSchema("short_name", .text, writer: .hub),
            ColumnSchema("group", .text, required: true, writer: .hub, allowed: ["department", "district", "commune", "province"],
                         doc: "Ranking group: department (sở, ngành), district (huyện, thành phố; until 30/6/2025) or commune (xã, phường; since 1/7/2025)"),
            ColumnSchema("valid_from", .date, writer: .hub),
            ColumnSchema("valid_to", .date, writer: .hub, doc: "Last day the unit existed; empty while it exists"),
            ColumnSchema("sort", .integer, writer: .hub),
        ])

    static let methodologies = TableSchema("methodologies", doc: "PAR INDEX methods, e.g. 876/QĐ-BNV (2022–2030).",
        rowWriter: .hub, readScope: .everyone, columns: [
            ColumnSchema("name", .text, required: true, writer: .hub),
            ColumnSchema("decision", .text, writer: .hub),
            ColumnSchema("first_year", .integer, writer: .hub, range: 2000...2100),
            ColumnSchema("last_year", .integer, writer: .hub, range: 2000...2100),
            ColumnSchema("max_points", .real, writer: .hub, range: 0...1000),
        ])

    static let criteria = TableSchema("criteria", doc: "The criteria tree: fields (lĩnh vực) → criteria (tiêu chí) → sub-criteria (tiêu chí thành phần).",
        rowWriter: .hub, readScope: .everyone, columns: [
            ColumnSchema("methodology", .text, required: true, writer: .hub, references: "methodologies"),
            ColumnSchema("parent", .text, writer: .hub, references: "criteria"),
            ColumnSchema("level", .text, required: true, writer: .hub, allowed: ["field", "criterion", "sub_criterion"]),
            ColumnSchema("code", .text, required: true, writer: .hub, doc: "Display code, e.g. 3.2.1"),
            ColumnSchema("name", .text, required: true, writer: .hub),
            ColumnSchema("max_points", .real, required: true, writer: .hub, range: 0...100),
            ColumnSchema("applies_to", .text, writer: .hub, allowed: ["all", "department", "district", "commune"],
                         doc: "Which group the criterion applies to (empty: all)"),
            ColumnSchema("survey", .boolean, writer: .hub, doc: "Scored by the sociological survey, not self-assessed"),
            ColumnSchema("sort", .integer, writer: .hub),
        ])

    static let criterionExclusions = TableSchema("criterion_exclusions",
        doc: "Criteria not applicable to one unit in one year; they shrink its maximum.",
        key: ["unit", "year", "criterion"], owner: "unit", rowWriter: .hub, readScope: .owner, columns: [
            ColumnSchema("unit", .text, required: true, writer: .hub, references: "units"),
            ColumnSchema("year", .integer, required: true, writer: .hub, range: 2000...2100),
            ColumnSchema("criterion", .text, required: true, writer: .hub, references: "criteria"),
            ColumnSchema("reason", .text, writer: .hub),
        ])

    static let assessments = TableSchema("assessments", doc: "A unit's yearly PAR INDEX self-assessment and its appraisal status.",
        key: ["unit", "year"], owner: "unit", rowWriter: .owner, readScope: .owner, columns: [
            ColumnSchema("unit", .text, required: true, references: "units"),
            ColumnSchema("year", .integer, required: true, range: 2000...2100),
            ColumnSchema("methodology", .text, references: "methodologies"),
            ColumnSchema("status", .text, allowed: ["draft", "submitted"]),
            ColumnSchema("submitted_on", .date),
            ColumnSchema("note", .text),
            ColumnSchema("appraisal_status", .text, writer: .hub, allowed: ["pending", "in_progress", "done"]),
            ColumnSchema("appraised_on", .date, writer: .hub),
        ])

    static let assessmentScores = TableSchema("assessment_scores",
        doc: "Per criterion: the unit's self-score and evidence, and the hub's appraised score (thẩm định) with its reason.",
        key: ["unit", "year", "criterion"], owner: "unit", rowWriter: .owner, readScope: .owner, columns: [
            ColumnSchema("unit", .text, required: true, references: "units"),
            ColumnSchema("year", .integer, required: true, range: 2000...2100),
            ColumnSchema("criterion", .text, required: true, references: "criteria"),
            ColumnSchema("self_score", .real, range: 0...100),
            ColumnSchema("evidence", .text, doc: "Evidence documents (tài liệu kiểm chứng)"),
            ColumnSchema("self_note", .text),
            ColumnSchema("appraised_score", .real, writer: .hub, range: 0...100),
            ColumnSchema("appraisal_note", .text, writer: .hub, doc: "Why the appraisal adjusted the score"),
        ])

    static let surveyResults = TableSchema("survey_results",
        doc: "Sociological survey points for the PAR INDEX and SIPAS satisfaction (% satisfied or very satisfied) per element.",
        key: ["unit", "year"], owner: "unit", rowWriter: .hub, readScope: .owner, columns: [
            ColumnSchema("unit", .text, required: true, writer: .hub, references: "units"),
            ColumnSchema("year", .integer, required: true, writer: .hub, range: 2000...2100),
            ColumnSchema("survey_points", .real, writer: .hub, range: 0...100),
            ColumnSchema("sipas_access", .real, writer: .hub, range: 0...100),
            ColumnSchema("sipas_procedures", .real, writer: .hub, range: 0...100),
            ColumnSchema("sipas_civil_servants", .real, writer: .hub, range: 0...100),
            ColumnSchema("sipas_results", .real, writer: .hub, range: 0...100),
            ColumnSchema("sipas_feedback", .real, writer: .hub, range: 0...100),
            ColumnSchema("sipas_overall", .real, writer: .hub, range: 0...100),
            ColumnSchema("respondents", .integer, writer: .hub, range: 0...10_000_000),
        ])

    static let externalIndices = TableSchema("external_indices",
        doc: "The province's national indices (PAR INDEX, SIPAS, PAPI, PCI) with national rank.",
        key: ["index", "year"], rowWriter: .hub, readScope: .everyone, columns: [
            ColumnSchema("index", .text, required: true, writer: .hub, allowed: ["PAR_INDEX", "SIPAS", "PAPI", "PCI"]),
            ColumnSchema("year", .integer, required: true, writer: .hub, range: 2000...2100),
            ColumnSchema("value", .real, required: true, writer: .hub),
            ColumnSchema("scale", .text, writer: .hub, allowed: ["percent", "points"]),
            ColumnSchema("national_rank", .integer, writer: .hub, range: 1...1000),
            ColumnSchema("ranked_of", .integer, writer: .hub, range: 1...1000),
            ColumnSchema("source", .text, writer: .hub),
        ])

    static let services = TableSchema("services", doc: "The essential online public services of Decision 06/QĐ-TTg.",
        rowWriter: .hub, readScope: .everyone, columns: [
            ColumnSchema("number", .integer, required: true, writer: .hub, range: 1...1000),
            ColumnSchema("name", .text, required: true, writer: .hub),
            ColumnSchema("field", .text, writer: .hub),
            ColumnSchema("decision", .text, writer: .hub),
        ])

    static let serviceDeployments = TableSchema("service_deployments",
        doc: "A unit's deployment of one Decision-06 service in one period: level and online dossier counts.",
        key: ["unit", "period", "service"], owner: "unit", rowWriter: .owner, readScope: .owner, columns: [
            ColumnSchema("unit", .text, required: true, references: "units"),
            ColumnSchema("period", .text, required: true, doc: "Reporting period, e.g. 2022 or 2022-Q2"),
            ColumnSchema("service", .text, required: true, references: "services"),
            ColumnSchema("level", .text, required: true, allowed: ["none", "level3", "level4", "partial", "full"],
                         doc: "level3/level4 (old terms) or partial/full online (một phần / toàn trình, NĐ 42/2022)"),
            ColumnSchema("dossiers_received", .integer, range: 0...100_000_000),
            ColumnSchema("dossiers_online", .integer, range: 0...100_000_000),
            ColumnSchema("note", .text),
        ])

    static let directives = TableSchema("directives", doc: "Directives of the steering committee (kết luận, chỉ đạo) that set tasks.",
        rowWriter: .hub, readScope: .everyone, columns: [
            ColumnSchema("title", .text, required: true, writer: .hub),
            ColumnSchema("issued_by", .text, writer: .hub),
            ColumnSchema("issued_on", .date, writer: .hub),
            ColumnSchema("document", .text, writer: .hub),
        ])

    static let tasks = TableSchema("tasks",
        doc: "Tasks and targets: the hub sets title, responsible unit, deadline and target; the responsible unit sets its progress.",
        owner: "responsible_unit", rowWriter: .hub, readScope: .assigned, columns: [
            ColumnSchema("directive", .text, writer: .hub, references: "directives"),
            ColumnSchema("title", .text, required: true, writer: .hub),
            ColumnSchema("responsible_unit", .text, required: true, writer: .hub, references: "units"),
            ColumnSchema("deadline", .date, writer: .hub),
            ColumnSchema("target", .text, writer: .hub, doc: "The measurable target, in words"),
            ColumnSchema("target_value", .real, writer: .hub),
            ColumnSchema("progress_percent", .real, writer: .owner, range: 0...100),
            ColumnSchema("progress_note", .text, writer: .owner),
        ])

    static let taskAssignees = TableSchema("task_assignees", doc: "Units that cooperate on a task besides the responsible unit.",
        key: ["task", "unit"], owner: "unit", rowWriter: .hub, readScope: .owner, columns: [
            ColumnSchema("task", .text, required: true, writer: .hub, references: "tasks"),
            ColumnSchema("unit", .text, required: true, writer: .hub, references: "units"),
            ColumnSchema("role", .text, writer: .hub, allowed: ["lead", "cooperate"]),
        ])

    static let taskReports = TableSchema("task_reports", doc: "Progress reports on a task; append-only, each report is kept.",
        owner: "unit", rowWriter: .owner, lifecycle: .appendOnly, readScope: .owner, columns: [
            ColumnSchema("task", .text, required: true, references: "tasks"),
            ColumnSchema("unit", .text, required: true, references: "units"),
            ColumnSchema("reported_on", .date, required: true),
            ColumnSchema("progress_percent", .real, range: 0...100),
            ColumnSchema("done", .boolean),
            ColumnSchema("note", .text),
        ])

    static let initiatives = TableSchema("initiatives", doc: "Reform initiatives (sáng kiến, giải pháp mới) proposed by a unit.",
        owner: "unit", rowWriter: .owner, readScope: .owner, columns: [
            ColumnSchema("unit", .text, required: true, references: "units"),
            ColumnSchema("year", .integer, required: true, range: 2000...2100),
            ColumnSchema("title", .text, required: true),
            ColumnSchema("summary", .text),
            ColumnSchema("status", .text, allowed: ["proposed", "withdrawn"]),
        ])

    static let initiativeRecognitions = TableSchema("initiative_recognitions",
        doc: "Recognition of an initiative, e.g. by the Ministry of Home Affairs (Bộ Nội vụ).",
        owner: "unit", rowWriter: .hub, readScope: .owner, columns: [
            ColumnSchema("initiative", .text, required: true, writer: .hub, references: "initiatives"),
            ColumnSchema("unit", .text, required: true, writer: .hub, references: "units"),
            ColumnSchema("year", .integer, required: true, writer: .hub, range: 2000...2100),
            ColumnSchema("recognized_by", .text, required: true, writer: .hub),
            ColumnSchema("decision", .text, writer: .hub),
            ColumnSchema("recognized_on", .date, writer: .hub),
        ])

    static let publications = TableSchema("publications", doc: "A year's results published by the hub (e.g. QĐ 715/QĐ-UBND).",
        key: ["year"], rowWriter: .hub, readScope: .everyone, columns: [
            ColumnSchema("year", .integer, required: true, writer: .hub, range: 2000...2100),
            ColumnSchema("published_on", .date, writer: .hub),
            ColumnSchema("decision", .text, writer: .hub),
        ])

    static let publishedResults = TableSchema("published_results",
        doc: "Published PAR INDEX results and ranks per unit and year; every unit receives them.",
        key: ["year", "unit"], rowWriter: .hub, readScope: .everyone, columns: [
            ColumnSchema("year", .integer, required: true, writer: .hub, range: 2000...2100),
            ColumnSchema("unit", .text, required: true, writer: .hub, references: "units"),
            ColumnSchema("group", .text, writer: .hub, allowed: ["department", "district", "commune", "province"]),
            ColumnSchema("self_total", .real, writer: .hub),
            ColumnSchema("appraised_total", .real, writer: .hub),
            ColumnSchema("survey_points", .real, writer: .hub),
            ColumnSchema("max_points", .real, writer: .hub),
            ColumnSchema("index_percent", .real, writer: .hub),
            ColumnSchema("rank", .integer, writer: .hub),
            ColumnSchema("ranked_of", .integer, writer: .hub),
        ])
}
