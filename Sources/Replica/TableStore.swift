import CRDT
import Foundation
import GRDB
import ReformData

/// Reads and writes the rows of one replicated table.
///
/// A data table holds the visible value of each declared column plus four bookkeeping columns:
/// `_cl` (causal length), `_hlc` and `_v` (the greatest HLC and local version in the row) and
/// `_clk` (the per-slot clocks, see ``ClockBlob``). All SQL is built from the declared schema.
///
/// The merge path binds arguments and reads columns straight from GRDB's prepared statements
/// (``Statement/sqliteStatement``): building `StatementArguments` and `Row`s cost several times
/// what SQLite itself spends on a row. A class, immutable: handed from row to row and page to
/// page without copying (and retaining) its arrays and strings each time.
final class TableStore: Sendable {
    let schema: TableSchema
    let slotCount: Int
    let ownerIndex: Int?
    /// Column names by position, and their UTF-8 lengths (a cheap first test in ``slot(of:)``).
    let columnNames: [String]
    let columnLengths: [Int]
    let columnTypes: [ColumnType]
    /// Slot 0 (the row marker), then the column slots in the order of their names: the order in
    /// which a change page lists a row's changes.
    let slotsByName: [Int]
    /// `SELECT _cl, _hlc, _v, _clk, columns... WHERE id = ?` (see ``load(_:key:sites:)``).
    let selectSQL: String
    let insertSQL: String
    /// The INSERT for a row believed new: a row that exists after all is left alone and reported
    /// by `changesCount == 0`, and the merge falls back to load, merge and upsert.
    let insertNewSQL: String
    let upsertSQL: String
    /// `SELECT _v, id, _cl, _hlc, _clk, columns... WHERE _v > ? ORDER BY _v LIMIT ?`: the rows a
    /// change page reads, decoded by ``appendChanges(of:version:cursor:sites:excluding:filter:to:siteUnits:)``.
    let changesSQL: String
    /// ``changesSQL`` up to its WHERE clause (``readableChangesSQL(owners:keys:)`` adds another).
    let changesSelect: String
    /// ``readableChangesSQL(owners:keys:)`` for one owner and no keys, the usual pull's (built once).
    let readableByOwnerSQL: String

    init(schema: TableSchema) {
        self.schema = schema
        self.slotCount = schema.columns.count + 1
        self.ownerIndex = schema.ownerColumn.flatMap { schema.columnIndex($0) }
        self.columnNames = schema.columns.map(\.name)
        self.columnLengths = schema.columns.map(\.name.utf8.count)
        self.columnTypes = schema.columns.map(\.type)
        self.slotsByName = [0] + schema.columns.indices.sorted { schema.columns[$0].name < schema.columns[$1].name }.map { $0 + 1 }
        let table = SQL.quote(schema.name)
        let columns = schema.columns.map { SQL.quote($0.name) }
        let all = ["\"id\""] + columns + ["\"_cl\"", "\"_hlc\"", "\"_v\"", "\"_clk\""]
        selectSQL = "SELECT \((["_cl", "_hlc", "_v", "_clk"] + columns).joined(separator: ", ")) FROM \(table) WHERE id = ?"
        let placeholders = Array(repeating: "?", count: all.count).joined(separator: ", ")
        insertSQL = "INSERT INTO \(table) (\(all.joined(separator: ", "))) VALUES (\(placeholders))"
        insertNewSQL = insertSQL + " ON CONFLICT(id) DO NOTHING"
        let updates = all.dropFirst().map { "\($0) = excluded.\($0)" }
        upsertSQL = insertSQL + " ON CONFLICT(id) DO UPDATE SET " + updates.joined(separator: ", ")
        let select = "SELECT \((["_v", "id", "_cl", "_hlc", "_clk"] + columns).joined(separator: ", ")) FROM \(table)"
        changesSelect = select
        changesSQL = select + " WHERE _v > ? ORDER BY _v LIMIT ?"
        readableByOwnerSQL = schema.ownerColumn.map { select + " WHERE (\(SQL.quote($0)) IN (?)) AND _v > ? ORDER BY _v LIMIT ?" } ?? (select + " WHERE _v > ? ORDER BY _v LIMIT ?")
    }

    /// The SQL that creates the table and its version index.
    var createSQL: [String] {
        let table = SQL.quote(schema.name)
        let columns = schema.columns.map { "\(SQL.quote($0.name)) \(Self.affinity($0.type))" }
        return [
            "CREATE TABLE IF NOT EXISTS \(table) (id TEXT PRIMARY KEY NOT NULL, \(columns.joined(separator: ", ")), "
                + "_cl INTEGER NOT NULL, _hlc INTEGER NOT NULL, _v INTEGER NOT NULL, _clk BLOB NOT NULL)",
            "CREATE INDEX IF NOT EXISTS \(SQL.quote(schema.name + "__v")) ON \(table)(_v)",
        ]
    }

