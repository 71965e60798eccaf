/// The reform-data schema of Tuyên Quang province: every dataset of `shared/DOMAIN.md`.
/// Version 2 adds evidence files (`evidence_files`, Protocol/README.md §16) and the assessment
/// season: phase dates, extensions, the explanation round (§17).
///
/// Ownership follows the province's practice: a unit writes its own self-assessments, evidence,
/// Decision-06 reports, task progress and initiatives; the hub (Sở Nội vụ) writes units, the
/// criteria tree, appraisals, surveys, tasks, recognitions and published results.
public enum ReformSchema {
    public static let version = 2

    public static let v1 = Schema(version: version, tables: [
        units, methodologies, criteria, criterionExclusions, assessments, assessmentScores,
        surveyResults, externalIndices, services, serviceDeployments, directives, tasks,
        taskAssignees, taskReports, initiatives, initiativeRecognitions, publications, publishedResults,
        seasons, seasonExtensions,
        evidenceFiles,
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
            ColumnSchema("reopened", .boolean, writer: .hub,
                         doc: "Set by the hub to reopen a submitted self-assessment (Protocol §17.5); a later submission locks it again"),
            ColumnSchema("reopen_reason", .text, writer: .hub, doc: "Who reopened it and why"),
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
            ColumnSchema("explanation", .text, doc: "The unit's explanation (giải trình) of a deduction, in the explanation phase"),
            ColumnSchema("explanation_evidence", .text, doc: "Evidence added with the explanation (references)"),
            ColumnSchema("reappraised_score", .real, writer: .hub, range: 0...100, doc: "The final score after re-appraisal"),
            ColumnSchema("explanation_accepted", .boolean, writer: .hub, doc: "Whether the re-appraisal accepted the explanation"),
            ColumnSchema("reappraisal_note", .text, writer: .hub, doc: "Why the re-appraisal decided so"),
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

    static let seasons = TableSchema("seasons",
        doc: "The assessment season of a year (per ranking group where they differ; group all for the rest): the last day of each phase, Vietnam time (Protocol §17).",
        key: ["year", "group"], rowWriter: .hub, readScope: .everyone, columns: [
            ColumnSchema("year", .integer, required: true, writer: .hub, range: 2000...2100),
            ColumnSchema("group", .text, required: true, writer: .hub, allowed: ["all", "department", "district", "commune"],
                         doc: "The ranking group the dates apply to; all: every group without its own season"),
            ColumnSchema("methodology", .text, writer: .hub, references: "methodologies"),
            ColumnSchema("self_assessment_until", .date, required: true, writer: .hub, doc: "Last day units self-assess and submit"),
            ColumnSchema("appraisal_until", .date, writer: .hub, doc: "Last day of the appraisal (thẩm định)"),
            ColumnSchema("explanation_until", .date, writer: .hub, doc: "Last day units explain deductions (giải trình)"),
            ColumnSchema("reappraisal_until", .date, writer: .hub, doc: "Last day of the re-appraisal"),
            ColumnSchema("final_on", .date, writer: .hub, doc: "Day the results are approved and published"),
            ColumnSchema("decision", .text, writer: .hub, doc: "The document that set the dates"),
        ])

    static let seasonExtensions = TableSchema("season_extensions",
        doc: "A deadline extended for one unit: a recorded decision, with who decided and why (Protocol §17.3).",
        key: ["unit", "year", "phase"], owner: "unit", rowWriter: .hub, readScope: .owner, columns: [
            ColumnSchema("unit", .text, required: true, writer: .hub, references: "units"),
            ColumnSchema("year", .integer, required: true, writer: .hub, range: 2000...2100),
            ColumnSchema("phase", .text, required: true, writer: .hub, allowed: ["self_assessment", "explanation"]),
            ColumnSchema("until", .date, required: true, writer: .hub, doc: "The unit's new last day of the phase"),
            ColumnSchema("decided_by", .text, required: true, writer: .hub),
            ColumnSchema("reason", .text, required: true, writer: .hub),
        ])

    /// The tables whose records may carry evidence files (`evidence_files.record_table`).
    public static let evidenceTables = ["assessment_scores", "initiatives", "task_reports"]

    /// The content types an evidence file may have, as its content signature gives them.
    public static let evidenceContentTypes = [
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/msword",
        "application/vnd.ms-excel",
        "image/jpeg",
        "image/png",
    ]

    /// Evidence files (tài liệu kiểm chứng) attached to a unit's records: the reference travels as a
    /// row, the bytes separately by their SHA-256 (Protocol/README.md §16). Attaching creates the
    /// row, detaching deletes it: concurrent attach and detach merge like any row's existence.
    /// The id is `RECORD_TABLE/RECORD/SHA256` (given by the writer: record ids contain `/`).
    static let evidenceFiles = TableSchema("evidence_files",
        doc: "Evidence files attached to a unit's records; id RECORD_TABLE/RECORD/SHA256; the bytes travel by their SHA-256 (Protocol §16).",
        owner: "unit", rowWriter: .owner, readScope: .owner, columns: [
            ColumnSchema("unit", .text, required: true, references: "units"),
            ColumnSchema("record_table", .text, required: true, allowed: evidenceTables, doc: "The table of the record the file backs"),
            ColumnSchema("record", .text, required: true, doc: "The id of the record the file backs"),
            ColumnSchema("sha256", .text, required: true, doc: "The file's SHA-256, 64 lowercase hex digits: its identity"),
            ColumnSchema("name", .text, required: true, doc: "File name shown and offered on download (NFC)"),
            ColumnSchema("size", .integer, required: true, range: 1...1_099_511_627_776, doc: "Bytes"),
            ColumnSchema("content_type", .text, required: true, allowed: evidenceContentTypes, doc: "From the content signature"),
            ColumnSchema("year", .integer, required: true, range: 2000...2100, doc: "The year the quota counts it in"),
        ])
}
