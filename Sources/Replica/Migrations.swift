import CRDT
import Foundation
import GRDB
import ReformData

/// Creates and upgrades the replica's tables.
///
/// Data tables are generated from the declared ``Schema``; upgrading creates new tables and
/// appends new columns. Columns are only ever appended to a table's declaration, because clock
/// slots are stored by position.
enum Migrations {
    static func install(_ db: Database, schema: Schema, site: SiteID, unit: String, role: ReplicaRole) throws {
        try db.execute(sql: """
            CREATE TABLE _rs_state (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                site TEXT NOT NULL, unit TEXT NOT NULL, role TEXT NOT NULL,
                last_hlc INTEGER NOT NULL, version INTEGER NOT NULL,
                schema_version INTEGER NOT NULL, created_at TEXT NOT NULL);
            CREATE TABLE _rs_sites (idx INTEGER PRIMARY KEY, site TEXT NOT NULL UNIQUE, unit TEXT);
            CREATE TABLE _rs_history (
                seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, key TEXT NOT NULL, col TEXT,
                value, hlc INTEGER NOT NULL, site INTEGER NOT NULL, cl INTEGER NOT NULL,
                version INTEGER NOT NULL, fate TEXT NOT NULL);
            CREATE INDEX _rs_history_row ON _rs_history(tbl, key, col, hlc);
            CREATE TABLE _rs_cursors (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
            """)
        try db.execute(sql: "INSERT INTO _rs_state VALUES (1, ?, ?, ?, 0, 0, ?, ?)",
                       arguments: [site.rawValue, unit, role.rawValue, schema.version, Timestamp.string()])
        try db.execute(sql: "INSERT INTO _rs_sites(site, unit) VALUES (?, ?)", arguments: [site.rawValue, unit])
        try createDataTables(db, schema: schema)
        try ensureSyncTables(db)
    }

    /// Tables for sync bookkeeping; created on open too, so replicas made before them gain them.
    static func ensureSyncTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS _rs_quarantine (
                tbl TEXT NOT NULL, key TEXT NOT NULL, col TEXT, value, hlc INTEGER NOT NULL, site TEXT NOT NULL,
                code TEXT NOT NULL, reason TEXT NOT NULL, refused_at TEXT NOT NULL,
                PRIMARY KEY (tbl, key, col, hlc, site));
            CREATE TABLE IF NOT EXISTS _rs_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """)
        let columns = try db.columns(in: "_rs_sites").map(\.name)
        if !columns.contains("relay") {
            try db.execute(sql: "ALTER TABLE _rs_sites ADD COLUMN relay INTEGER NOT NULL DEFAULT 0")
        }
    }

    static func upgrade(_ db: Database, schema: Schema) throws {
        try createDataTables(db, schema: schema)
        for table in schema.tables {
            let existing = Set(try db.columns(in: table.name).map(\.name))
            for column in table.columns where !existing.contains(column.name) {
                try db.execute(sql: "ALTER TABLE \(SQL.quote(table.name)) ADD COLUMN \(SQL.quote(column.name)) \(TableStore.affinity(column.type))")
            }
        }
        try db.execute(sql: "UPDATE _rs_state SET schema_version = ? WHERE id = 1", arguments: [schema.version])
    }

    static func createDataTables(_ db: Database, schema: Schema) throws {
        for table in schema.tables {
            for sql in TableStore(schema: table).createSQL { try db.execute(sql: sql) }
        }
    }
}