    /// A hub's index for reading one unit's rows in version order, replacing the owner-only index
    /// hubs made before (``Migrations/createReaderIndexes(_:schema:)``); none for a table without owner.
    var readerIndexSQL: [String] {
        guard let owner = schema.ownerColumn else { return [] }
        let table = SQL.quote(schema.name)
        return [
            "CREATE INDEX IF NOT EXISTS \(SQL.quote(schema.name + "__owner_v")) ON \(table)(\(SQL.quote(owner)), _v)",
            "DROP INDEX IF EXISTS \(SQL.quote(schema.name + "__owner"))",
        ]
    }

    static func affinity(_ type: ColumnType) -> String {
        switch type {
        case .text, .date: return "TEXT"
        case .integer, .boolean: return "INTEGER"
        case .real: return "REAL"
        }
    }

    /// The slot of a declared column (1-based; slot 0 is the row marker), or nil when undeclared.
    @inline(__always)
    func slot(of column: String) -> Int? {
        let length = column.utf8.count
        for index in columnNames.indices where columnLengths[index] == length && columnNames[index] == column {
            return index + 1
        }
        return nil
    }

    // MARK: Reading

    /// Loads a row's state, or nil when the replica never saw it.
    func load(_ db: Database, key: String, sites: SiteTable) throws -> StoredRow? {
        try load(db.cachedStatement(sql: selectSQL), key: key, sites: sites)
    }

    /// Loads a row with the prepared ``selectSQL``.
    func load(_ statement: Statement, key: String, sites: SiteTable) throws -> StoredRow? {
        var bindings = statement.positionalBindings()
        try bindings.add(key)
        // The cursor steps the statement; the other columns are read from the current row.
        let cursor = try Int64.fetchCursor(statement)
        guard let cl = try cursor.next() else { return nil }
        let sqlite = statement.sqliteStatement
        return try decode(key: key, cl: cl, rowHLC: UInt64(bitPattern: Int64(sqliteStatement: sqlite, index: 1)),
                          rowVersion: Int64(sqliteStatement: sqlite, index: 2), blob: Data(sqliteStatement: sqlite, index: 3),
                          sites: sites) { DatabaseValue(sqliteStatement: sqlite, index: CInt(4 + $0)) }
    }

    /// Decodes a row selected as `columns..., _cl, _hlc, _v, _clk` starting at `offset`.
    func decode(_ row: Row, key: String, sites: SiteTable, offset: Int) throws -> StoredRow {
        let n = schema.columns.count
        return try decode(key: key, cl: row[offset + n], rowHLC: UInt64(bitPattern: row[offset + n + 1] as Int64),
                          rowVersion: row[offset + n + 2], blob: row[offset + n + 3], sites: sites) { row[offset + $0] }
    }

    /// Builds a row's state from its bookkeeping columns; `column(i)` gives the stored value of column i.
    private func decode(key: String, cl: Int64, rowHLC: UInt64, rowVersion: Int64, blob: Data, sites: SiteTable,
                        column: (Int) -> DatabaseValue) throws -> StoredRow {
        guard let clocks = ClockBlob.decode(blob, count: slotCount, rowHLC: rowHLC, rowVersion: rowVersion) else {
            throw ReplicaError.corrupt("clock data of \(schema.name) '\(key)' cannot be read")
        }
        var marker: Stamp?
        var cells: [String: Cell] = [:]
        var versions = [Int64?](repeating: nil, count: slotCount)
        for (slot, clock) in clocks.enumerated() {
            guard let clock else { continue }
            let stamp = Stamp(hlc: HLC(rawValue: clock.hlc), site: try sites.site(clock.site))
            versions[slot] = clock.version
            if slot == 0 {
                marker = stamp
            } else {
                cells[columnNames[slot - 1]] = Cell(value: Self.value(column(slot - 1)), stamp: stamp)
            }
        }
        let owner: String? = ownerIndex.flatMap { String.fromDatabaseValue(column($0)) }
        return StoredRow(state: RowState(causalLength: UInt64(cl), marker: marker, cells: cells), versions: versions, owner: owner)
    }

    // MARK: Writing

    /// Writes a row's state; `isNew` picks a plain INSERT for rows the replica never had.
    func save(_ db: Database, key: String, row: StoredRow, isNew: Bool, sites: inout SiteTable) throws {
        var scratch = RowScratch()
        try save(db.cachedStatement(sql: isNew ? insertSQL : upsertSQL), key: key, row: row, sites: &sites, scratch: &scratch, db)
    }

