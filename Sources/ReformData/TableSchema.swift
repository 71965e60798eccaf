/// How the rows of a table behave as a set.
public enum RowLifecycle: String, Sendable, Codable {
    /// Rows can be updated, deleted and re-created.
    case deletable
    /// Rows are written once and never changed or deleted (e.g. progress reports).
    case appendOnly
}

/// Which units receive a table's rows from the hub.
public enum ReadScope: String, Sendable, Codable {
    /// Shared reference data: every unit.
    case everyone
    /// Only the unit named in the owner column.
    case owner
    /// The unit named in the owner column, and units assigned to the row's task through `task_assignees`.
    case assigned
}

/// A replicated table: its columns, its key, its set semantics and who may write it.
///
/// Every row has a stable text primary key `id`. When ``keyColumns`` is not empty the id is
/// derived from them (values joined by `/`), so two offices entering the same self-assessment
/// score produce the same row rather than a duplicate; otherwise the writer supplies it.
public struct TableSchema: Sendable {
    public var name: String
    public var doc: String
    public var columns: [ColumnSchema]
    public var keyColumns: [String]
    /// The column naming the unit that owns a row (nil: no unit owns rows of this table).
    public var ownerColumn: String?
    /// Who may create and delete rows.
    public var rowWriter: Writer
    public var lifecycle: RowLifecycle
    public var readScope: ReadScope
    /// The schema version that added the table (Protocol/README.md §19.1); see ``since(_:)``.
    public var since: Int = 1

    public init(_ name: String, doc: String, key: [String] = [], owner: String? = nil, rowWriter: Writer,
                lifecycle: RowLifecycle = .deletable, readScope: ReadScope, columns: [ColumnSchema]) {
        self.name = name
        self.doc = doc
        self.columns = columns
        self.keyColumns = key
        self.ownerColumn = owner
        self.rowWriter = rowWriter
        self.lifecycle = lifecycle
        self.readScope = readScope
    }

    /// The column named `name`, if declared.
    public func column(_ name: String) -> ColumnSchema? {
        columns.first { $0.name == name }
    }

    /// The position of a column in declaration order (storage uses it), if declared.
    public func columnIndex(_ name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }

    public var columnNames: [String] { columns.map(\.name) }

    /// The table as added by schema `version`: older replicas and nodes do not have it.
    public func since(_ version: Int) -> TableSchema {
        var copy = self
        copy.since = version
        return copy
    }
}
