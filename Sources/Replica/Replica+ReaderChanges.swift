import CRDT
import GRDB
import ReformData

extension Replica {
    /// The page ``changes(after:limit:filter:excludingSite:maxRows:_:)`` reads with `policy`'s
    /// filter — the same changes, `next` and `more`, byte for byte — without reading the rows
    /// `policy`'s unit may not read.
    ///
    /// A hub holds every unit's rows, and a unit reads its own and the shared ones: a new node's
    /// first pull used to read all of the province's rows to skip most of them (20,000 of 21,000 in
    /// `bench hub`). Here each table's rows are selected by what the unit may read — all rows of
    /// `everyone` tables; rows whose owner is the unit or a predecessor, through the hub's index on
    /// (owner, `_v`) (``Migrations``); and for `assigned` tables also the keys of its tasks — and
    /// merged by version as before. The page is still cut where Protocol §8.4 says, after at most
    /// `maxRows` rows *of any unit*: where that bound falls is found from the version indexes
    /// alone (``rowBoundary(after:rows:current:_:)``), without reading the rows.
    public func changes(after cursor: ChangeCursor, limit: Int, readableBy policy: ReadPolicy, excludingSite: SiteID? = nil,
                        maxRows: Int? = nil, _ db: Database) throws -> ChangePage {
        let sites = try SiteTable.load(db)
        let rowLimit = max(1, limit, maxRows ?? 0)
        let current = try Int64.fetchOne(db.cachedStatement(sql: "SELECT version FROM _rs_state WHERE id = 1")) ?? cursor.position
        let boundary = try rowBoundary(after: cursor.position, rows: rowLimit, current: current, db)
        var streams: [VersionStream] = []
        for table in schema.tables {
            if let stream = try readableStream(stores[table.name]!, policy: policy, after: cursor.position, rows: rowLimit, db) {
                streams.append(stream)
            }
        }
        let filter: RowFilter = { policy.mayRead($0, key: $1, owner: $2) }
        var changes: [Change] = []
        var siteUnits: [SiteID: String] = [:]
        var position = cursor.position
        let excluding = try excludingSite.flatMap { site in try sites.index(of: site).map { (site, $0) } }
        while changes.count < limit && !streams.isEmpty {
            let next = VersionStream.lowest(streams)
            // The rows of other units up to here, with the readable ones, make `maxRows`: the
            // sweep stops at the boundary, as it did reading them all.
            if let boundary, streams[next].version > boundary { break }
            position = streams[next].version
            try streams[next].appendChanges(cursor: cursor, sites: sites, excluding: excluding, filter: filter, to: &changes, siteUnits: &siteUnits)
            if try !streams[next].step() { streams.remove(at: next) }
        }
        if changes.count < limit, let boundary {
            // `maxRows` rows examined, the last one at the boundary (another unit's, most often).
            return Self.page(changes, siteUnits, cursor: cursor, position: boundary, exhausted: false, current: current)
        }
        // Full, or every row after the position read (fewer than `maxRows` of them): as the sweep.
        return Self.page(changes, siteUnits, cursor: cursor, position: position, exhausted: changes.count < limit, current: current)
    }

    /// The version of the `rows`-th row after `position` over all tables, whoever owns it: where a
    /// sweep of at most `rows` rows stops. Nil when fewer rows follow.
    ///
    /// Each row carries a version of its own (a version is given to one row, ``MergeContext``), so
    /// no more than `current − position` rows follow the position: the usual pull, near the head,
    /// asks nothing. Otherwise the tables' version indexes are merged in SQLite (a compound SELECT
    /// in version order), reading index entries only.
    func rowBoundary(after position: Int64, rows: Int, current: Int64, _ db: Database) throws -> Int64? {
        guard current > position, current - position >= Int64(rows) else { return nil }
        let arms = schema.tables.map { "SELECT _v FROM \(SQL.quote($0.name)) WHERE _v > ?1" }
        return try Int64.fetchOne(db.cachedStatement(sql: arms.joined(separator: " UNION ALL ") + " ORDER BY 1 LIMIT 1 OFFSET ?2"),
                                  arguments: [position, rows - 1])
    }

