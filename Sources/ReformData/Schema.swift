/// A versioned set of replicated tables.
///
/// Table and column names that arrive from the wire, a file or the command line are only ever
/// used in SQL after ``table(_:)`` and ``TableSchema/column(_:)`` found them here.
public struct Schema: Sendable {
    public var version: Int
    public var tables: [TableSchema]
    private var byName: [String: Int]

    public init(version: Int, tables: [TableSchema]) {
        self.version = version
        self.tables = tables
        self.byName = Dictionary(uniqueKeysWithValues: tables.enumerated().map { ($1.name, $0) })
    }

    public func table(_ name: String) -> TableSchema? {
        byName[name].map { tables[$0] }
    }

    public var tableNames: [String] { tables.map(\.name) }

    /// The schema as a replica of an older `version` declares it (Protocol/README.md §19.1): the
    /// tables and columns whose ``TableSchema/since`` is at most `version`. Columns are only
    /// appended, so those left keep their positions (clock slots are stored by position).
    /// Vocabularies are not narrowed: merges check storage classes, not allowed values.
    public func asOf(version older: Int) -> Schema {
        guard older < version else { return self }
        return Schema(version: older, tables: tables.filter { $0.since <= older }.map { table in
            var table = table
            table.columns = table.columns.filter { max($0.since, table.since) <= older }
            return table
        })
    }

    /// Whether every column's ``ColumnSchema/since`` is at least that of the columns before it, no
    /// table or column is newer than the schema, and no column added to an existing table is
    /// required (older nodes create rows without it): what ``asOf(version:)`` relies on.
    public var versionsAreAppended: Bool {
        tables.allSatisfy { table in
            table.since <= version && zip(table.columns, table.columns.dropFirst()).allSatisfy { $0.since <= $1.since }
                && table.columns.allSatisfy { $0.since <= version && ($0.since <= table.since || !$0.required) }
        }
    }
}
