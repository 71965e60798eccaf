import CRDT

/// A row as the replica keeps it: its merge state plus the local version of each slot.
///
/// Versions say when this replica last changed a slot, which is what `changes(since:)` pages on.
struct StoredRow {
    var state: RowState
    /// By slot: 0 is the row marker, i is column i-1 of the table.
    var versions: [Int64?]
    /// The owner column's last value, kept on tombstones so deletes reach the owning unit.
    var owner: String?

    static func empty(slots: Int) -> StoredRow {
        StoredRow(state: RowState(), versions: Array(repeating: nil, count: slots), owner: nil)
    }
}
