import CRDT
import GRDB

/// The replica's map between global ``SiteID``s and the small integers stored in clock blobs.
///
/// Made for one transaction (or one read) and read lazily from `_rs_sites`: a site is looked up
/// the first time the transaction meets it, then remembered. A hub holds a site for every node
/// it has seen (thousands), while a page or a push meets a handful of them; reading the whole
/// table at the start of every pull and push cost the hub more than the rows it sent (`bench
/// hub`: 43 % of the idle hub's CPU with 1,000 long polls open). Nothing outlives the
/// transaction, so no cache can disagree with a rolled-back one or another process's write.
final class SiteTable {
    /// The connection of the transaction this table belongs to.
    private unowned let db: Database
    private var byIndex: [Int64: SiteID] = [:]
    private var byID: [SiteID: Int64] = [:]
    private var units: [SiteID: String] = [:]
    /// Sites looked up and not found (until this transaction registers them).
    private var absent: Set<SiteID> = []
    /// The site asked for last and its index: a page of changes mostly comes from one or two
    /// sites, and comparing an id costs far less than hashing it.
    private var lastSite: SiteID?
    private var lastIndex: Int64 = 0

    private init(_ db: Database) { self.db = db }

    /// The site table of the transaction `db` runs (nothing is read yet).
    static func load(_ db: Database) throws -> SiteTable { SiteTable(db) }

    /// The site stored as `idx` in clock blobs.
    func site(_ idx: Int64) throws -> SiteID {
        if let lastSite, lastIndex == idx { return lastSite }
        let site: SiteID
        if let known = byIndex[idx] {
            site = known
        } else {
            let statement = try db.cachedStatement(sql: "SELECT site, unit FROM _rs_sites WHERE idx = ?")
            guard let row = try Row.fetchOne(statement, arguments: [idx]) else { throw ReplicaError.corrupt("clock refers to unknown site #\(idx)") }
            guard let found = SiteID(row[0] as String) else { throw ReplicaError.corrupt("bad site id in _rs_sites row \(idx)") }
            remember(found, idx, unit: row[1])
            site = found
        }
        lastSite = site
        lastIndex = idx
        return site
    }

    /// The index of `site`, or nil when the replica never registered it.
    func index(of site: SiteID) throws -> Int64? {
        if let idx = byID[site] { return idx }
        if absent.contains(site) { return nil }
        let statement = try db.cachedStatement(sql: "SELECT idx, unit FROM _rs_sites WHERE site = ?")
        guard let row = try Row.fetchOne(statement, arguments: [site.rawValue]) else {
            absent.insert(site)
            return nil
        }
        let idx: Int64 = row[0]
        remember(site, idx, unit: row[1])
        return idx
    }

    /// The unit recorded for `site` (nil when unknown, or when the site is not registered).
    func unit(of site: SiteID) throws -> String? {
        if let unit = units[site] { return unit }
        if byID[site] == nil { _ = try index(of: site) }
        return units[site]
    }

    /// The index of `site`, registering it (and its unit, when known) if new.
    func index(for site: SiteID, unit: String?, _ db: Database) throws -> Int64 {
        if unit == nil, let lastSite, lastSite == site { return lastIndex }
        let idx = try lookUp(site, unit: unit)
        lastSite = site
        lastIndex = idx
        return idx
    }

    private func lookUp(_ site: SiteID, unit: String?) throws -> Int64 {
        if let idx = try index(of: site) {
            if let unit, units[site] == nil {
                try db.execute(sql: "UPDATE _rs_sites SET unit = ? WHERE idx = ?", arguments: [unit, idx])
                units[site] = unit
            }
            return idx
        }
        try db.execute(sql: "INSERT INTO _rs_sites(site, unit) VALUES (?, ?)", arguments: [site.rawValue, unit])
        let idx = db.lastInsertedRowID
        absent.remove(site)
        remember(site, idx, unit: unit)
        return idx
    }

    private func remember(_ site: SiteID, _ idx: Int64, unit: String?) {
        byIndex[idx] = site
        byID[site] = idx
        if let unit { units[site] = unit }
    }
}
