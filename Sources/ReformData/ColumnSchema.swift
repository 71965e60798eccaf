import CRDT

/// The type of a replicated column, and how it is stored.
public enum ColumnType: String, Sendable, Codable, CaseIterable {
    /// UTF-8 text, normalised to NFC.
    case text
    /// A 64-bit integer.
    case integer
    /// A finite floating-point number (scores, percentages).
    case real
    /// true/false, stored as integer 1/0.
    case boolean
    /// A calendar date, stored as text `YYYY-MM-DD`.
    case date
}

/// Who may write a column or create and delete a row.
public enum Writer: String, Sendable, Codable {
    /// Only the provincial hub (Sở Nội vụ).
    case hub
    /// Only the unit named in the row's owner column.
    case owner
}

/// One column of a replicated table.
public struct ColumnSchema: Sendable {
    public var name: String
    public var type: ColumnType
    /// A row cannot be created without it.
    public var required: Bool
    /// Who may write this column (see ``Writer``).
    public var writer: Writer
    /// For text columns with a closed vocabulary: the allowed values.
    public var allowedValues: [String]?
    /// The table whose `id` this column refers to; checked by ``ReferenceChecker``, never by SQLite,
    /// so that a merge can never fail on a reference that arrives later.
    public var references: String?
    /// Inclusive bounds for numeric columns.
    public var range: ClosedRange<Double>?
    /// What the column means, for `reformsync schema` and the protocol document.
    public var doc: String
    /// The schema version that added the column (Protocol/README.md §19.1); see ``since(_:)``.
    public var since: Int = 1

    public init(_ name: String, _ type: ColumnType, required: Bool = false, writer: Writer = .owner,
                allowed: [String]? = nil, references: String? = nil, range: ClosedRange<Double>? = nil, doc: String = "") {
        self.name = name
        self.type = type
        self.required = required
        self.writer = writer
        self.allowedValues = allowed
        self.references = references
        self.range = range
        self.doc = doc
    }

    /// The column as added by schema `version`: older replicas and nodes do not have it.
    public func since(_ version: Int) -> ColumnSchema {
        var copy = self
        copy.since = version
        return copy
    }
}
