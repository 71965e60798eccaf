import CRDT
import GRDB
import ReformData

/// What a clock repair found and did (`reformsync clock repair`).
public struct ClockRepairReport: Sendable, Equatable {
    /// Fields and row markers this replica had stamped too far ahead, now stamped anew.
    public var restamped = 0
    /// Rows they belong to (each now carries a new local version, so the next sync pushes it).
    public var rows = 0
    /// Refusals of the hub for `clock_skew` that the new stamps answer (removed from the quarantine).
    public var quarantineResolved = 0
    /// Changes of other sites stamped ahead of the clock (left alone: only their writer can fix them).
    public var othersAhead = 0
    /// The replica's clock before and after.
    public var clockBefore = HLC.zero
    public var clockAfter = HLC.zero
}

extension Replica {
    /// How many fields and markers this replica stamped further ahead of the wall clock than the
    /// allowed skew: changes the hub refuses (`clock_skew`) until ``repairClock(maxClockSkewMillis:)`` runs.
    public func ownChangesAhead(maxClockSkewMillis: UInt64? = nil) throws -> Int {
        let bound = HLC(millis: wallClock() &+ (maxClockSkewMillis ?? self.maxClockSkewMillis), counter: .max)
        return try writer.read { db in
            let sites = try SiteTable.load(db)
            var count = 0
            try forEachRowAhead(of: bound, db, sites: sites) { _, _, row in
                count += row.slots.filter { $0.stamp.site == site && $0.stamp.hlc > bound }.count
            }
            return count
        }
    }

    /// Re-stamps this replica's own changes that are stamped beyond wall clock + skew, and sets
    /// the clock back to the wall clock (or the latest stamp within the bound).
    ///
    /// A node whose clock ran ahead (a year, say) wrote records the hub refused (`clock_skew`) and
    /// kept a clock so far ahead that every later write was refused too. Once the server's clock is
    /// right again this makes those writes acceptable without anyone entering them again: every
    /// field and marker this site stamped beyond the bound gets a fresh stamp from the repaired
    /// clock and a new local version (so the next sync pushes it), the old stamps go to the
    /// history (fate `restamped`), and the matching `clock_skew` refusals leave the quarantine.
    ///
    /// Safe because no other replica holds those stamps: every receiver refuses a stamp that far
    /// ahead of its own clock (Protocol §3.4). Values do not change, and other sites' rows are
    /// not touched. One transaction: a kill leaves the replica as it was, or repaired.
    @discardableResult
    public func repairClock(maxClockSkewMillis: UInt64? = nil) throws -> ClockRepairReport {
        try writer.write { db in
            let now = wallClock()
            let bound = HLC(millis: now &+ (maxClockSkewMillis ?? self.maxClockSkewMillis), counter: .max)
            var context = try MergeContext.begin(db)
            var report = ClockRepairReport()
            report.clockBefore = context.state.clock.last
            // The rows holding a stamp beyond the bound, and the latest stamp within it.
            var ahead: [(store: TableStore, key: String, row: StoredRow)] = []
            var latestWithin = HLC(millis: now)
            for store in stores.values.sorted(by: { $0.schema.name < $1.schema.name }) {
                let within = try Int64.fetchOne(db, sql: "SELECT MAX(_hlc) FROM \(SQL.quote(store.schema.name)) WHERE _hlc <= ?",
                                                arguments: [Int64(bitPattern: bound.rawValue)]) ?? 0
                latestWithin = max(latestWithin, HLC(rawValue: UInt64(bitPattern: within)))
            }
            try forEachRowAhead(of: bound, db, sites: context.sites) { store, key, row in
                for slot in row.slots where slot.stamp.hlc <= bound { latestWithin = max(latestWithin, slot.stamp.hlc) }
                ahead.append((store, key, row.stored))
            }
            context.state.clock.reset(to: latestWithin)
            for (store, key, stored) in ahead {
                var row = stored
                let stamp = Stamp(hlc: context.state.clock.tick(wallMillis: now), site: site)
                let version = context.state.version + 1
                var marker = row.state.marker
                var cells = row.state.cells
                var restamped: [PendingRecord] = []
                if let old = marker, old.site == site, old.hlc > bound {
                    marker = stamp
                    row.versions[0] = version
                    restamped.append(PendingRecord(column: nil, value: .null, stamp: old, causalLength: row.state.causalLength, fate: "restamped"))
                }
                for (column, cell) in row.state.cells where cell.stamp.hlc > bound {
                    guard cell.stamp.site == site else { report.othersAhead += 1; continue }
                    cells[column] = Cell(value: cell.value, stamp: stamp)
                    if let slot = store.slot(of: column) { row.versions[slot] = version }
                    restamped.append(PendingRecord(column: column, value: cell.value, stamp: cell.stamp, causalLength: row.state.causalLength, fate: "restamped"))
                }
                if let old = row.state.marker, old.site != site, old.hlc > bound { report.othersAhead += 1 }
                guard !restamped.isEmpty else { continue }
                row.state = RowState(causalLength: row.state.causalLength, marker: marker, cells: cells)
                try store.save(db, key: key, row: row, isNew: false, sites: &context.sites)
                for entry in restamped { try context.record(db, store.schema.name, key, entry, version) }
                context.state.version = version
                report.restamped += restamped.count
                report.rows += 1
            }
            try db.execute(sql: "DELETE FROM _rs_quarantine WHERE code = 'clock_skew' AND site = ? AND hlc > ?",
                           arguments: [site.rawValue, Int64(bitPattern: bound.rawValue)])
            report.quarantineResolved = db.changesCount
            report.clockAfter = context.state.clock.last
            _ = try context.finish(db)
            try setMeta(["clock_repaired_at": Timestamp.string(), "clock_repair_restamped": String(report.restamped)], db)
            return report
        }
    }

    /// A stored row with its slots' stamps listed.
    struct RowAhead {
        var stored: StoredRow
        var slots: [(column: String?, stamp: Stamp)] {
            (stored.state.marker.map { [(nil, $0)] } ?? []) + stored.state.cells.map { ($0.key, $0.value.stamp) }
        }
    }

    /// Calls `body` for every row of every table whose latest stamp is beyond `bound`.
    func forEachRowAhead(of bound: HLC, _ db: Database, sites: SiteTable,
                         _ body: (TableStore, String, RowAhead) throws -> Void) throws {
        for store in stores.values.sorted(by: { $0.schema.name < $1.schema.name }) {
            let keys = try String.fetchAll(db, sql: "SELECT id FROM \(SQL.quote(store.schema.name)) WHERE _hlc > ? ORDER BY id",
                                           arguments: [Int64(bitPattern: bound.rawValue)])
            for key in keys {
                guard let stored = try store.load(db, key: key, sites: sites) else { continue }
                try body(store, key, RowAhead(stored: stored))
            }
        }
    }
}
