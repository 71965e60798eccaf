import CRDT
import GRDB

/// The replica's map between global ``SiteID``s and the small integers stored in clock blobs.
///
/// Loaded at the start of each write transaction (a few hundred rows at most), so no cache can
/// disagree with a rolled-back transaction.
struct SiteTable {
    private(set) var byIndex: [Int64: SiteID] = [:]
    private(set) var byID: [SiteID: Int64] = [:]
    private(set) var units: [SiteID: String] = [:]
    /// The site asked for last and its index: a page of changes mostly comes from one or two
    /// sites, and comparing an id costs far less than hashing it.
    private var lastSite: SiteID?
    private var lastIndex: Int64 = 0

    static func load(_ db: Database) throws -> SiteTable {
        var table = SiteTable()
        for row in try Row.fetchAll(db, sql: "SELECT idx, site, unit FROM _rs_sites") {
            let idx: Int64 = row[0]
            guard let site = SiteID(row[1]) else { throw ReplicaError.corrupt("bad site id in _rs_sites row \(idx)") }
            table.byIndex[idx] = site
            table.byID[site] = idx
            if let unit: String = row[2] { table.units[site] = unit }
        }
        return table
    }

    /// The index of `site`, registering it (and its unit, when known) if new.
    mutating func index(for site: SiteID, unit: String?, _ db: Database) throws -> Int64 {
        if unit == nil, let lastSite, lastSite == site { return lastIndex }
        let idx = try lookUp(site, unit: unit, db)
        lastSite = site
        lastIndex = idx
        return idx
    }

    private mutating func lookUp(_ site: SiteID, unit: String?, _ db: Database) throws -> Int64 {
        if let idx = byID[site] {
            if let unit, units[site] == nil {
                try db.execute(sql: "UPDATE _rs_sites SET unit = ? WHERE idx = ?", arguments: [unit, idx])
                units[site] = unit
            }
            return idx
        }
        try db.execute(sql: "INSERT INTO _rs_sites(site, unit) VALUES (?, ?)", arguments: [site.rawValue, unit])
        let idx = db.lastInsertedRowID
        byIndex[idx] = site
        byID[site] = idx
        if let unit { units[site] = unit }
        return idx
    }

    func site(_ idx: Int64) throws -> SiteID {
        guard let site = byIndex[idx] else { throw ReplicaError.corrupt("clock refers to unknown site #\(idx)") }
        return site
    }
}
