import CRDT
import GRDB
import ReformData

/// What one merge transaction did, for logs, sync acknowledgements and tests.
public struct ApplyReport: Sendable, Equatable {
    /// Changes that took effect.
    public var applied = 0
    /// Changes this replica already had.
    public var duplicates = 0
    /// Changes that lost to a later write of the same field (kept in the history).
    public var lost = 0
    /// Changes to an earlier life of a deleted or re-created row (kept in the history).
    public var stale = 0
    /// Rows modified.
    public var rows = 0
    /// The replica's version after the transaction.
    public var version: Int64 = 0

    public init() {}

    public var total: Int { applied + duplicates + lost + stale }
}

/// The state of one write transaction: identity and clock, site table and report.
///
/// Every mutation — local write or remote merge — goes through ``mergeRow(_:store:key:changes:existing:siteUnits:)``,
/// so data, clocks, versions and history always change together.
///
/// The context also keeps what makes a large merge cheap: the prepared statements of the tables
/// it writes (fetched once per transaction), buffers reused from row to row, and a guess whether
/// the next row it has not loaded is new (see ``mergeRow(_:store:key:changes:existing:siteUnits:)``).
struct MergeContext {
    var state: ReplicaState
    var sites: SiteTable
    var report = ApplyReport()
    /// Remote changes stamped beyond this bound are refused (nil: local writes, which tick the clock).
    var clockBound: ClockBound?
    let historySQL = """
        INSERT INTO _rs_history(tbl, key, col, value, hlc, site, cl, version, fate)
        SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
        WHERE NOT EXISTS (SELECT 1 FROM _rs_history WHERE tbl = ? AND key = ? AND col IS ? AND hlc = ? AND site = ?)
        """

    /// Prepared statements by table, fetched from GRDB's cache on first use in this transaction.
    private var statements: [TableStatements] = []
    private var historyStatement: Statement?
    private var scratch = RowScratch()
    /// History entries of the row being merged, written once its merge is settled.
    private var pending: [PendingRecord] = []
    /// Whether the last row this context had to look up was new: while rows keep being new
    /// (a first sync, a bulk import) they are inserted without being looked up first.
    private var expectNew = true
    /// Storage of the last row merged as new, for the next one.
    private var spareCells: [String: Cell] = [:]
    private var spareVersions: [Int64?] = []
    /// A site whose unit the site table already has: changes from it need no unit check.
    private var unitKnown: SiteID?

    static func begin(_ db: Database) throws -> MergeContext {
        MergeContext(state: try ReplicaState.load(db), sites: try SiteTable.load(db))
    }

    mutating func finish(_ db: Database) throws -> ApplyReport {
        try state.saveCounters(db)
        report.version = state.version
        return report
    }

    /// Merges the changes of one row (all with the same table and key) and stores the result.
    ///
    /// `existing` is the row as the caller already loaded it (`.some(nil)`: known to be new);
    /// when it is not given, a row is either looked up first, or — while rows keep turning out
    /// new — merged as new and inserted with `ON CONFLICT DO NOTHING`: if the row exists after
    /// all, nothing was written, and it is loaded and merged again. Either way the stored result
    /// is exactly the CRDT merge of the changes into the stored row.
    mutating func mergeRow(_ db: Database, store: TableStore, key: String, changes: some Collection<Change>,
                           existing: StoredRow?? = nil, siteUnits: [SiteID: String]) throws {
        let array = changes as? [Change] ?? Array(changes)
        try mergeRow(db, store: store, key: key, changes: array, range: array.indices, existing: existing, siteUnits: siteUnits)
    }

    /// Merges `changes[range]`, the changes of one row. Changes are read in place from the array
    /// (not copied one by one, as iterating a slice would).
    ///
    /// With `validating`, each change is first checked against the schema (``Replica/validate(_:_:_:)``)
    /// and given its column's storage type: a remote change that does not fit throws.
    mutating func mergeRow(_ db: Database, store: TableStore, key: String, changes: [Change], range: Range<Int>,
                           existing: StoredRow?? = nil, siteUnits: [SiteID: String], validating: Bool = false) throws {
        guard !range.isEmpty else { return }
        let table = try statementIndex(for: store)
        var loaded: StoredRow?
        var guessedNew = false
        if let existing {
            loaded = existing
        } else if expectNew {
            guessedNew = true
        } else {
            loaded = try store.load(statement(table, .select, store, db), key: key, sites: sites)
            expectNew = loaded == nil
        }
        let version = state.version + 1
        var merged = try merge(changes, range, into: loaded, store: store, version: version, siteUnits: siteUnits, validating: validating, db)
        if guessedNew {
            if merged.touched {
                try store.save(statement(table, .insertNew, store, db), key: key, row: merged.row,
                               sites: &sites, scratch: &scratch, db)
                if db.changesCount > 0 {
                    try settle(merged, store: store, key: key, version: version, db)
                    recycle(&merged)
                    return
                }
            }
            // The row exists (or merging it as new changed nothing, which only an existing row can
            // explain): nothing was written; merge into the stored row instead.
            expectNew = false
            recycle(&merged)
            loaded = try store.load(statement(table, .select, store, db), key: key, sites: sites)
            merged = try merge(changes, range, into: loaded, store: store, version: version, siteUnits: siteUnits, validating: validating, db)
        }
        if merged.touched {
            try store.save(statement(table, loaded == nil ? .insert : .upsert, store, db), key: key, row: merged.row,
                           sites: &sites, scratch: &scratch, db)
        }
        try settle(merged, store: store, key: key, version: version, db)
        if loaded == nil { recycle(&merged) }
    }

