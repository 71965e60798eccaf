import CRDT
import Foundation
import GRDB
import ReformData

/// Where a reader stands in a replica's change stream.
///
/// A row is stored once, with one version per field, and moves to a higher version whenever it
/// changes. A reader therefore sweeps rows by version (`position`) and takes every field newer
/// than the version it had fully caught up to (`baseline`): a row that moved ahead of the sweep
/// while the reader was paging still brings its older fields along when the sweep reaches it.
/// When a page says there is no more, the next cursor is `(position, position)`.
///
/// See `Protocol/README.md`, "Cursors".
public struct ChangeCursor: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Every field changed at or before this version was received.
    public var baseline: Int64
    /// Every row whose version is at or before this one was swept.
    public var position: Int64

    public init(baseline: Int64, position: Int64) {
        self.baseline = baseline
        self.position = max(baseline, position)
    }

    /// A reader that is caught up to `version`.
    public init(_ version: Int64) { self.init(baseline: version, position: version) }

    public static let start = ChangeCursor(0)

    public var description: String { baseline == position ? "\(position)" : "\(baseline)..\(position)" }
}

/// A bounded page of changes, in local version order, with the cursor to continue from.
public struct ChangePage: Sendable {
    public var changes: [Change]
    /// The unit of every site that appears in `changes`, for the receiver's audit trail.
    public var siteUnits: [SiteID: String]
    /// Pass this to get the next page.
    public var next: ChangeCursor
    /// Whether more changes may follow.
    public var hasMore: Bool
}

/// Decides which rows a reader may receive (the hub's per-unit read policy).
///
/// Called with the table, the row key and the row's owner (the value of its owner column,
/// remembered even on deleted rows).
public typealias RowFilter = @Sendable (TableSchema, String, String?) -> Bool

extension Replica {
    /// Changes made or merged after `cursor`, at most about `limit` per page.
    ///
    /// Only the current state is sent (the winning value of each field and the row marker), so a
    /// field edited many times costs one change. Rows are never split across pages.
    public func changes(after cursor: ChangeCursor = .start, limit: Int = 10_000, filter: RowFilter? = nil) throws -> ChangePage {
        try writer.read { db in try changes(after: cursor, limit: limit, filter: filter, db) }
    }

    /// - Parameter excludingSite: leave out changes stamped by this site (a node pulling from the
    ///   hub already has its own); rows written only by it are skipped without being decoded.
    public func changes(after cursor: ChangeCursor, limit: Int, filter: RowFilter?, excludingSite: SiteID? = nil,
                        _ db: Database) throws -> ChangePage {
        let sites = try SiteTable.load(db)
        let rowLimit = max(1, limit)
        // The first `rowLimit` rows after the position across all tables are among the first
        // `rowLimit` rows of each table: fetch those and merge them by version.
        var candidates: [(version: Int64, store: TableStore, row: Row)] = []
        for table in schema.tables {
            let store = stores[table.name]!
            let columns = (table.columns.map { SQL.quote($0.name) } + ["_cl", "_hlc", "_v", "_clk"]).joined(separator: ", ")
            let statement = try db.cachedStatement(sql: "SELECT id, \(columns) FROM \(SQL.quote(table.name)) WHERE _v > ? ORDER BY _v LIMIT ?")
            let versionIndex = table.columns.count + 3
            for row in try Row.fetchAll(statement, arguments: [cursor.position, rowLimit]) {
                candidates.append((row[versionIndex], store, row))
            }
        }
        candidates.sort { $0.version < $1.version }
        var changes: [Change] = []
        var siteUnits: [SiteID: String] = [:]
        var position = cursor.position
        let excludedIndex = excludingSite.flatMap { sites.byID[$0] }
        for candidate in candidates.prefix(rowLimit) {
            if changes.count >= limit { break }
            let table = candidate.store.schema
            let key: String = candidate.row[0]
            position = candidate.version
            if let excludedIndex, ClockBlob.onlySite(excludedIndex, in: candidate.row[table.columns.count + 4] as Data) { continue }
            let stored = try candidate.store.decode(candidate.row, key: key, sites: sites, offset: 1)
            if let filter, !filter(table, key, stored.owner) { continue }
            // When the owner changed since the baseline, the row may be new to this reader (a task
            // handed to another unit): send all of it, not only the fields that changed.
            let ownerSlot = candidate.store.ownerIndex.map { $0 + 1 }
            let wholeRow = ownerSlot.flatMap { stored.versions[$0] }.map { $0 > cursor.baseline } ?? false
            for change in stored.state.changes(table: table.name, key: key) where change.site != excludingSite {
                let slot = change.column.flatMap { table.columnIndex($0).map { $0 + 1 } } ?? 0
                guard let version = stored.versions[slot], version > cursor.baseline || wholeRow else { continue }
                changes.append(change)
                if siteUnits[change.site] == nil, let unit = sites.units[change.site] { siteUnits[change.site] = unit }
            }
        }
        let current = try Int64.fetchOne(db, sql: "SELECT version FROM _rs_state WHERE id = 1") ?? position
        let hasMore = position < current
        let next = hasMore ? ChangeCursor(baseline: cursor.baseline, position: position) : ChangeCursor(max(position, cursor.position))
        return ChangePage(changes: changes, siteUnits: siteUnits, next: next, hasMore: hasMore)
    }
}

extension Replica {
    /// Every change that makes up a row's current state (for a reader that just gained access to it).
    public func rowChanges(_ table: String, key: String, _ db: Database) throws -> (changes: [Change], siteUnits: [SiteID: String]) {
        let store = try store(table)
        let sites = try SiteTable.load(db)
        guard let stored = try store.load(db, key: key, sites: sites) else { return ([], [:]) }
        let changes = stored.state.changes(table: table, key: key)
        var units: [SiteID: String] = [:]
        for change in changes { if let unit = sites.units[change.site] { units[change.site] = unit } }
        return (changes, units)
    }

    /// Records the owner of a deleted row that carries none (created and deleted before it was
    /// ever synced), so later pulls deliver the tombstone to that unit and only to it.
    public func rememberOwner(_ table: String, key: String, owner: String, _ db: Database) throws {
        let store = try store(table)
        guard let column = store.schema.ownerColumn else { return }
        try db.execute(sql: "UPDATE \(SQL.quote(table)) SET \(SQL.quote(column)) = ? WHERE id = ? AND \(SQL.quote(column)) IS NULL AND _cl % 2 = 0",
                       arguments: [owner, key])
    }
}
