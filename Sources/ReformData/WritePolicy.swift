import CRDT

/// Who may write what: the hub's check of every change a unit pushes.
///
/// Pure, so the rules can be tested without a server: the hub supplies the row's owner (from its
/// replica, or from the incoming batch for a new row) and the current time.
public struct WritePolicy: Sendable {
    public let schema: Schema
    /// Changes stamped further than this in the future are refused (their clock is wrong and
    /// would drag every replica's clock forward).
    public let maxClockSkewMillis: UInt64

    public init(schema: Schema, maxClockSkewMillis: UInt64) {
        self.schema = schema
        self.maxClockSkewMillis = maxClockSkewMillis
    }

    /// Why a change is refused: a stable code (see Protocol/README.md) and a sentence.
    public struct Refusal: Error, Equatable, Sendable {
        public var code: String
        public var reason: String

        public init(_ code: String, _ reason: String) {
            self.code = code
            self.reason = reason
        }
    }

    /// Checks one row's changes from `unit`. Returns a refusal per change index (nil: accepted).
    ///
    /// - Parameters:
    ///   - changes: all changes of one row (same table and key) in the batch.
    ///   - storedOwner: the owner the hub already records for the row (nil if unknown).
    ///   - storedRowExists: whether the hub holds the row as an existing record.
    ///   - storedCells: the hub's current cells of the row (for append-only checks).
    public func check(_ changes: [Change], from unit: String, storedOwner: String?, storedRow: RowState?,
                      nowMillis: UInt64) -> [Refusal?] {
        guard let first = changes.first else { return [] }
        guard let table = schema.table(first.table) else {
            return changes.map { _ in Refusal("unknown_table", "no table '\(first.table)' in schema version \(schema.version)") }
        }
        let validator = RecordValidator(table: table)
        // The owner of a row: what the hub has, or for a new row what the batch says.
        var owner = storedOwner
        if owner == nil, let ownerColumn = table.ownerColumn {
            var written: Int?
            for i in changes.indices where changes[i].column == ownerColumn {
                if let w = written, (changes[i].causalLength, changes[i].stamp) <= (changes[w].causalLength, changes[w].stamp) { continue }
                written = i
            }
            if let written, case .text(let value) = changes[written].value { owner = value }
        }
        let ownsRow = table.ownerColumn != nil && owner == unit
        var rowRefusal: Refusal?
        var results: [Refusal?] = []
        for change in changes {
            var refusal: Refusal?
            if change.hlc.millis > nowMillis + maxClockSkewMillis {
                refusal = Refusal("clock_skew", "stamped \((change.hlc.millis - nowMillis) / 1000) s in the future; fix the node's clock (NTP)")
            } else if let column = change.column {
                let declared = table.column(column)
                if declared == nil {
                    refusal = Refusal("unknown_column", "\(table.name) has no field '\(column)'")
                } else if let problem = validator.problem(with: change.value, in: declared!) {
                    refusal = Refusal("bad_value", problem.description)
                } else if declared!.writer == .hub {
                    refusal = Refusal("hub_only", "only the hub (Sở Nội vụ) writes \(table.name).\(column)")
                } else if !ownsRow {
                    refusal = notOwner(table, owner, unit)
                } else if column == table.ownerColumn, change.value != .text(unit) {
                    refusal = Refusal("not_owner", "\(table.name).\(column) must stay \(unit): a unit cannot hand its record to another unit")
                } else if table.lifecycle == .appendOnly, let stored = storedRow, stored.exists, change.causalLength == stored.causalLength,
                          stored.cells[column].map({ $0.value != Self.stored(change.value, declared!.type) || $0.stamp != change.stamp }) ?? true {
                    // A re-sent field is identical (once stored as its column's type); anything else,
                    // including a field added later, changes a report already written.
                    refusal = Refusal("append_only", "\(table.name) records cannot be changed once written")
                }
            } else {
                let unseenTombstone = owner == nil && storedRow == nil && change.causalLength % 2 == 0
                    && Self.keyNames(unit, table: table, key: change.key)
                if table.rowWriter == .hub {
                    refusal = Refusal("hub_only", "only the hub (Sở Nội vụ) creates or deletes \(table.name) records")
                } else if unseenTombstone {
                    // Created and deleted before it was ever synced: the hub keeps the tombstone as
                    // the pushing unit's (see `claimsTombstone`).
                    refusal = nil
                } else if !ownsRow {
                    refusal = notOwner(table, owner, unit)
                } else if table.lifecycle == .appendOnly && change.causalLength > 1 {
                    refusal = Refusal("append_only", "\(table.name) records cannot be deleted or re-created")
                } else if change.causalLength % 2 == 1, change.causalLength > (storedRow?.causalLength ?? 0) {
                    refusal = creationProblem(table, key: change.key, life: change.causalLength, changes: changes)
                }
                if refusal != nil { rowRefusal = refusal }
            }
            results.append(refusal)
        }
        // The life this batch creates (or re-creates), if any.
        let creation = changes.filter { $0.causalLength % 2 == 1 && $0.causalLength > (storedRow?.causalLength ?? 0) }.map(\.causalLength).max()
        // A row created by field changes alone (no marker at that causal length in the batch) gets
        // the same creation checks as a marker would.
        if rowRefusal == nil, let life = creation, !changes.contains(where: { $0.column == nil && $0.causalLength == life }) {
            rowRefusal = creationProblem(table, key: first.key, life: life, changes: changes)
        }
        // A creation is accepted whole or refused whole: a required or key field refused in it (a
        // year out of range, a title too long) refuses the marker and every other field with one
        // refusal naming it, so the hub never holds a record without a field it must have. An
        // optional field refused (a hub-only appraisal) is refused alone.
        if rowRefusal == nil, let life = creation, results.contains(where: { $0 == nil }),
           let index = changes.indices.first(where: { i in
               changes[i].causalLength == life && results[i] != nil
                   && changes[i].column.map { column in table.column(column).map { $0.required || table.keyColumns.contains(column) } ?? false } ?? true
           }),
           let cause = results[index] {
            let what = changes[index].column.map { "its field '\($0)' is refused" } ?? "its marker is refused"
            let refusal = Refusal(cause.code, "\(table.name) record '\(first.key)' is not created: \(what): \(cause.reason)")
            return changes.map { _ in refusal }
        }
        // A refused create or delete takes the rest of the row with it.
        if let rowRefusal { return results.map { $0 ?? rowRefusal } }
        return results
    }

