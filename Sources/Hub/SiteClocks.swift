import CRDT
import GRDB
import ReformData

/// What the hub remembers of every site's clock, to refuse back-dated season changes
/// (Protocol §17.4): when it first saw the site (or saw its clock go back), the highest clock the
/// site showed and when, and per day (Vietnam time) the lowest clock the site showed at a handshake.
///
/// Kept beside the replica, not replicated, and written in the transaction of the handshake or
/// push that shows it. A day's row is enough: deadlines fall at the end of a day, so "the lowest
/// clock shown at or after a deadline" is the lowest of the days after it.
public struct SiteClocks: Sendable {
    public init(_ db: Database) throws {
        let fresh = try !db.tableExists("_hub_site_clock")
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS _hub_site_clock (
                site TEXT PRIMARY KEY, first_seen_ms INTEGER NOT NULL, trusted_since_ms INTEGER NOT NULL,
                clock_high INTEGER NOT NULL DEFAULT 0, clock_high_at_ms INTEGER);
            CREATE TABLE IF NOT EXISTS _hub_site_contacts (
                site TEXT NOT NULL, day TEXT NOT NULL, first_ms INTEGER NOT NULL, clock INTEGER NOT NULL,
                PRIMARY KEY (site, day));
            """)
        if fresh {
            // Sites this hub knew before it kept clocks (an upgrade) count as seen from the start.
            try db.execute(sql: "INSERT OR IGNORE INTO _hub_site_clock(site, first_seen_ms, trusted_since_ms) SELECT site, 0, 0 FROM _rs_sites")
            if try db.tableExists("_hub_nodes") {
                try db.execute(sql: "INSERT OR IGNORE INTO _hub_site_clock(site, first_seen_ms, trusted_since_ms) SELECT site, 0, 0 FROM _hub_nodes")
            }
        }
    }

    /// Records that `site` was seen at hub time `now` (a push or import carrying its changes).
    static func seen(_ db: Database, site: String, now: UInt64) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO _hub_site_clock(site, first_seen_ms, trusted_since_ms) VALUES (?, ?, ?)",
                       arguments: [site, Int64(clamping: now), Int64(clamping: now)])
    }

    /// Records a handshake of `site` at hub time `now` showing the node's clock `clock`: the day's
    /// lowest clock, the highest ever; a clock below the highest ever shown means the replica was
    /// restored, re-stamped or its clock state lost — the hub stops believing its older stamps
    /// from then on (`trusted_since_ms`).
    static func contact(_ db: Database, site: String, clock: HLC, now: UInt64) throws {
        try seen(db, site: site, now: now)
        let raw = Int64(bitPattern: clock.rawValue)
        let high = try Int64.fetchOne(db, sql: "SELECT clock_high FROM _hub_site_clock WHERE site = ?", arguments: [site]) ?? 0
        if high != 0 && UInt64(bitPattern: raw) < UInt64(bitPattern: high) {
            try db.execute(sql: "UPDATE _hub_site_clock SET trusted_since_ms = MAX(trusted_since_ms, ?) WHERE site = ?",
                           arguments: [Int64(clamping: now), site])
        } else {
            try db.execute(sql: "UPDATE _hub_site_clock SET clock_high = ?, clock_high_at_ms = ? WHERE site = ?",
                           arguments: [raw, Int64(clamping: now), site])
        }
        try db.execute(sql: """
            INSERT INTO _hub_site_contacts(site, day, first_ms, clock) VALUES (?, ?, ?, ?)
            ON CONFLICT(site, day) DO UPDATE SET clock = MIN(clock, excluded.clock)
            """, arguments: [site, SeasonDay.date(millis: now), Int64(clamping: now), raw])
    }

    /// What the hub knows of `site` (a site never seen counts as first seen `now`).
    static func facts(_ db: Database, site: String, now: UInt64) throws -> SiteClockFacts {
        let since = try Int64.fetchOne(db, sql: "SELECT trusted_since_ms FROM _hub_site_clock WHERE site = ?", arguments: [site])
        let contacts = try Row.fetchAll(db, sql: "SELECT first_ms, clock FROM _hub_site_contacts WHERE site = ? ORDER BY day", arguments: [site])
            .map { (at: UInt64(max(0, $0[0] as Int64)), clock: HLC(rawValue: UInt64(bitPattern: $0[1] as Int64))) }
        return SiteClockFacts(trustedSince: since.map { UInt64(max(0, $0)) } ?? now, contacts: contacts)
    }
}
