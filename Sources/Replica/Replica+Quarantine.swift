import CRDT
import GRDB

/// What `quarantine retry` or `quarantine discard` did.
public struct QuarantineResolution: Sendable, Equatable {
    /// Entries taken out of the quarantine.
    public var entries = 0
    /// Retry: rows given a new local version, so the next sync pushes them again.
    /// Discard: rows whose refused fields went back to their previous values.
    public var rows = 0
    /// Entries whose change was already replaced by a later write (nothing to send or revert).
    public var superseded = 0
}

extension Replica {
    /// Sends refused changes to the hub again at the next sync (after the hub's rules, the unit's
    /// data or the clock changed). Every entry of the same record is retried with the named one,
    /// so a creation travels whole. If the hub refuses again, the changes come back to the
    /// quarantine with the hub's new reason.
    ///
    /// - Parameter ids: entries as `quarantine list` numbers them; nil: all of them.
    @discardableResult
    public func retryQuarantined(ids: [Int64]?) throws -> QuarantineResolution {
        try writer.write { db in
            var context = try MergeContext.begin(db)
            var resolution = QuarantineResolution()
            for (table, key, entries) in try quarantinedRows(ids: ids, db) {
                let store = try store(table)
                guard var row = try store.load(db, key: key, sites: context.sites) else {
                    resolution.superseded += entries.count
                    continue
                }
                let version = context.state.version + 1
                var touched = false
                for entry in entries {
                    guard let slot = currentSlot(of: entry, in: row, store: store) else { resolution.superseded += 1; continue }
                    row.versions[slot] = version
                    touched = true
                }
                if touched {
                    try store.save(db, key: key, row: row, isNew: false, sites: &context.sites)
                    context.state.version = version
                    resolution.rows += 1
                }
            }
            resolution.entries = try deleteQuarantined(ids: ids, db)
            _ = try context.finish(db)
            return resolution
        }
    }

    /// Accepts the hub's refusal: takes the entries out of the quarantine, puts each refused field
    /// back to the value it held before (removes a refused creation; brings back a record whose
    /// refused deletion is discarded), and records the refused change in the history with fate
    /// `discarded`. Nothing is sent: the hub never accepted these changes, so no other replica
    /// holds them.
    ///
    /// - Parameter ids: entries as `quarantine list` numbers them; nil: all of them.
    @discardableResult
    public func discardQuarantined(ids: [Int64]?) throws -> QuarantineResolution {
        try writer.write { db in
            var context = try MergeContext.begin(db)
            var resolution = QuarantineResolution()
            for (table, key, entries) in try quarantinedRows(ids: ids, db) {
                let store = try store(table)
                let version = context.state.version + 1
                for entry in entries {
                    try context.record(db, table, key, PendingRecord(column: entry.column, value: entry.value,
                                                                     stamp: Stamp(hlc: entry.hlc, site: SiteID(entry.site) ?? site),
                                                                     causalLength: 0, fate: "discarded"), version)
                }
                guard let row = try store.load(db, key: key, sites: context.sites) else { resolution.superseded += entries.count; continue }
                let current = entries.filter { currentSlot(of: $0, in: row, store: store) != nil }
                resolution.superseded += entries.count - current.count
                guard !current.isEmpty else { continue }
                // Only a row brought back to its previous life takes a new version (its restored
                // cells are sent again, harmlessly); a version no row carries would stall the pager.
                if try revert(current, of: row, store: store, key: key, version: version, db, &context) {
                    context.state.version = version
                }
                resolution.rows += 1
            }
            resolution.entries = try deleteQuarantined(ids: ids, db)
            _ = try context.finish(db)
            return resolution
        }
    }

    // MARK: - Helpers

    /// The quarantined entries grouped by record: the named ones and every other entry of their records.
    private func quarantinedRows(ids: [Int64]?, _ db: Database) throws -> [(String, String, [QuarantinedChange])] {
        let select = "SELECT rowid, tbl, key, col, value, hlc, site, code, reason, refused_at FROM _rs_quarantine"
        var entries: [QuarantinedChange]
        if let ids {
            let named = try ids.map { id -> QuarantinedChange in
                guard let row = try Row.fetchOne(db, sql: select + " WHERE rowid = ?", arguments: [id]) else {
                    throw ReplicaError.notFound(table: "quarantine", key: String(id))
                }
                return QuarantinedChange(row: row)
            }
            entries = []
            for record in Set(named.map { [$0.table, $0.key] }) {
                entries += try Row.fetchAll(db, sql: select + " WHERE tbl = ? AND key = ?", arguments: [record[0], record[1]]).map(QuarantinedChange.init(row:))
            }
        } else {
            entries = try Row.fetchAll(db, sql: select).map(QuarantinedChange.init(row:))
        }
        let grouped = Dictionary(grouping: entries) { [$0.table, $0.key] }
        return grouped.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { ($0[0], $0[1], grouped[$0]!) }
    }

