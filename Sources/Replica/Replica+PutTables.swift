import CRDT
import GRDB
import ReformData

extension Replica {
    /// Writes validated records of several tables in ONE transaction: all are stored, or none.
    ///
    /// `put(_:records:)` is one transaction per table; loading a hub's reference data (units,
    /// methods, the criteria tree, services: `reformsync hub load`) must not leave the units stored
    /// when the criteria fail. `put(_:records:)` is this with one table. Record by record: required
    /// fields of new rows, append-only rows written once, unchanged values make no change, and at a
    /// node the hub's write policy and the season's rules (``checkAsTheHubWould(_:existing:_:)``).
    @discardableResult
    public func put(tables batches: [(table: String, records: [ValidatedRecord])]) throws -> [Change] {
        let stores = try batches.map { try store($0.table) }
        return try writer.write { db in
            var context = try MergeContext.begin(db)
            var all: [Change] = []
            for (store, batch) in zip(stores, batches) {
                let table = store.schema.name
                let validator = RecordValidator(table: store.schema)
                for record in batch.records {
                    let existing = try store.load(db, key: record.key, sites: context.sites)
                    let row = existing?.state ?? RowState()
                    if store.schema.lifecycle == .appendOnly && row.isKnown {
                        throw ReplicaError.appendOnly(table: table, key: record.key)
                    }
                    if !row.exists, let missing = validator.missingRequiredField(in: record.values) {
                        throw ReplicaError.missingRequired(table: table, key: record.key, field: missing)
                    }
                    let stamp = Stamp(hlc: context.state.clock.tick(wallMillis: wallClock()), site: site)
                    let changes = try Self.local { () throws(LocalWriteError) in
                        try LocalWrite.put(record.values, into: row, table: table, key: record.key, stamp: stamp)
                    }
                    try checkAsTheHubWould(changes, existing: existing, db)
                    try context.mergeRow(db, store: store, key: record.key, changes: changes, existing: .some(existing), siteUnits: [:])
                    all += changes
                }
            }
            _ = try context.finish(db)
            return all
        }
    }
}