    /// Binds a row's state to a prepared ``insertSQL``, ``insertNewSQL`` or ``upsertSQL`` and runs it.
    ///
    /// Parameters: 1 the key, 2... the columns (slot + 1), then `_cl`, `_hlc`, `_v`, `_clk`.
    /// Cells are bound where they sit in the dictionary's own order; parameters left unbound are NULL.
    func save(_ statement: Statement, key: String, row: StoredRow, sites: inout SiteTable, scratch: inout RowScratch, _ db: Database) throws {
        var bindings = statement.positionalBindings()
        scratch.reset(slots: slotCount)
        try bindings.set(key, at: 1)
        if let marker = row.state.marker, let version = row.versions[0] {
            scratch.clocks[0] = SlotClock(site: try sites.index(for: marker.site, unit: nil, db), hlc: marker.hlc.rawValue, version: version)
        }
        var ownerBound = false
        let cells = row.state.cells
        for index in cells.indices {
            guard let slot = slot(of: cells.keys[index]), let version = row.versions[slot] else { continue }
            let cell = cells.values[index]
            scratch.clocks[slot] = SlotClock(site: try sites.index(for: cell.stamp.site, unit: nil, db), hlc: cell.stamp.hlc.rawValue, version: version)
            try bindings.set(cell.value, at: slot + 1)
            if slot - 1 == ownerIndex { ownerBound = true }
        }
        if !ownerBound, let ownerIndex, let owner = row.owner {
            // Not a cell (no clock): the tombstone remembers its owner so deletes reach that unit.
            try bindings.set(owner, at: ownerIndex + 2)
        }
        var rowHLC: UInt64 = 0
        var rowVersion: Int64 = 0
        for case let clock? in scratch.clocks {
            rowHLC = max(rowHLC, clock.hlc)
            rowVersion = max(rowVersion, clock.version)
        }
        let base = slotCount + 1
        try bindings.set(Int64(row.state.causalLength), at: base)
        try bindings.set(Int64(bitPattern: rowHLC), at: base + 1)
        try bindings.set(rowVersion, at: base + 2)
        ClockBlob.encode(scratch.clocks, rowHLC: rowHLC, rowVersion: rowVersion, into: &scratch.blob)
        // Copied into a Data kept from row to row (SQLite copies the bound bytes in turn).
        scratch.blobData.replaceSubrange(scratch.blobData.startIndex..<scratch.blobData.endIndex, with: scratch.blob)
        try bindings.set(scratch.blobData, at: base + 3)
        try statement.execute()
    }

    static func value(_ dbValue: DatabaseValue) -> Value {
        switch dbValue.storage {
        case .null: return .null
        case .int64(let i): return .integer(i)
        case .double(let d): return .real(d)
        case .string(let s): return .text(s)
        case .blob(let data): return .text(String(decoding: data, as: UTF8.self))
        }
    }

    static func databaseValue(_ value: Value) -> DatabaseValue {
        switch value {
        case .null: return .null
        case .integer(let i): return i.databaseValue
        case .real(let d): return d.databaseValue
        case .text(let s): return s.databaseValue
        }
    }
}

/// Buffers reused from row to row while saving, so a merge allocates little per row.
struct RowScratch {
    var clocks: [SlotClock?] = []
    var blob: [UInt8] = []
    var blobData = Data(capacity: 64)

    mutating func reset(slots: Int) {
        if clocks.count == slots {
            for i in 0..<slots { clocks[i] = nil }
        } else {
            clocks = Array(repeating: nil, count: slots)
        }
    }
}

/// Arguments bound directly to a prepared statement.
///
/// `setUncheckedArguments` with no values resets the statement, clears its bindings (all
/// parameters NULL) and marks them valid, so a following `execute()` or cursor runs with exactly
/// what was bound here. Bind by position with ``add(_:)``, or at a given 1-based index with
/// ``set(_:at:)``.
struct PositionalBindings {
    let sqliteStatement: SQLiteStatement
    private var index: CInt = 1

    init(_ statement: Statement) {
        statement.setUncheckedArguments(StatementArguments())
        sqliteStatement = statement.sqliteStatement
    }

    @inline(__always)
    mutating func add(_ value: some StatementBinding) throws {
        try set(value, at: Int(index))
        index += 1
    }

    mutating func addNull() throws { index += 1 }

    mutating func add(_ value: Value) throws {
        try set(value, at: Int(index))
        index += 1
    }

    @inline(__always)
    func set(_ value: some StatementBinding, at index: Int) throws {
        let code = value.bind(to: sqliteStatement, at: CInt(index))
        guard code == 0 else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot bind argument \(index)") }
    }

    func set(_ value: Value, at index: Int) throws {
        switch value {
        case .null: break  // cleared bindings are NULL
        case .integer(let i): try set(i, at: index)
        case .real(let d): try set(d, at: index)
        case .text(let s): try set(s, at: index)
        }
    }
}

extension Statement {
    func positionalBindings() -> PositionalBindings { PositionalBindings(self) }
}
