/// What compaction may remove, and what is kept forever (Protocol/README.md §19.2).
///
/// Kept forever, in every table: each row's current values and clocks (the merge needs them).
/// Kept forever in the tables of the assessment and its decisions — units, methods and
/// criteria, exclusions, self-assessments and appraisals, surveys, external indices, progress
/// reports, recognitions, publications and published results, successions — and in every table
/// not named in ``compactableTables`` (so a table a later release adds is kept until it is
/// named): the whole history (`reformsync history`: who wrote which value when, what an
/// appraisal changed) and the tombstones of deleted rows.
///
/// Compacted in ``compactableTables`` only, below the watermark every node has acknowledged:
/// history entries (values replaced, losing or stale writes) and tombstones with their history.
/// These tables hold working data whose past the report never reads: its figures come from the
/// live rows (the latest deployment report per service, tasks' deadlines, initiatives proposed).
public enum Compaction {
    public static let compactableTables: Set<String> = [
        "initiatives", "service_deployments", "tasks", "task_assignees", "directives", "services",
    ]
}
