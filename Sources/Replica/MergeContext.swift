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
/// Every mutation — local write or remote merge — goes through ``mergeRow(_:store:key:changes:siteUnits:)``,
/// so data, clocks, versions and history always change together.
struct MergeContext {
    var state: ReplicaState
    var sites: SiteTable
    var report = ApplyReport()
    let historySQL = """
        INSERT INTO _rs_history(tbl, key, col, value, hlc, site, cl, version, fate)
        SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
        WHERE NOT EXISTS (SELECT 1 FROM _rs_history WHERE tbl = ? AND key = ? AND col IS ? AND hlc = ? AND site = ?)
        """

    static func begin(_ db: Database) throws -> MergeContext {
        MergeContext(state: try ReplicaState.load(db), sites: try SiteTable.load(db))
    }

    mutating func finish(_ db: Database) throws -> ApplyReport {
        try state.saveCounters(db)
        report.version = state.version
        return report
    }

    /// Merges the changes of one row (all with the same table and key) and stores the result.
    mutating func mergeRow(_ db: Database, store: TableStore, key: String, changes: some Collection<Change>,
                           existing: StoredRow?? = nil, siteUnits: [SiteID: String]) throws {
        let loaded = try existing ?? store.load(db, key: key, sites: sites)
        var row = loaded ?? StoredRow.empty(slots: store.slotCount)
        var touched: [Int] = []
        let version = state.version + 1
        for change in changes {
            state.clock.observe(change.hlc)
            if let unit = siteUnits[change.site], sites.units[change.site] == nil {
                _ = try sites.index(for: change.site, unit: unit, db)
            }
            let lengthBefore = row.state.causalLength
            let outcome = row.state.merge(change)
            switch outcome {
            case let .applied(displaced, displacedMarker):
                report.applied += 1
                if let displacedMarker {
                    try record(db, store.schema.name, key, nil, .null, displacedMarker, lengthBefore, version, "superseded")
                }
                for (column, cell) in displaced.sorted(by: { $0.key < $1.key }) {
                    try record(db, store.schema.name, key, column, cell.value, cell.stamp, lengthBefore, version, "superseded")
                }
                let slot = change.column.flatMap { store.schema.columnIndex($0).map { $0 + 1 } } ?? 0
                touched.append(slot)
            case .duplicate:
                report.duplicates += 1
            case .lost:
                report.lost += 1
                try record(db, store.schema.name, key, change.column, change.value, change.stamp, change.causalLength, version, "lost")
            case .stale:
                report.stale += 1
                try record(db, store.schema.name, key, change.column, change.value, change.stamp, change.causalLength, version, "stale")
            }
        }
        guard !touched.isEmpty else { return }
        state.version = version
        for slot in touched { row.versions[slot] = version }
        if let ownerIndex = store.ownerIndex, case .text(let owner)? = row.state.cells[store.schema.columns[ownerIndex].name]?.value {
            row.owner = owner
        }
        try store.save(db, key: key, row: row, isNew: loaded == nil, sites: &sites)
        report.rows += 1
    }

    private mutating func record(_ db: Database, _ table: String, _ key: String, _ column: String?, _ value: Value,
                                 _ stamp: Stamp, _ causalLength: UInt64, _ version: Int64, _ fate: String) throws {
        let site = try sites.index(for: stamp.site, unit: nil, db)
        let hlc = Int64(bitPattern: stamp.hlc.rawValue)
        try db.cachedStatement(sql: historySQL).execute(arguments: [
            table, key, column, TableStore.databaseValue(value), hlc, site, Int64(causalLength), version, fate,
            table, key, column, hlc, site,
        ])
    }
}
