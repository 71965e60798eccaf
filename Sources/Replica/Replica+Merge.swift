import CRDT
import GRDB
import ReformData

extension Replica {
    /// Merges changes received from another replica, all in one transaction.
    ///
    /// Re-applying the same changes, in any order or grouping, leaves the replica unchanged
    /// (the merge is idempotent, commutative and associative). A change naming a table or field
    /// the schema does not declare, or a value of the wrong type, aborts the whole transaction.
    ///
    /// A change stamped further ahead of this replica's wall clock than `maxClockSkewMillis`
    /// (default: the replica's ``maxClockSkewMillis``) aborts the transaction with
    /// ``ReplicaError/clockAhead(table:key:aheadMillis:limitMillis:)``: adopting its stamp would
    /// drag this replica's clock, and every later write, into the future (Protocol §3.4).
    ///
    /// - Parameter siteUnits: the unit of each originating site, for the audit trail.
    @discardableResult
    public func apply(_ changes: [Change], siteUnits: [SiteID: String] = [:], maxClockSkewMillis: UInt64? = nil) throws -> ApplyReport {
        try writer.write { db in try self.apply(changes, siteUnits: siteUnits, maxClockSkewMillis: maxClockSkewMillis, db) }
    }

    /// Merges changes inside a transaction the caller holds, so a sync cursor can commit with them.
    public func apply(_ changes: [Change], siteUnits: [SiteID: String] = [:], maxClockSkewMillis: UInt64? = nil,
                      _ db: Database) throws -> ApplyReport {
        var context = try MergeContext.begin(db)
        context.clockBound = ClockBound(wallMillis: wallClock(), skewMillis: maxClockSkewMillis ?? self.maxClockSkewMillis)
        guard !changes.isEmpty else { return try context.finish(db) }
        var rowStore = try store(changes[0].table)
        var start = 0
        while start < changes.count {
            // A row's changes: the run of changes with the same table and key.
            var end = start + 1
            while end < changes.count && changes[end].key == changes[start].key && changes[end].table == changes[start].table {
                end += 1
            }
            if rowStore.schema.name != changes[start].table { rowStore = try store(changes[start].table) }
            // Each change is checked against the schema (and converted if need be) as it merges.
            try context.mergeRow(db, store: rowStore, key: changes[start].key, changes: changes, range: start..<end,
                                 siteUnits: siteUnits, validating: true)
            start = end
        }
        return try context.finish(db)
    }

    /// Checks `changes[i]` against the schema, reading it in place; gives the slot it writes and
    /// whether its value must be converted to the column's storage type (see ``normalized(_:_:)``).
    static func validate(_ changes: [Change], _ i: Int, _ store: TableStore) throws -> (slot: Int, converted: Bool) {
        // The conditions of `Change.structuralProblem`, whose message is built only when one fails.
        let cl = changes[i].causalLength
        var wellFormed = cl <= Change.maxCausalLength && TextRules.problem(in: changes[i].key) == nil
        if let column = changes[i].column {
            wellFormed = wellFormed && cl % 2 == 1 && !column.isEmpty
        } else {
            wellFormed = wellFormed && cl > 0 && changes[i].value.isNull
        }
        switch changes[i].value {
        case .text(let text): wellFormed = wellFormed && TextRules.problem(in: text) == nil
        case .real(let real): wellFormed = wellFormed && real.isFinite
        default: break
        }
        if !wellFormed || changes[i].key.isEmpty, let problem = changes[i].structuralProblem {
            throw ReplicaError.invalidChange("\(store.schema.name) '\(changes[i].key)': \(problem)")
        }
        guard let name = changes[i].column else { return (0, false) }
        guard let slot = store.slot(of: name) else { throw ReplicaError.unknownColumn(table: store.schema.name, column: name) }
        let type = store.columnTypes[slot - 1]
        switch (type, changes[i].value) {
        case (_, .null), (.text, .text), (.date, .text), (.integer, .integer), (.boolean, .integer), (.real, .real):
            return (slot, false)
        case (.real, .integer):
            return (slot, true)
        default:
            throw ReplicaError.invalidChange("\(store.schema.name).\(name) of '\(changes[i].key)' expects \(type.rawValue), got \(changes[i].value)")
        }
    }

    /// Checks a remote change against the schema and gives its value the column's storage type.
    static func normalized(_ change: Change, _ table: TableSchema) throws -> Change {
        if let problem = change.structuralProblem {
            throw ReplicaError.invalidChange("\(table.name) '\(change.key)': \(problem)")
        }
        guard let name = change.column else { return change }
        guard let column = table.column(name) else { throw ReplicaError.unknownColumn(table: table.name, column: name) }
        var change = change
        switch (column.type, change.value) {
        case (_, .null), (.text, .text), (.date, .text), (.integer, .integer), (.boolean, .integer), (.real, .real):
            break
        case (.real, .integer(let i)):
            change.value = .real(Double(i))
        default:
            throw ReplicaError.invalidChange("\(table.name).\(name) of '\(change.key)' expects \(column.type.rawValue), got \(change.value)")
        }
        return change
    }

    /// Checks a remote change against the schema and gives its value the column's storage type.
    func normalized(_ change: Change, _ table: TableSchema) throws -> Change {
        try Self.normalized(change, table)
    }
}