    /// Deletes the named entries and the other entries of their records (all entries when nil).
    private func deleteQuarantined(ids: [Int64]?, _ db: Database) throws -> Int {
        guard let ids else {
            try db.execute(sql: "DELETE FROM _rs_quarantine")
            return db.changesCount
        }
        var deleted = 0
        for id in ids {
            try db.execute(sql: "DELETE FROM _rs_quarantine WHERE (tbl, key) IN (SELECT tbl, key FROM _rs_quarantine WHERE rowid = ?)", arguments: [id])
            deleted += db.changesCount
        }
        return deleted
    }

    /// The slot still holding the refused change (same stamp), or nil when a later write replaced it.
    private func currentSlot(of entry: QuarantinedChange, in row: StoredRow, store: TableStore) -> Int? {
        let stamp = Stamp(hlc: entry.hlc, site: SiteID(entry.site) ?? site)
        guard let column = entry.column else { return row.state.marker == stamp ? 0 : nil }
        guard let slot = store.slot(of: column), row.state.cells[column]?.stamp == stamp else { return nil }
        return slot
    }

    /// Puts refused fields back to their previous values, or the row back to its previous life.
    /// Returns whether the row took `version`.
    private func revert(_ entries: [QuarantinedChange], of stored: StoredRow, store: TableStore, key: String, version: Int64,
                        _ db: Database, _ context: inout MergeContext) throws -> Bool {
        var tookVersion = false
        var row = stored
        let table = store.schema.name
        if entries.contains(where: { $0.column == nil }) {
            // The refused change made this life (a creation or a deletion): go back to the life before.
            let previous = row.state.causalLength - 1
            guard previous > 0 else {
                try db.execute(sql: "DELETE FROM \(SQL.quote(table)) WHERE id = ?", arguments: [key])
                return false
            }
            tookVersion = true
            let marker = try previousStamp(table, key, column: nil, causalLength: previous, below: nil, db, context.sites)
            var cells: [String: Cell] = [:]
            var versions = [Int64?](repeating: nil, count: store.slotCount)
            versions[0] = version
            for column in store.columnNames {
                guard let cell = try previousCell(table, key, column: column, causalLength: previous, below: nil, db, context.sites) else { continue }
                cells[column] = cell
                versions[store.slot(of: column)!] = version
            }
            row.state = RowState(causalLength: previous, marker: marker?.stamp, cells: cells)
            row.versions = versions
        } else {
            var cells = row.state.cells
            for entry in entries {
                guard let column = entry.column, let slot = store.slot(of: column) else { continue }
                if let cell = try previousCell(table, key, column: column, causalLength: row.state.causalLength, below: entry.hlc, db, context.sites) {
                    cells[column] = cell
                } else {
                    cells[column] = nil
                    row.versions[slot] = nil
                }
            }
            row.state = RowState(causalLength: row.state.causalLength, marker: row.state.marker, cells: cells)
        }
        try store.save(db, key: key, row: row, isNew: false, sites: &context.sites)
        return tookVersion
    }

    /// The latest superseded value of a field (nil column: the marker) at a causal length, from the history.
    private func previousCell(_ table: String, _ key: String, column: String?, causalLength: UInt64, below: HLC?,
                              _ db: Database, _ sites: SiteTable) throws -> Cell? {
        try previousStamp(table, key, column: column, causalLength: causalLength, below: below, db, sites)
            .map { Cell(value: $0.value, stamp: $0.stamp) }
    }

    private func previousStamp(_ table: String, _ key: String, column: String?, causalLength: UInt64, below: HLC?,
                               _ db: Database, _ sites: SiteTable) throws -> (value: Value, stamp: Stamp)? {
        let limit = Int64(bitPattern: (below ?? .max).rawValue)
        guard let row = try Row.fetchOne(db, sql: """
            SELECT value, hlc, site FROM _rs_history WHERE tbl = ? AND key = ? AND col IS ? AND cl = ? AND fate = 'superseded'
                AND (hlc < ? OR ? < 0) ORDER BY hlc DESC, site DESC LIMIT 1
            """, arguments: [table, key, column, Int64(causalLength), limit, limit]) else { return nil }
        return (TableStore.value(row[0]), Stamp(hlc: HLC(rawValue: UInt64(bitPattern: row[1] as Int64)), site: try sites.site(row[2])))
    }
}