    /// A table's rows after `position` that `policy`'s unit may read, or some more (the page's
    /// filter decides), in version order; nil when there are none.
    private func readableStream(_ store: TableStore, policy: ReadPolicy, after position: Int64, rows: Int,
                                _ db: Database) throws -> VersionStream? {
        let owners = [policy.unit] + policy.predecessors.sorted()
        var keys: [String] = []
        switch store.schema.readScope {
        case .everyone:
            return try VersionStream(store: store, sql: store.changesSQL, db) { bindings in
                try bindings.add(position)
                try bindings.add(Int64(rows))
            }
        case .owner:
            break
        case .assigned:
            // Beyond a few hundred tasks, one condition per key costs more than reading the table.
            if policy.assignedTasks.count > Self.maxKeysInQuery {
                return try VersionStream(store: store, sql: store.changesSQL, db) { bindings in
                    try bindings.add(position)
                    try bindings.add(Int64(rows))
                }
            }
            keys = policy.assignedTasks.sorted()
        }
        guard store.schema.ownerColumn != nil || !keys.isEmpty else { return nil }  // no row is anybody's
        return try VersionStream(store: store, sql: store.readableChangesSQL(owners: store.schema.ownerColumn == nil ? 0 : owners.count, keys: keys.count), db) { bindings in
            if store.schema.ownerColumn != nil { for owner in owners { try bindings.add(owner) } }
            for key in keys { try bindings.add(key) }
            try bindings.add(position)
            try bindings.add(Int64(rows))
        }
    }

    /// Who may read the rows changed after `version` (Protocol §18.3): whether a shared row
    /// changed, and the owners (and, for `assigned` tables, the keys) of the others. Reads the
    /// changed rows only, through the version indexes; beyond `maxRows` of them it answers
    /// ``ChangeAudience/everyone`` rather than read on.
    public func audience(ofRowsAfter version: Int64, maxRows: Int = 5_000, _ db: Database) throws -> ChangeAudience {
        var audience = ChangeAudience.nobody
        var rows = 0
        for table in schema.tables {
            let name = SQL.quote(table.name)
            switch table.readScope {
            case .everyone:
                if try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM \(name) WHERE _v > ? LIMIT 1"), arguments: [version]) != nil {
                    return .everyone
                }
            case .owner, .assigned:
                let owner = table.ownerColumn.map(SQL.quote) ?? "NULL"
                let statement = try db.cachedStatement(sql: "SELECT \(owner), id FROM \(name) WHERE _v > ? LIMIT ?")
                let cursor = try Row.fetchCursor(statement, arguments: [version, maxRows - rows + 1])
                while let row = try cursor.next() {
                    rows += 1
                    if rows > maxRows { return .everyone }
                    if let owner: String = row[0] { audience.owners.insert(owner) }
                    if table.readScope == .assigned { audience.assignedKeys.insert(row[1]) }
                }
            }
        }
        return audience
    }

    /// Keys of assigned rows looked up one by one at most (``readableStream(_:policy:after:rows:_:)``).
    static let maxKeysInQuery = 200
}

extension TableStore {
    /// ``changesSQL`` limited to rows whose owner is one of `owners` bound values, or whose key is
    /// one of `keys` bound values: `... WHERE (owner IN (?…) OR id IN (?…)) AND _v > ? ORDER BY _v LIMIT ?`.
    /// With one owner SQLite walks the index on (owner, `_v`) in order; with more it sorts what
    /// it finds, which is still only the unit's rows.
    func readableChangesSQL(owners: Int, keys: Int) -> String {
        if owners == 1 && keys == 0 && schema.ownerColumn != nil { return readableByOwnerSQL }
        var conditions: [String] = []
        if owners > 0, let owner = schema.ownerColumn {
            conditions.append("\(SQL.quote(owner)) IN (\(Array(repeating: "?", count: owners).joined(separator: ", ")))")
        }
        if keys > 0 { conditions.append("id IN (\(Array(repeating: "?", count: keys).joined(separator: ", ")))") }
        return changesSelect + " WHERE (\(conditions.joined(separator: " OR "))) AND _v > ? ORDER BY _v LIMIT ?"
    }
}
