import CRDT
import Foundation
import GRDB
import ReformData

/// A local SQLite replica of the reform data: every write is captured as CRDT changes in the
/// same transaction as the data, and remote changes merge into it in one transaction.
///
/// Production opens a file with ``open(path:schema:)`` (a WAL `DatabasePool`, safe for several
/// processes); tests may pass any `DatabaseWriter`, e.g. an in-memory `DatabaseQueue()`.
///
/// ```swift
/// let replica = try Replica.create(path: "/var/lib/reformsync/replica.sqlite", unit: "SONDUONG")
/// try replica.put("initiatives", json: ["id": .string("SD-2022-1"), "unit": .string("SONDUONG"),
///                                       "year": .integer(2022), "title": .string("Một cửa số")])
/// ```
public final class Replica: Sendable {
    public let writer: any DatabaseWriter
    public let schema: Schema
    public let site: SiteID
    public let unit: String
    public let role: ReplicaRole
    /// Where the replica lives, for messages ("in-memory" for tests).
    public let location: String
    /// Wall-clock milliseconds since the Unix epoch; injectable so tests can run a clock backwards.
    let wallClock: @Sendable () -> UInt64
    /// How far ahead of ``wallClock`` a received change may be stamped (Protocol §3.4).
    public let maxClockSkewMillis: UInt64
    /// The default of ``maxClockSkewMillis`` (and of the hub's `server.max_clock_skew`): 5 minutes.
    public static let defaultMaxClockSkewMillis: UInt64 = 300_000
    let stores: [String: TableStore]

    init(writer: any DatabaseWriter, schema: Schema, location: String, wallClock: @escaping @Sendable () -> UInt64,
         maxClockSkewMillis: UInt64 = Replica.defaultMaxClockSkewMillis) throws {
        self.writer = writer
        self.maxClockSkewMillis = maxClockSkewMillis
        self.schema = schema
        self.location = location
        self.wallClock = wallClock
        self.stores = Dictionary(uniqueKeysWithValues: schema.tables.map { ($0.name, TableStore(schema: $0)) })
        // The replica's own tables first (GRDB's DatabaseMigrator, Protocol §19.1). Only take the
        // write lock when a step is missing: read-only commands never wait for a running import.
        let (ladder, initialized) = try writer.read { db in
            (try Migrations.ladderState(db), try db.tableExists("_rs_state"))
        }
        guard initialized else { throw ReplicaError.notInitialized(path: location) }
        switch ladder {
        case .current: break
        case .behind: try Migrations.climb(writer, schema: schema)
        case .ahead(let unknown): throw ReplicaError.formatTooNew(path: location, steps: unknown)
        }
        let state = try writer.read { db -> ReplicaState in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM _rs_state WHERE id = 1") != nil else {
                throw ReplicaError.notInitialized(path: location)
            }
            return try ReplicaState.load(db)
        }
        if state.schemaVersion > schema.version {
            throw ReplicaError.schemaTooNew(path: location, found: state.schemaVersion, supported: schema.version)
        }
        self.site = state.site
        self.unit = state.unit
        self.role = state.role
        // Also when a declared table or field is missing at the same version number: a file made
        // by a build whose schema had that number but other tables (two branches each adding
        // "version 2") is completed rather than failing at the first query.
        if try state.schemaVersion < schema.version || writer.read({ db in try Migrations.missesDeclaredTables(db, schema: schema) }) {
            try writer.write { db in try Migrations.upgradeData(db, schema: schema) }
        }
    }

    /// Creates and initialises a replica in `writer` for `unit`, with a fresh site id.
    public static func create(writer: any DatabaseWriter, unit: String, role: ReplicaRole = .node, schema: Schema = ReformSchema.v1,
                              location: String = "in-memory", site: SiteID = .random(),
                              wallClock: @escaping @Sendable () -> UInt64 = Replica.systemMillis) throws -> Replica {
        // The ladder first (its steps commit one by one); then the identity row in one transaction:
        // a create cut between the two leaves a file without identity, which a new create completes.
        if try writer.read({ db in try db.tableExists("_rs_state") && Int.fetchOne(db, sql: "SELECT 1 FROM _rs_state WHERE id = 1") != nil }) {
            throw ReplicaError.alreadyInitialized(path: location)
        }
        try Migrations.climb(writer, schema: schema)
        try writer.write { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM _rs_state WHERE id = 1") != nil { throw ReplicaError.alreadyInitialized(path: location) }
            try Migrations.install(db, schema: schema, site: site, unit: unit.nfc, role: role)
        }
        return try Replica(writer: writer, schema: schema, location: location, wallClock: wallClock)
    }

    /// Creates a replica file at `path` (its folder must exist).
    public static func create(path: String, unit: String, role: ReplicaRole = .node, schema: Schema = ReformSchema.v1,
                              site: SiteID = .random(),
                              wallClock: @escaping @Sendable () -> UInt64 = Replica.systemMillis) throws -> Replica {
        if FileManager.default.fileExists(atPath: path) {
            let existing = try? open(path: path, schema: schema, wallClock: wallClock)
            if existing != nil { throw ReplicaError.alreadyInitialized(path: path) }
        }
        return try create(writer: try pool(path: path), unit: unit, role: role, schema: schema, location: path, site: site, wallClock: wallClock)
    }

    /// Opens an existing replica file.
    /// - Parameter readers: connections that read while the one writer writes (SQLite WAL): a
    ///   node needs few; a hub serving many nodes' pulls at once sets `server.max_readers`.
    public static func open(path: String, schema: Schema = ReformSchema.v1,
                            wallClock: @escaping @Sendable () -> UInt64 = Replica.systemMillis,
                            maxClockSkewMillis: UInt64 = Replica.defaultMaxClockSkewMillis,
                            readers: Int = Replica.defaultReaders) throws -> Replica {
        guard FileManager.default.fileExists(atPath: path) else { throw ReplicaError.notInitialized(path: path) }
        try ReplicaFileAccess.requireWritable(path)
        do {
            return try Replica(writer: try pool(path: path, readers: readers), schema: schema, location: path, wallClock: wallClock,
                               maxClockSkewMillis: maxClockSkewMillis)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            throw ReplicaError.corrupt("\(path) is not a reformsync replica (\(error.message ?? "not a database"))")
        }
    }

    /// Reader connections of a replica opened without saying: a few are plenty for a node, and
    /// each idle connection costs memory.
    public static let defaultReaders = 3

    static func pool(path: String, readers: Int = Replica.defaultReaders) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "reformsync.replica"
        configuration.maximumReaderCount = max(1, readers)
        configuration.prepareDatabase { db in
            // Checkpoint the WAL less often (32 MB instead of 4 MB): a checkpoint that lands on an
            // office user's save is the slowest part of a local write.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 8000")
        }
        return try DatabasePool(path: path, configuration: configuration)
    }

    /// The wall clock every replica, the hub and the daemon stamp with: the system clock, plus the
    /// offset in the file `REFORMSYNC_CLOCK_OFFSET_FILE` names when set (``ClockOffset``) — how
    /// `reformsync demo` runs the 2021 season through its phases in seconds.
    public static let systemMillis: @Sendable () -> UInt64 = {
        ClockOffset.apply(UInt64(max(0, (Date().timeIntervalSince1970 * 1000).rounded(.down))))
    }

    /// The store of a declared table, or `unknownTable`.
    func store(_ table: String) throws(ReplicaError) -> TableStore {
        guard let store = stores[table] else { throw .unknownTable(table) }
        return store
    }
}
