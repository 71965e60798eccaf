import CRDT
import GRDB
import ReformData

extension Replica {
    /// Writes a record given as JSON: validated against the schema, then stored and captured as
    /// changes in one transaction. Fields not given keep their values.
    @discardableResult
    public func put(_ table: String, json: [String: JSONValue]) throws -> [Change] {
        let schema = try store(table).schema
        let record = try RecordValidator(table: schema).validate(json: json)
        return try put(table, records: [record])
    }

    /// Writes validated records in one transaction: all are stored, or none (e.g. a spreadsheet import).
    @discardableResult
    public func put(_ table: String, records: [ValidatedRecord]) throws -> [Change] {
        try put(tables: [(table, records)])
    }

    /// Deletes a record: a row marker with the next (even) causal length.
    @discardableResult
    public func delete(_ table: String, key: String) throws -> Change {
        let store = try store(table)
        let key = key.nfc
        return try writer.write { db in
            var context = try MergeContext.begin(db)
            let existing = try store.load(db, key: key, sites: context.sites)
            if store.schema.lifecycle == .appendOnly && existing != nil {
                throw ReplicaError.appendOnly(table: table, key: key)
            }
            let stamp = Stamp(hlc: context.state.clock.tick(wallMillis: wallClock()), site: site)
            guard let row = existing?.state, let change = try Self.local({ () throws(LocalWriteError) in try LocalWrite.delete(row, table: table, key: key, stamp: stamp) }) else {
                throw ReplicaError.notFound(table: table, key: key)
            }
            try checkAsTheHubWould([change], existing: existing, db)
            try context.mergeRow(db, store: store, key: key, changes: [change], existing: .some(existing), siteUnits: [:])
            _ = try context.finish(db)
            return change
        }
    }

    /// Runs a pure local-write rule, reporting its error as a replica error.
    static func local<T>(_ body: () throws(LocalWriteError) -> T) throws(ReplicaError) -> T {
        do { return try body() } catch { throw .localWrite(error.description) }
    }

    /// At a node, the hub's own write policy (``WritePolicy``, the same function the hub runs on a
    /// push) judges the changes of a local write before they are stored: a write the hub would
    /// refuse for a reason the node can know — a hub-only field, another unit's record, an
    /// append-only record, a value or key the schema refuses — is refused at once, with the code
    /// the hub would give, instead of being stored, pushed and quarantined. Stamps are not judged
    /// here (a clock that ran ahead is repaired, not refused: `reformsync clock repair`). The hub's
    /// replica writes anything.
    ///
    /// The season's rules (``SeasonPolicy``, Protocol §17) are judged too, on what the replica knows
    /// of the season: a self-score written after its deadline, or after the unit submitted, is
    /// refused here, naming the deadline, instead of being refused by the hub.
    func checkAsTheHubWould(_ changes: [Change], existing: StoredRow?, _ db: Database) throws {
        guard role == .node, let first = changes.first else { return }
        let policy = WritePolicy(schema: schema, maxClockSkewMillis: 0)
        var verdicts = policy.check(changes, from: unit, storedOwner: existing?.owner, storedRow: existing?.state, nowMillis: first.hlc.millis)
        let years = Self.seasonYears(changes)
        if !years.isEmpty, verdicts.allSatisfy({ $0 == nil }) {
            let facts = try seasonFacts(unit: unit, years: years, db)
            verdicts = changes.map { SeasonPolicy().check($0, facts: facts, storedRow: existing?.state) }
        }
        guard let index = verdicts.firstIndex(where: { $0 != nil }), let refusal = verdicts[index] else { return }
        // The refusal of a field says more than the marker's (which a refused field takes with it).
        let field = verdicts.indices.first { verdicts[$0] == refusal && changes[$0].column != nil } ?? index
        throw ReplicaError.refused(table: first.table, key: first.key, column: changes[field].column, code: refusal.code, reason: refusal.reason)
    }
}
