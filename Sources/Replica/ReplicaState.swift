import CRDT
import GRDB

/// The replica's own singleton row: identity, clock and version counter.
///
/// Read and written inside every write transaction, so concurrent processes writing the same
/// file (serialised by SQLite's write lock) never issue the same HLC or version twice.
struct ReplicaState {
    var site: SiteID
    var unit: String
    var role: ReplicaRole
    var clock: HybridLogicalClock
    var version: Int64
    var schemaVersion: Int

    static func load(_ db: Database) throws -> ReplicaState {
        guard let row = try Row.fetchOne(db, sql: "SELECT site, unit, role, last_hlc, version, schema_version FROM _rs_state WHERE id = 1") else {
            throw ReplicaError.corrupt("the replica has no identity row (_rs_state)")
        }
        guard let site = SiteID(row[0]), let role = ReplicaRole(rawValue: row[2]) else {
            throw ReplicaError.corrupt("bad site id or role in _rs_state")
        }
        let hlc: Int64 = row[3]
        return ReplicaState(site: site, unit: row[1], role: role, clock: HybridLogicalClock(last: HLC(rawValue: UInt64(bitPattern: hlc))),
                            version: row[4], schemaVersion: row[5])
    }

    func saveCounters(_ db: Database) throws {
        try db.execute(sql: "UPDATE _rs_state SET last_hlc = ?, version = ? WHERE id = 1",
                       arguments: [Int64(bitPattern: clock.last.rawValue), version])
    }
}

/// Whether a replica belongs to a unit's node or to the provincial hub.
public enum ReplicaRole: String, Sendable, Codable {
    case node
    case hub
}
