import CRDT
import Foundation
import GRDB
import GRDBSQLite
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

    /// - Parameters:
    ///   - excludingSite: leave out changes stamped by this site (a node pulling from the
    ///     hub already has its own); rows written only by it are skipped without being decoded.
    ///   - maxRows: rows examined at most (default `limit`). A hub reading for one unit of many
    ///     passes more: rows the filter or `excludingSite` leaves out cost little, and a page that
    ///     sweeps past them saves the reader a round trip per `limit` rows (Protocol §18.2).
    public func changes(after cursor: ChangeCursor, limit: Int, filter: RowFilter?, excludingSite: SiteID? = nil,
                        maxRows: Int? = nil, _ db: Database) throws -> ChangePage {
        let sites = try SiteTable.load(db)
        let rowLimit = max(1, limit, maxRows ?? 0)
        // Each table's rows after the position, in version order, as a stream read straight from
        // its statement; the page takes the row with the smallest version among the streams' heads.
        var streams: [VersionStream] = []
        for table in schema.tables {
            let store = stores[table.name]!
            if let stream = try VersionStream(store: store, sql: store.changesSQL, db, bind: { bindings in
                try bindings.add(cursor.position)
                try bindings.add(Int64(rowLimit))
            }) { streams.append(stream) }
        }
        var changes: [Change] = []
        var siteUnits: [SiteID: String] = [:]
        var position = cursor.position
        let excluding = try excludingSite.flatMap { site in try sites.index(of: site).map { (site, $0) } }
        var rows = 0
        while rows < rowLimit && changes.count < limit && !streams.isEmpty {
            let next = VersionStream.lowest(streams)
            position = streams[next].version
            rows += 1
            try streams[next].appendChanges(cursor: cursor, sites: sites, excluding: excluding, filter: filter, to: &changes, siteUnits: &siteUnits)
            if try !streams[next].step() { streams.remove(at: next) }
        }
        let current = try Int64.fetchOne(db.cachedStatement(sql: "SELECT version FROM _rs_state WHERE id = 1")) ?? position
        // The streams ran dry before the page was full (each reads at most `rowLimit` rows): every
        // row after the position was read, and the reader is up to date even if the last versions
        // belong to no row any more (a refused record discarded from the quarantine) — it must not
        // be told to ask for a page that can never come.
        let exhausted = streams.isEmpty && rows < rowLimit && changes.count < limit
        return Self.page(changes, siteUnits, cursor: cursor, position: position, exhausted: exhausted, current: current)
    }

    /// The page's cursor and `hasMore`, from where the sweep stopped (``changes(after:limit:filter:excludingSite:maxRows:_:)``).
    static func page(_ changes: [Change], _ siteUnits: [SiteID: String], cursor: ChangeCursor, position: Int64,
                     exhausted: Bool, current: Int64) -> ChangePage {
        let hasMore = !exhausted && position < current
        let next = hasMore ? ChangeCursor(baseline: cursor.baseline, position: position)
            : ChangeCursor(max(exhausted ? current : position, cursor.position))
        return ChangePage(changes: changes, siteUnits: siteUnits, next: next, hasMore: hasMore)
    }
}

/// One table's rows after a position, in version order: the statement that steps them, and the
/// version of the row it stands on. A class: the page steps and reads it in place, where a struct
/// holding the ``TableStore`` was copied (retained and released) at every row.
final class VersionStream {
    let store: TableStore
    let statement: Statement
    let versions: FastDatabaseValueCursor<Int64>
    private(set) var version: Int64

    /// The stream of `sql` (selecting ``TableStore/changesSQL``'s columns) with what `bind` binds,
    /// standing on its first row; nil when it selects none.
    init?(store: TableStore, sql: String, _ db: Database, bind: (inout PositionalBindings) throws -> Void) throws {
        let statement = try db.cachedStatement(sql: sql)
        var bindings = statement.positionalBindings()
        try bind(&bindings)
        let versions = try Int64.fetchCursor(statement)
        guard let version = try versions.next() else { return nil }
        self.store = store
        self.statement = statement
        self.versions = versions
        self.version = version
    }

    /// Moves to the next row; false when there is none.
    func step() throws -> Bool {
        guard let next = try versions.next() else { return false }
        version = next
        return true
    }

