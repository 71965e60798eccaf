import GRDB
import ReformData

/// A field that names a row which does not exist (never received, or deleted).
public struct DanglingReference: Sendable, Equatable, CustomStringConvertible {
    public var table: String
    public var key: String
    public var column: String
    public var target: String
    public var value: String

    public var description: String { "\(table) '\(key)': \(column) = \"\(value)\" but \(target) has no such record" }
}

extension Replica {
    /// References between tables are checked here rather than by SQLite foreign keys, so that a
    /// merge never fails because the referenced row has not arrived yet.
    public func danglingReferences() throws -> [DanglingReference] {
        try writer.read { db in
            var found: [DanglingReference] = []
            for table in schema.tables {
                for column in table.columns {
                    guard let target = column.references, schema.table(target) != nil else { continue }
                    let sql = """
                        SELECT id, \(SQL.quote(column.name)) FROM \(SQL.quote(table.name)) AS t
                        WHERE t._cl % 2 = 1 AND t.\(SQL.quote(column.name)) IS NOT NULL
                          AND NOT EXISTS (SELECT 1 FROM \(SQL.quote(target)) AS r WHERE r.id = t.\(SQL.quote(column.name)) AND r._cl % 2 = 1)
                        ORDER BY id
                        """
                    for row in try Row.fetchAll(db, sql: sql) {
                        found.append(DanglingReference(table: table.name, key: row[0], column: column.name, target: target, value: row[1]))
                    }
                }
            }
            return found
        }
    }

    /// SQLite's own integrity check; "ok" when the file is sound.
    public func integrityCheck() throws -> [String] {
        try writer.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }
}
