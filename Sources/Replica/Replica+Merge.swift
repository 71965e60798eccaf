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
    /// - Parameter siteUnits: the unit of each originating site, for the audit trail.
    @discardableResult
    public func apply(_ changes: [Change], siteUnits: [SiteID: String] = [:]) throws -> ApplyReport {
        try writer.write { db in try self.apply(changes, siteUnits: siteUnits, db) }
    }

    /// Merges changes inside a transaction the caller holds, so a sync cursor can commit with them.
    public func apply(_ changes: [Change], siteUnits: [SiteID: String] = [:], _ db: Database) throws -> ApplyReport {
        var context = try MergeContext.begin(db)
        var start = changes.startIndex
        while start < changes.endIndex {
            let first = changes[start]
            var end = changes.index(after: start)
            while end < changes.endIndex && changes[end].key == first.key && changes[end].table == first.table {
                end = changes.index(after: end)
            }
            let store = try store(first.table)
            let group = try changes[start..<end].map { try normalized($0, store.schema) }
            try context.mergeRow(db, store: store, key: first.key, changes: group, siteUnits: siteUnits)
            start = end
        }
        return try context.finish(db)
    }

    /// Checks a remote change against the schema and gives its value the column's storage type.
    func normalized(_ change: Change, _ table: TableSchema) throws -> Change {
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
}
