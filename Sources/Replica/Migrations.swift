import CRDT
import Foundation
import GRDB
import ReformData

/// Creates and upgrades the replica's tables.
///
/// Two kinds of tables, upgraded two ways:
/// - the replica's own bookkeeping (`_rs_*`): a ladder of named steps run by GRDB's
///   `DatabaseMigrator` (``ladder``), recorded in `grdb_migrations`. Each release may append
///   steps; a step is never edited once released. Files made before the ladder existed (which
///   have no `grdb_migrations`) are adopted: every step is written with `IF NOT EXISTS` or a
///   column check, so it finds its work already done and only records itself.
/// - the reform-data tables: generated from the declared ``Schema``; upgrading creates new
///   tables and appends new columns (``upgradeData(_:schema:)``). Columns are only ever appended
///   to a table's declaration, because clock slots are stored by position.
///
/// Indexes of the data tables that only a hub needs (``createReaderIndexes(_:schema:)``) are a
/// step of the ladder for existing hub files, and made with the tables for new ones.
enum Migrations {
    /// The ladder's steps, by name (the same for every schema).
    static var ladder: DatabaseMigrator { ladder(schema: ReformSchema.v1) }

    /// The ladder of the replica's own tables. Append new steps at the end, one registered
    /// migration per step, named `NNN-what` (Protocol/README.md §19.1).
    /// - Parameter schema: the data tables a step may index (``createReaderIndexes(_:schema:)``).
    static func ladder(schema: Schema) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("001-replica-core") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS _rs_state (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    site TEXT NOT NULL, unit TEXT NOT NULL, role TEXT NOT NULL,
                    last_hlc INTEGER NOT NULL, version INTEGER NOT NULL,
                    schema_version INTEGER NOT NULL, created_at TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS _rs_sites (idx INTEGER PRIMARY KEY, site TEXT NOT NULL UNIQUE, unit TEXT);
                CREATE TABLE IF NOT EXISTS _rs_history (
                    seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, key TEXT NOT NULL, col TEXT,
                    value, hlc INTEGER NOT NULL, site INTEGER NOT NULL, cl INTEGER NOT NULL,
                    version INTEGER NOT NULL, fate TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS _rs_history_row ON _rs_history(tbl, key, col, hlc);
                CREATE TABLE IF NOT EXISTS _rs_cursors (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                """)
        }
        migrator.registerMigration("002-quarantine-and-meta") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS _rs_quarantine (
                    tbl TEXT NOT NULL, key TEXT NOT NULL, col TEXT, value, hlc INTEGER NOT NULL, site TEXT NOT NULL,
                    code TEXT NOT NULL, reason TEXT NOT NULL, refused_at TEXT NOT NULL,
                    PRIMARY KEY (tbl, key, col, hlc, site));
                CREATE TABLE IF NOT EXISTS _rs_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """)
        }
        migrator.registerMigration("003-relay-sites") { db in
            if try !db.columns(in: "_rs_sites").contains(where: { $0.name == "relay" }) {
                try db.execute(sql: "ALTER TABLE _rs_sites ADD COLUMN relay INTEGER NOT NULL DEFAULT 0")
            }
        }
        // A hub's pulls select each unit's rows in version order (Protocol §18.1). On a file that has
        // no identity yet (a replica being created) it finds nothing to do: `install` makes them.
        migrator.registerMigration("004-hub-reader-indexes") { db in
            try createReaderIndexes(db, schema: schema)
        }
        return migrator
    }

    /// At a hub, the index on (owner, `_v`) of every table with an owner, which replaces the index
    /// on the owner alone that hubs made at start before: a unit's pull walks its own rows in
    /// version order instead of every unit's (``Replica/changes(after:limit:readableBy:excludingSite:maxRows:_:)``),
    /// and a snapshot finds a unit's rows by its prefix (§19.3). Nodes, which hold their own rows
    /// only, do without. Idempotent.
    static func createReaderIndexes(_ db: Database, schema: Schema) throws {
        guard try db.tableExists("_rs_state"),
              try String.fetchOne(db, sql: "SELECT role FROM _rs_state WHERE id = 1") == ReplicaRole.hub.rawValue else { return }
        for table in schema.tables where try db.tableExists(table.name) {
            for sql in TableStore(schema: table).readerIndexSQL { try db.execute(sql: sql) }
        }
    }

    /// What opening a file must do to the replica's own tables.
    enum LadderState {
        case current
        case behind
        /// The file was upgraded by a newer reformsync: it holds steps this build does not know.
        case ahead(unknown: [String])
    }

    static func ladderState(_ db: Database) throws -> LadderState {
        let migrator = ladder
        guard try db.tableExists("grdb_migrations") else { return .behind }
        let applied = try migrator.appliedIdentifiers(db)
        let unknown = applied.subtracting(migrator.migrations)
        if !unknown.isEmpty { return .ahead(unknown: unknown.sorted()) }
        return try migrator.hasCompletedMigrations(db) ? .current : .behind
    }

    /// Runs the ladder's missing steps (each in its own transaction, as GRDB does).
    static func climb(_ writer: any DatabaseWriter, schema: Schema = ReformSchema.v1) throws {
        try ladder(schema: schema).migrate(writer)
    }

    /// Writes the identity row and creates the data tables of a replica whose ladder has run.
    static func install(_ db: Database, schema: Schema, site: SiteID, unit: String, role: ReplicaRole) throws {
        try db.execute(sql: "INSERT INTO _rs_state VALUES (1, ?, ?, ?, 0, 0, ?, ?)",
                       arguments: [site.rawValue, unit, role.rawValue, schema.version, Timestamp.string()])
        try db.execute(sql: "INSERT INTO _rs_sites(site, unit) VALUES (?, ?)", arguments: [site.rawValue, unit])
        try createDataTables(db, schema: schema)
        try createReaderIndexes(db, schema: schema)
    }

    /// Brings the reform-data tables up to `schema`: new tables, appended columns.
    static func upgradeData(_ db: Database, schema: Schema) throws {
        try createDataTables(db, schema: schema)
        try createReaderIndexes(db, schema: schema)
        for table in schema.tables {
            let existing = Set(try db.columns(in: table.name).map(\.name))
            for column in table.columns where !existing.contains(column.name) {
                try db.execute(sql: "ALTER TABLE \(SQL.quote(table.name)) ADD COLUMN \(SQL.quote(column.name)) \(TableStore.affinity(column.type))")
            }
        }
        try db.execute(sql: "UPDATE _rs_state SET schema_version = ? WHERE id = 1", arguments: [schema.version])
        // A node pulls everything again: the hub kept back what the older schema could not store
        // (Protocol §19.1), and sends it now. Merging what it already has again is harmless.
        if try String.fetchOne(db, sql: "SELECT role FROM _rs_state WHERE id = 1") == ReplicaRole.node.rawValue {
            try db.execute(sql: "UPDATE _rs_cursors SET value = 0 WHERE name IN ('pull.baseline', 'pull.position')")
        }
    }

    /// Whether a table or field `schema` declares is absent from the file.
    static func missesDeclaredTables(_ db: Database, schema: Schema) throws -> Bool {
        for table in schema.tables {
            guard try db.tableExists(table.name) else { return true }
            let existing = Set(try db.columns(in: table.name).map(\.name))
            if table.columns.contains(where: { !existing.contains($0.name) }) { return true }
        }
        return false
    }

    static func createDataTables(_ db: Database, schema: Schema) throws {
        for table in schema.tables {
            for sql in TableStore(schema: table).createSQL { try db.execute(sql: sql) }
        }
    }
}
