/// Turns local intentions (put a record, delete a record) into changes against a row's state.
///
/// Kept in the pure core so the property tests exercise exactly the rules the replica uses.
public enum LocalWrite {
    /// Changes that make the row hold `values` (absent columns untouched on an existing row).
    ///
    /// - Creating a row (never seen, or deleted): a row marker at the next odd causal length plus
    ///   every non-null given value.
    /// - Updating an existing row: only the columns whose value differs.
    /// - Throws: ``LocalWriteError/rowLivesExhausted`` when re-creating the row would pass
    ///   ``Change/maxCausalLength`` (only a row a peer pushed to that bound).
    public static func put(_ values: [String: Value], into row: RowState, table: String, key: String, stamp: Stamp) throws(LocalWriteError) -> [Change] {
        if row.exists {
            return values.keys.sorted().compactMap { column in
                let value = values[column]!
                let current = row.cells[column]?.value ?? .null
                guard current != value else { return nil }
                return Change(table: table, key: key, column: column, value: value, stamp: stamp, causalLength: row.causalLength)
            }
        }
        guard row.causalLength < Change.maxCausalLength else { throw .rowLivesExhausted(table: table, key: key) }
        let length = row.causalLength + 1
        var changes = [Change(table: table, key: key, column: nil, value: .null, stamp: stamp, causalLength: length)]
        for column in values.keys.sorted() where !values[column]!.isNull {
            changes.append(Change(table: table, key: key, column: column, value: values[column]!, stamp: stamp, causalLength: length))
        }
        return changes
    }

    /// The row marker that deletes an existing row; nil when the row does not exist.
    public static func delete(_ row: RowState, table: String, key: String, stamp: Stamp) throws(LocalWriteError) -> Change? {
        guard row.exists else { return nil }
        guard row.causalLength < Change.maxCausalLength else { throw .rowLivesExhausted(table: table, key: key) }
        return Change(table: table, key: key, column: nil, value: .null, stamp: stamp, causalLength: row.causalLength + 1)
    }
}

/// Why a local write cannot be expressed as changes.
public enum LocalWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    case rowLivesExhausted(table: String, key: String)

    public var description: String {
        switch self {
        case let .rowLivesExhausted(table, key):
            return "\(table) '\(key)' has reached the largest causal length (\(Change.maxCausalLength)): it cannot be deleted or re-created again; use a new key"
        }
    }
}
