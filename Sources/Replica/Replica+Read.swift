import CRDT
import GRDB
import ReformData

/// A visible record: its key and the values of its fields (null fields omitted).
public struct Record: Sendable, Equatable {
    public var key: String
    public var values: [String: Value]

    public init(key: String, values: [String: Value]) {
        self.key = key
        self.values = values
    }

    /// The record as a JSON object, `id` first among its fields when encoded with sorted keys.
    public func json(_ table: TableSchema) -> [String: JSONValue] {
        var object: [String: JSONValue] = ["id": .string(key)]
        for column in table.columns {
            object[column.name] = RecordValidator.json(values[column.name] ?? .null, type: column.type)
        }
        return object
    }
}

extension Replica {
    /// The record with `key`, or nil when it does not exist (never created, or deleted).
    public func get(_ table: String, key: String) throws -> Record? {
        let store = try store(table)
        return try writer.read { db in
            let sites = try SiteTable.load(db)
            guard let row = try store.load(db, key: key.nfc, sites: sites), row.state.exists else { return nil }
            return Record(key: key.nfc, values: row.state.cells.mapValues(\.value))
        }
    }

    /// Existing records of a table ordered by key, optionally where fields equal given values.
    public func list(_ table: String, where filters: [String: Value] = [:], limit: Int? = nil) throws -> [Record] {
        let store = try store(table)
        var conditions = ["_cl % 2 = 1"]
        var arguments: [DatabaseValue] = []
        for (name, value) in filters.sorted(by: { $0.key < $1.key }) {
            guard store.schema.column(name) != nil else { throw ReplicaError.unknownColumn(table: table, column: name) }
            if value.isNull {
                conditions.append("\(SQL.quote(name)) IS NULL")
            } else {
                conditions.append("\(SQL.quote(name)) = ?")
                arguments.append(TableStore.databaseValue(value))
            }
        }
        let columns = store.schema.columns.map { SQL.quote($0.name) }.joined(separator: ", ")
        var sql = "SELECT id, \(columns) FROM \(SQL.quote(table)) WHERE \(conditions.joined(separator: " AND ")) ORDER BY id"
        if let limit { sql += " LIMIT \(max(0, limit))" }
        return try writer.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                var values: [String: Value] = [:]
                for (index, column) in store.schema.columns.enumerated() {
                    let value = TableStore.value(row[index + 1])
                    if !value.isNull { values[column.name] = value }
                }
                return Record(key: row[0], values: values)
            }
        }
    }

    /// The replica's current version: the number of row modifications it has made or merged.
    public func currentVersion() throws -> Int64 {
        try writer.read { db in try version(db) }
    }

    /// The replica's current version, read in the caller's transaction (a hub's pull page and
    /// the version it reports come from one snapshot).
    public func version(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT version FROM _rs_state WHERE id = 1")) ?? 0
    }

    /// Counts of live and deleted rows per table.
    public func tableCounts() throws -> [(table: String, live: Int, deleted: Int)] {
        try writer.read { db in
            try schema.tables.map { table in
                let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) FILTER (WHERE _cl % 2 = 1), COUNT(*) FILTER (WHERE _cl % 2 = 0) FROM \(SQL.quote(table.name))")
                return (table.name, row?[0] ?? 0, row?[1] ?? 0)
            }
        }
    }
}

extension Replica {
    /// A row's merge state and remembered owner, inside the caller's transaction.
    public func rowState(_ table: String, key: String, _ db: Database) throws -> (state: RowState, owner: String?)? {
        try rowStates([(table, key)], db)[0]
    }

    /// Rows' merge states and remembered owners, inside the caller's transaction (the hub's
    /// policy check reads them in the same transaction that merges the batch), reading the site table once.
    public func rowStates(_ rows: [(table: String, key: String)], _ db: Database) throws -> [(state: RowState, owner: String?)?] {
        let sites = try SiteTable.load(db)
        var result: [(state: RowState, owner: String?)?] = []
        result.reserveCapacity(rows.count)
        var current: (store: TableStore, statement: Statement)?
        for row in rows {
            // A batch holds runs of rows of one table: look the store and statement up per run.
            if current?.store.schema.name != row.table {
                let store = try store(row.table)
                current = (store, try db.cachedStatement(sql: store.selectSQL))
            }
            let stored = try current!.store.load(current!.statement, key: row.key, sites: sites)
            result.append(stored.map { ($0.state, $0.owner) })
        }
        return result
    }
}