    /// A creation must bring the required fields and, for tables with key fields, a key that
    /// those fields give (so two units cannot create the same record under different keys).
    func creationProblem(_ table: TableSchema, key: String, life: UInt64, changes: [Change]) -> Refusal? {
        var values = [String: Value](minimumCapacity: changes.count)
        for change in changes where change.causalLength == life {
            if let column = change.column { values[column] = change.value }
        }
        let validator = RecordValidator(table: table)
        if let missing = validator.missingRequiredField(in: values) {
            return Refusal("missing_field", "\(table.name) record '\(key)' is created without its required field '\(missing)'")
        }
        if !table.keyColumns.isEmpty {
            do {
                let derived = try validator.derivedKey(values)
                if derived != key {
                    return Refusal("bad_key", "\(table.name) record key '\(key)' does not match its key fields, which give '\(derived)'")
                }
            } catch {
                return Refusal("bad_key", "\(table.name) record '\(key)': its key fields do not form a key (\(error))")
            }
        }
        return nil
    }

    /// For tables whose key starts with the owner (e.g. `UNIT/YEAR/CRITERION`), whether `key`
    /// names `unit`; keys of other tables are first come, first served.
    static func keyNames(_ unit: String, table: TableSchema, key: String) -> Bool {
        guard let owner = table.ownerColumn, let position = table.keyColumns.firstIndex(of: owner) else { return true }
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        return position < parts.count && parts[position] == Substring(unit)
    }

    /// A value as the replica stores it in a column of `type` (whole numbers in real columns are reals).
    static func stored(_ value: Value, _ type: ColumnType) -> Value {
        if type == .real, case .integer(let i) = value { return .real(Double(i)) }
        return value
    }

    /// Whether accepted changes of a row are a tombstone the hub never saw, which it then records
    /// as owned by the pushing unit (a record created and deleted between two syncs).
    public func claimsTombstone(_ changes: [Change], storedOwner: String?, storedRow: RowState?) -> Bool {
        guard let first = changes.first, let table = schema.table(first.table), table.ownerColumn != nil,
              storedOwner == nil, storedRow == nil else { return false }
        return changes.allSatisfy { $0.column == nil && $0.causalLength % 2 == 0 }
    }

    private func notOwner(_ table: TableSchema, _ owner: String?, _ unit: String) -> Refusal {
        guard let owner else {
            return Refusal("not_owner", "\(table.name) record has no \(table.ownerColumn ?? "owner"); the record must name the unit \(unit)")
        }
        return Refusal("not_owner", "the record belongs to \(owner); \(unit) cannot write it")
    }
}

/// Which rows a unit receives: its own, shared reference data, tasks assigned to it, and the
/// rows of the units it succeeds (Protocol/README.md §11, §19.4).
public struct ReadPolicy: Sendable {
    public let unit: String
    /// Keys of tasks the unit cooperates on (from `task_assignees`).
    public let assignedTasks: Set<String>
    /// Units the unit succeeds (``SuccessionGraph/ancestors(of:)``): their history stays readable
    /// by the node that carries on, though no longer writable (the owner is still the predecessor).
    public let predecessors: Set<String>

    public init(unit: String, assignedTasks: Set<String>, predecessors: Set<String> = []) {
        self.unit = unit
        self.assignedTasks = assignedTasks
        self.predecessors = predecessors
    }

    public func mayRead(_ table: TableSchema, key: String, owner: String?) -> Bool {
        switch table.readScope {
        case .everyone: return true
        case .owner: return owns(owner)
        case .assigned: return owns(owner) || assignedTasks.contains(key)
        }
    }

    private func owns(_ owner: String?) -> Bool {
        guard let owner else { return false }
        return owner == unit || predecessors.contains(owner)
    }
}
