import CRDT
import GRDB
import ReformData

/// One version of one field (or of a row's existence) in the audit trail.
public struct HistoryEntry: Sendable, Equatable {
    public enum Fate: String, Sendable {
        /// The value the field holds now.
        case current
        /// Held the field until a later write replaced it (or the row was deleted / re-created).
        case superseded
        /// Arrived after a later write of the same field and never took effect.
        case lost
        /// Written in an earlier life of a row that was since deleted or re-created.
        case stale
        /// Stamped by this replica while its clock ran ahead; the same value carries a new stamp
        /// since `reformsync clock repair`.
        case restamped
        /// Refused by the hub and discarded by an operator (`reformsync quarantine discard`): the
        /// field went back to what it held before.
        case discarded
    }

    /// The field, or nil for the row's existence (created / deleted / re-created).
    public var column: String?
    public var value: Value
    public var stamp: Stamp
    /// The unit of the site that wrote it, when known.
    public var unit: String?
    public var causalLength: UInt64
    /// The local version at which this replica recorded it.
    public var version: Int64
    public var fate: Fate

    /// For row markers: what the marker did.
    public var rowEvent: String {
        causalLength % 2 == 0 ? "deleted" : (causalLength == 1 ? "created" : "re-created")
    }
}

extension Replica {
    /// Every version of every field of a record this replica has seen, oldest first per field.
    ///
    /// The trail survives merges: values replaced by local writes or by merged remote changes are
    /// kept, as are concurrent writes that lost.
    public func history(_ table: String, key: String) throws -> [HistoryEntry] {
        guard let entries = try history(table, key: key, orNil: true) else { throw ReplicaError.notFound(table: table, key: key.nfc) }
        return entries
    }

    /// Like ``history(_:key:)`` but nil for a record this replica never saw.
    public func history(_ table: String, key: String, orNil: Bool) throws -> [HistoryEntry]? {
        let store = try store(table)
        let key = key.nfc
        return try writer.read { db in
            let sites = try SiteTable.load(db)
            var entries: [HistoryEntry] = []
            let rows = try Row.fetchAll(db, sql: "SELECT col, value, hlc, site, cl, version, fate FROM _rs_history WHERE tbl = ? AND key = ?",
                                        arguments: [table, key])
            for row in rows {
                let site = try sites.site(row[3])
                let hlc = HLC(rawValue: UInt64(bitPattern: row[2] as Int64))
                entries.append(HistoryEntry(column: row[0], value: TableStore.value(row[1]), stamp: Stamp(hlc: hlc, site: site),
                                            unit: try sites.unit(of: site), causalLength: UInt64(row[4] as Int64), version: row[5],
                                            fate: HistoryEntry.Fate(rawValue: row[6]) ?? .superseded))
            }
            if let current = try store.load(db, key: key, sites: sites) {
                for change in current.state.changes(table: table, key: key) {
                    let slot = change.column.flatMap { store.schema.columnIndex($0).map { $0 + 1 } } ?? 0
                    entries.append(HistoryEntry(column: change.column, value: change.value, stamp: change.stamp, unit: try sites.unit(of: change.site),
                                                causalLength: change.causalLength, version: current.versions[slot] ?? 0, fate: .current))
                }
            }
            guard !entries.isEmpty else { return nil }
            return entries.sorted { a, b in
                if a.column != b.column { return (a.column ?? "") < (b.column ?? "") }
                if a.causalLength != b.causalLength { return a.causalLength < b.causalLength }
                return a.stamp < b.stamp
            }
        }
    }
}