    /// Keeps the cells and versions storage of a row that was merged as new for the next new
    /// row (a merged row that started from a loaded one shares its storage, and is left alone).
    private mutating func recycle(_ merged: inout MergedRow) {
        var cells = merged.row.state.cells
        let versions = merged.row.versions
        merged.row = StoredRow(state: RowState(), versions: [], owner: nil)
        cells.removeAll(keepingCapacity: true)
        spareCells = cells
        spareVersions = versions
    }

    /// The outcome of merging one row's changes, not yet counted or recorded.
    private struct MergedRow {
        var row: StoredRow
        var touched = false
        var applied = 0, duplicates = 0, lost = 0, stale = 0
    }

    /// Merges `changes` into `loaded` (nil: a row never seen). Only the clock and the site table
    /// change here (both idempotently); history entries go to `pending`.
    private mutating func merge(_ changes: [Change], _ range: Range<Int>, into loaded: StoredRow?, store: TableStore, version: Int64,
                                siteUnits: [SiteID: String], validating: Bool, _ db: Database) throws -> MergedRow {
        pending.removeAll(keepingCapacity: true)
        var result: MergedRow
        if let loaded {
            result = MergedRow(row: loaded)
        } else {
            // A row never seen. Its state starts at the causal length of the first change, which
            // that change would raise it to anyway (it is at least 1; the merge of the first change
            // into either state has the same outcome, with nothing displaced), so that the cells
            // can be sized once (or reused from the previous new row) instead of growing as
            // columns arrive.
            var cells = spareCells
            spareCells = [:]
            if cells.capacity < store.slotCount - 1 { cells = Dictionary(minimumCapacity: store.slotCount - 1) }
            var versions = spareVersions
            spareVersions = []
            if versions.count == store.slotCount {
                for slot in versions.indices { versions[slot] = nil }
            } else {
                versions = Array(repeating: nil, count: store.slotCount)
            }
            let state = RowState(causalLength: changes[range.lowerBound].causalLength, marker: nil, cells: consume cells)
            result = MergedRow(row: StoredRow(state: state, versions: consume versions, owner: nil))
        }
        let ownerSlot = store.ownerIndex.map { $0 + 1 } ?? -1
        var ownerTouched = false
        for i in range {
            // A remote change is checked (and its value converted if need be) before anything else.
            var slot = 0
            var converted: Change?
            if validating {
                let checked = try Replica.validate(changes, i, store)
                slot = checked.slot
                if checked.converted { converted = try Replica.normalized(changes[i], store.schema) }
            } else if let column = changes[i].column {
                slot = store.slot(of: column) ?? 0
            }
            if validating, let clockBound, changes[i].hlc.isAhead(of: clockBound.wallMillis, by: clockBound.skewMillis) {
                throw ReplicaError.clockAhead(table: store.schema.name, key: changes[i].key,
                                              aheadMillis: changes[i].hlc.millis - clockBound.wallMillis, limitMillis: clockBound.skewMillis)
            }
            state.clock.observe(changes[i].hlc)
            if !siteUnits.isEmpty, unitKnown != changes[i].site {
                if let unit = siteUnits[changes[i].site], try sites.unit(of: changes[i].site) == nil {
                    _ = try sites.index(for: changes[i].site, unit: unit, db)
                }
                // Once a site's unit is known nothing can change it: skip the check while the
                // changes keep coming from that site.
                if try sites.unit(of: changes[i].site) != nil { unitKnown = changes[i].site }
            }
            let lengthBefore = result.row.state.causalLength
            let outcome: MergeOutcome
            if let converted {
                outcome = result.row.state.merge(converted)
            } else {
                outcome = result.row.state.merge(changes[i])
            }
            switch outcome {
            case let .applied(displaced, displacedMarker):
                result.applied += 1
                if let displacedMarker {
                    pending.append(PendingRecord(column: nil, value: .null, stamp: displacedMarker, causalLength: lengthBefore, fate: "superseded"))
                }
                if !displaced.isEmpty {
                    for (column, cell) in displaced.sorted(by: { $0.key < $1.key }) {
                        pending.append(PendingRecord(column: column, value: cell.value, stamp: cell.stamp, causalLength: lengthBefore, fate: "superseded"))
                    }
                }
                result.row.versions[slot] = version
                result.touched = true
                if slot == ownerSlot { ownerTouched = true }
            case .duplicate:
                result.duplicates += 1
            case .lost:
                result.lost += 1
                pending.append(PendingRecord(converted ?? changes[i], fate: "lost"))
            case .stale:
                result.stale += 1
                pending.append(PendingRecord(converted ?? changes[i], fate: "stale"))
            }
        }
        // The owner is remembered from the owner cell; an untouched owner cell already matches it.
        if ownerTouched, case .text(let owner)? = result.row.state.cells[store.columnNames[ownerSlot - 1]]?.value {
            result.row.owner = owner
        }
        return result
    }

