import CRDT
import Foundation
import GRDB
import ReformData

/// Reads and writes the rows of one replicated table.
///
/// A data table holds the visible value of each declared column plus four bookkeeping columns:
/// `_cl` (causal length), `_hlc` and `_v` (the greatest HLC and local version in the row) and
/// `_clk` (the per-slot clocks, see ``ClockBlob``). All SQL is built from the declared schema.
struct TableStore: Sendable {
    let schema: TableSchema
    let slotCount: Int
    let ownerIndex: Int?
    let selectSQL: String
    let insertSQL: String
    let upsertSQL: String

    init(schema: TableSchema) {
        self.schema = schema
        self.slotCount = schema.columns.count + 1
        self.ownerIndex = schema.ownerColumn.flatMap { schema.columnIndex($0) }
        let table = SQL.quote(schema.name)
        let columns = schema.columns.map { SQL.quote($0.name) }
        let all = ["\"id\""] + columns + ["\"_cl\"", "\"_hlc\"", "\"_v\"", "\"_clk\""]
        selectSQL = "SELECT \((columns + ["_cl", "_hlc", "_v", "_clk"]).joined(separator: ", ")) FROM \(table) WHERE id = ?"
        let placeholders = Array(repeating: "?", count: all.count).joined(separator: ", ")
        insertSQL = "INSERT INTO \(table) (\(all.joined(separator: ", "))) VALUES (\(placeholders))"
        let updates = all.dropFirst().map { "\($0) = excluded.\($0)" }
        upsertSQL = insertSQL + " ON CONFLICT(id) DO UPDATE SET " + updates.joined(separator: ", ")
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

    static func affinity(_ type: ColumnType) -> String {
        switch type {
        case .text, .date: return "TEXT"
        case .integer, .boolean: return "INTEGER"
        case .real: return "REAL"
        }
    }

    /// Loads a row's state, or nil when the replica never saw it.
    func load(_ db: Database, key: String, sites: SiteTable) throws -> StoredRow? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: selectSQL), arguments: [key]) else { return nil }
        return try decode(row, key: key, sites: sites, offset: 0)
    }

    /// Decodes a row selected as `columns..., _cl, _hlc, _v, _clk` starting at `offset`.
    func decode(_ row: Row, key: String, sites: SiteTable, offset: Int) throws -> StoredRow {
        let n = schema.columns.count
        let cl: Int64 = row[offset + n]
        let rowHLC = UInt64(bitPattern: row[offset + n + 1] as Int64)
        let rowVersion: Int64 = row[offset + n + 2]
        let blob: Data = row[offset + n + 3]
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
                let column = schema.columns[slot - 1]
                cells[column.name] = Cell(value: Self.value(row[offset + slot - 1] as DatabaseValue), stamp: stamp)
            }
        }
        let owner: String? = ownerIndex.flatMap { row[offset + $0] }
        return StoredRow(state: RowState(causalLength: UInt64(cl), marker: marker, cells: cells), versions: versions, owner: owner)
    }

    /// Writes a row's state; `isNew` picks a plain INSERT for rows the replica never had.
    func save(_ db: Database, key: String, row: StoredRow, isNew: Bool, sites: inout SiteTable) throws {
        var clocks = [SlotClock?](repeating: nil, count: slotCount)
        var rowHLC: UInt64 = 0
        var rowVersion: Int64 = 0
        var arguments: [DatabaseValue] = [key.databaseValue]
        arguments.reserveCapacity(slotCount + 5)
        if let marker = row.state.marker, let version = row.versions[0] {
            clocks[0] = SlotClock(site: try sites.index(for: marker.site, unit: nil, db), hlc: marker.hlc.rawValue, version: version)
        }
        for (index, column) in schema.columns.enumerated() {
            if let cell = row.state.cells[column.name], let version = row.versions[index + 1] {
                clocks[index + 1] = SlotClock(site: try sites.index(for: cell.stamp.site, unit: nil, db), hlc: cell.stamp.hlc.rawValue, version: version)
                arguments.append(Self.databaseValue(cell.value))
            } else if index == ownerIndex, let owner = row.owner {
                // Not a cell (no clock): the tombstone remembers its owner so deletes reach that unit.
                arguments.append(owner.databaseValue)
            } else {
                arguments.append(.null)
            }
        }
        for clock in clocks.compactMap({ $0 }) {
            rowHLC = max(rowHLC, clock.hlc)
            rowVersion = max(rowVersion, clock.version)
        }
        arguments.append(Int64(row.state.causalLength).databaseValue)
        arguments.append(Int64(bitPattern: rowHLC).databaseValue)
        arguments.append(rowVersion.databaseValue)
        arguments.append(ClockBlob.encode(clocks, rowHLC: rowHLC, rowVersion: rowVersion).databaseValue)
        let statement = try db.cachedStatement(sql: isNew ? insertSQL : upsertSQL)
        try statement.execute(arguments: StatementArguments(arguments))
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