    /// See ``TableStore/appendChanges(of:version:cursor:sites:excluding:filter:to:siteUnits:)``.
    func appendChanges(cursor: ChangeCursor, sites: SiteTable, excluding: (site: SiteID, index: Int64)?, filter: RowFilter?,
                       to changes: inout [Change], siteUnits: inout [SiteID: String]) throws {
        try store.appendChanges(of: statement.sqliteStatement, version: version, cursor: cursor, sites: sites, excluding: excluding,
                                filter: filter, to: &changes, siteUnits: &siteUnits)
    }

    /// The index of the stream with the lowest version (the first one on a tie: versions are unique per row).
    static func lowest(_ streams: [VersionStream]) -> Int {
        var next = 0
        for i in streams.indices.dropFirst() where streams[i].version < streams[next].version { next = i }
        return next
    }
}

extension TableStore {
    /// Appends the changes of the row `statement` stands on (selected by ``changesSQL``) that a
    /// reader at `cursor` has not received: the row marker first, then fields by name — the order
    /// of `RowState.changes`. Reads the columns straight from SQLite: no `Row`, no `RowState`.
    func appendChanges(of statement: SQLiteStatement, version: Int64, cursor: ChangeCursor, sites: SiteTable,
                       excluding: (site: SiteID, index: Int64)?, filter: RowFilter?,
                       to changes: inout [Change], siteUnits: inout [SiteID: String]) throws {
        let clockBytes = UnsafeRawBufferPointer(start: sqlite3_column_blob(statement, 4), count: Int(sqlite3_column_bytes(statement, 4)))
        if let excluding, ClockBlob.onlySite(excluding.index, in: clockBytes) { return }
        let key = Self.text(statement, 1)
        let owner: String? = ownerIndex.flatMap { sqlite3_column_type(statement, CInt(5 + $0)) == SQLITE_NULL ? nil : Self.text(statement, CInt(5 + $0)) }
        if let filter, !filter(schema, key, owner) { return }
        let causalLength = UInt64(sqlite3_column_int64(statement, 2))
        let rowHLC = UInt64(bitPattern: sqlite3_column_int64(statement, 3))
        guard let clocks = ClockBlob.decode(clockBytes, count: slotCount, rowHLC: rowHLC, rowVersion: version) else {
            throw ReplicaError.corrupt("clock data of \(schema.name) '\(key)' cannot be read")
        }
        // When the owner changed since the baseline, the row may be new to this reader (a task
        // handed to another unit): send all of it, not only the fields that changed.
        let wholeRow = ownerIndex.flatMap { clocks[$0 + 1]?.version }.map { $0 > cursor.baseline } ?? false
        for slot in slotsByName {
            guard let clock = clocks[slot], clock.version > cursor.baseline || wholeRow else { continue }
            let site = try sites.site(clock.site)
            if let excluding, excluding.site == site { continue }
            let stamp = Stamp(hlc: HLC(rawValue: clock.hlc), site: site)
            if slot == 0 {
                changes.append(Change(table: schema.name, key: key, column: nil, value: .null, stamp: stamp, causalLength: causalLength))
            } else {
                changes.append(Change(table: schema.name, key: key, column: columnNames[slot - 1], value: Self.value(statement, CInt(4 + slot)),
                                      stamp: stamp, causalLength: causalLength))
            }
            if siteUnits[site] == nil, let unit = try sites.unit(of: site) { siteUnits[site] = unit }
        }
    }

    static func text(_ statement: SQLiteStatement, _ index: CInt) -> String {
        guard let bytes = sqlite3_column_text(statement, index) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, index))), as: UTF8.self)
    }

    /// A stored value as `value(_:)` reads it from a `DatabaseValue`.
    static func value(_ statement: SQLiteStatement, _ index: CInt) -> Value {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, index))
        case SQLITE_BLOB:
            let bytes = UnsafeRawBufferPointer(start: sqlite3_column_blob(statement, index), count: Int(sqlite3_column_bytes(statement, index)))
            return .text(String(decoding: bytes, as: UTF8.self))
        default: return .text(text(statement, index))
        }
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
        for change in changes { if let unit = try sites.unit(of: change.site) { units[change.site] = unit } }
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