    /// Counts a merged row, records its history entries and takes its version.
    private mutating func settle(_ merged: MergedRow, store: TableStore, key: String, version: Int64, _ db: Database) throws {
        report.applied += merged.applied
        report.duplicates += merged.duplicates
        report.lost += merged.lost
        report.stale += merged.stale
        for entry in pending {
            try record(db, store.schema.name, key, entry, version)
        }
        pending.removeAll(keepingCapacity: true)
        guard merged.touched else { return }
        state.version = version
        report.rows += 1
    }

    mutating func record(_ db: Database, _ table: String, _ key: String, _ entry: PendingRecord, _ version: Int64) throws {
        let site = try sites.index(for: entry.stamp.site, unit: nil, db)
        let hlc = Int64(bitPattern: entry.stamp.hlc.rawValue)
        if historyStatement == nil { historyStatement = try db.cachedStatement(sql: historySQL) }
        let statement = historyStatement!
        var bindings = statement.positionalBindings()
        try bindings.add(table)
        try bindings.add(key)
        if let column = entry.column { try bindings.add(column) } else { try bindings.addNull() }
        try bindings.add(entry.value)
        try bindings.add(hlc)
        try bindings.add(site)
        try bindings.add(Int64(entry.causalLength))
        try bindings.add(version)
        try bindings.add(entry.fate)
        try bindings.add(table)
        try bindings.add(key)
        if let column = entry.column { try bindings.add(column) } else { try bindings.addNull() }
        try bindings.add(hlc)
        try bindings.add(site)
        try statement.execute()
    }

    // MARK: Statements

    private enum Kind: Int { case select, insert, insertNew, upsert }

    private struct TableStatements {
        let table: String
        var prepared: [Statement?] = [nil, nil, nil, nil]
    }

    private mutating func statementIndex(for store: TableStore) throws -> Int {
        let name = store.schema.name
        if let index = statements.firstIndex(where: { $0.table == name }) { return index }
        statements.append(TableStatements(table: name))
        return statements.count - 1
    }

    private mutating func statement(_ table: Int, _ kind: Kind, _ store: TableStore, _ db: Database) throws -> Statement {
        if let statement = statements[table].prepared[kind.rawValue] { return statement }
        let sql: String
        switch kind {
        case .select: sql = store.selectSQL
        case .insert: sql = store.insertSQL
        case .insertNew: sql = store.insertNewSQL
        case .upsert: sql = store.upsertSQL
        }
        let statement = try db.cachedStatement(sql: sql)
        statements[table].prepared[kind.rawValue] = statement
        return statement
    }
}

/// A history entry waiting for its row's merge to settle.
struct PendingRecord {
    var column: String?
    var value: Value
    var stamp: Stamp
    var causalLength: UInt64
    var fate: String

    init(column: String?, value: Value, stamp: Stamp, causalLength: UInt64, fate: String) {
        self.column = column
        self.value = value
        self.stamp = stamp
        self.causalLength = causalLength
        self.fate = fate
    }

    init(_ change: Change, fate: String) {
        self.init(column: change.column, value: change.value, stamp: change.stamp, causalLength: change.causalLength, fate: fate)
    }
}

/// The wall-clock time of a merge and the skew it allows remote stamps.
struct ClockBound {
    var wallMillis: UInt64
    var skewMillis: UInt64
}
