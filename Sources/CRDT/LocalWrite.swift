/// Turns local intentions (put a record, delete a record) into changes against a row's state.
///
/// Kept in the pure core so the property tests exercise exactly the rules the replica uses.
public enum LocalWrite {
    /// Changes that make the row hold `values` (absent columns untouched on an existing row).
    ///
    /// - Creating a row (never seen, or deleted): a row marker at the next odd causal length plus
    ///   every non-null given value.
    /// - Updating an existing row: only the columns whose value differs.
    public static func put(_ values: [String: Value], into row: RowState, table: String, key: String, stamp: Stamp) -> [Change] {
        if row.exists {
            return values.keys.sorted().compactMap { column in
                let value = values[column]!
                let current = row.cells[column]?.value ?? .null
                guard current != value else { return nil }
                return Change(table: table, key: key, column: column, value: value, stamp: stamp, causalLength: row.causalLength)
            }
        }
        let length = row.causalLength + 1
        var changes = [Change(table: table, key: key, column: nil, value: .null, stamp: stamp, causalLength: length)]
        for column in values.keys.sorted() where !values[column]!.isNull {
            changes.append(Change(table: table, key: key, column: column, value: values[column]!, stamp: stamp, causalLength: length))
        }
        return changes
    }

    /// The row marker that deletes an existing row; nil when the row does not exist.
    public static func delete(_ row: RowState, table: String, key: String, stamp: Stamp) -> Change? {
        guard row.exists else { return nil }
        return Change(table: table, key: key, column: nil, value: .null, stamp: stamp, causalLength: row.causalLength + 1)
    }
}
