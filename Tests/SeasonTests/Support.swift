import CRDT
import Foundation
import GRDB
import Hub
import Logging
import ReformData
import Replica
import Synchronization
import WireProtocol

// A hub (HubService on an SQLite replica) and unit nodes (SQLite replicas), each on its own clock
// that the test sets: the season's rules are about time, so every clock is the test's to move.
// Nodes talk to the hub through HubService's own functions — handshake, the push's
// check-and-merge (`importChanges`, the same transaction as `POST /v1/push`), `readable` for pulls —
// without HTTP, which the process tests (IntegrationTests/SeasonProcessTests) cover.

/// A wall clock the test moves.
final class TestClock: Sendable {
    private let value: Mutex<UInt64>
    init(_ millis: UInt64) { value = Mutex(millis) }
    var now: UInt64 { value.withLock { $0 } }
    func set(_ millis: UInt64) { value.withLock { $0 = millis } }
    var read: @Sendable () -> UInt64 { { [self] in now } }
}

/// Days and hours as milliseconds.
func days(_ n: Double) -> Int64 { Int64(n * 86_400_000) }

/// The season of 2021 the tests use: self-assessment until 15/01/2022, appraisal until 28/02,
/// explanation until 15/03, re-appraisal until 31/03, final 18/06 (Vietnam time).
enum Season2021 {
    static let fields: [String: JSONValue] = [
        "year": .integer(2021), "group": .string("all"), "self_assessment_until": .string("2022-01-15"),
        "appraisal_until": .string("2022-02-28"), "explanation_until": .string("2022-03-15"),
        "reappraisal_until": .string("2022-03-31"), "final_on": .string("2022-06-18"),
    ]
    /// The self-assessment deadline: 2022-01-15 24:00 Vietnam time = 17:00 UTC.
    static let deadline = SeasonDay.endMillis("2022-01-15")!
    static let appraisalEnds = SeasonDay.endMillis("2022-02-28")!
    static let explanationEnds = SeasonDay.endMillis("2022-03-15")!

    /// `deadline` moved by `offset` milliseconds.
    static func at(_ offset: Int64) -> UInt64 { UInt64(Int64(deadline) + offset) }
}

final class SeasonHub: @unchecked Sendable {
    let clock: TestClock
    let replica: Replica
    let service: HubService

    init(lateAcceptanceDays: UInt64 = 30, units: [String] = ["SONDUONG", "NAHANG", "YENSON"], season: Bool = true) throws {
        clock = TestClock(Season2021.at(-days(40)))
        replica = try Replica.create(writer: DatabaseQueue(), unit: "SNV", role: .hub, wallClock: clock.read)
        try replica.put("units", json: ["id": .string("SNV"), "name": .string("Sở Nội vụ"), "group": .string("department")])
        for unit in units {
            try replica.put("units", json: ["id": .string(unit), "name": .string("UBND \(unit)"), "group": .string("district")])
        }
        try replica.put("methodologies", json: ["id": .string("M876"), "name": .string("876/QĐ-BNV")])
        try replica.put("criteria", json: ["id": .string("C1"), "methodology": .string("M876"), "level": .string("criterion"), "code": .string("1"),
                                           "name": .string("Tiêu chí 1"), "max_points": .integer(10)])
        if season { try replica.put("seasons", json: Season2021.fields) }
        var logger = Logger(label: "season-tests.hub")
        logger.logLevel = .critical
        service = try HubService(replica: replica, settings: HubSettings(lateAcceptanceMillis: lateAcceptanceDays * 86_400_000),
                                 logger: logger, wallClock: clock.read)
    }

    /// An extension for one unit, as `season extend` writes it.
    func extend(_ unit: String, until: String, phase: String = "self_assessment") throws {
        try replica.put("season_extensions", json: [
            "unit": .string(unit), "year": .integer(2021), "phase": .string(phase), "until": .string(until),
            "decided_by": .string("Chị Lan, phòng CCHC"), "reason": .string("mất điện"),
        ])
    }

    /// The accepted cells of a unit's scores: key → self_score.
    func scores() throws -> [String: Value] {
        try replica.list("assessment_scores").reduce(into: [:]) { $0[$1.key] = $1.values["self_score"] ?? .null }
    }
}

/// A unit's node: its replica on its own clock, and its cursors to the hub.
final class SeasonNode: @unchecked Sendable {
    let unit: String
    let clock: TestClock
    let replica: Replica
    var pushed = ChangeCursor.start
    var pulled = ChangeCursor.start
    /// Everything the hub refused, by (key, column, hlc).
    var refused: [RefusedChange] = []

    init(_ unit: String, at millis: UInt64, site: SiteID = .random()) throws {
        self.unit = unit
        clock = TestClock(millis)
        replica = try Replica.create(writer: DatabaseQueue(), unit: unit, site: site, wallClock: clock.read)
    }

    /// A self-score written now, on this node's clock.
    @discardableResult
    func score(_ value: Double) throws -> [Change] { try score("C1", value) }

    @discardableResult
    func score(_ criterion: String, _ value: Double, year: Int = 2021) throws -> [Change] {
        try replica.put("assessment_scores", json: ["unit": .string(unit), "year": .integer(Int64(year)), "criterion": .string(criterion),
                                                    "self_score": .double(value)])
    }

    /// The handshake of a round, showing the node's clock, at the hub's time (never behind the
    /// node's: nothing arrives before it is written).
    func handshake(_ hub: SeasonHub) async throws {
        hub.clock.set(max(hub.clock.now, clock.now))
        _ = try await hub.service.handshake(HandshakeRequest(schema: replica.schema.version, site: replica.site.rawValue, unit: unit,
                                                             nodeTimeMs: Int64(clock.now), nodeClock: String(try replica.currentClock().rawValue)),
                                            unit: unit)
    }

    /// At the hub's time (at least the node's), a handshake (with the node's clock), then every pending change in batches of `batch`; the
    /// refusals are quarantined as the node's sync does. Returns this round's refusals.
    @discardableResult
    func push(to hub: SeasonHub, batch: Int = 10_000) async throws -> [RefusedChange] {
        try await handshake(hub)
        var round: [RefusedChange] = []
        while true {
            var page = try replica.changes(after: pushed, limit: batch)
            // Only this node's own changes travel (as SyncSession's push): not what it pulled.
            page.changes = page.changes.filter { $0.site == replica.site }
            if page.changes.isEmpty { pushed = page.next; if page.hasMore { continue } else { break } }
            let (_, refused) = try hub.service.importChanges(page.changes, siteUnits: page.siteUnits, from: unit, site: replica.site.rawValue,
                                                             through: page.next.position)
            let sent = page.changes
            let matched = refused.compactMap { refusal in
                sent.first { $0.table == refusal.table && $0.key == refusal.key && $0.column == refusal.column && String($0.hlc.rawValue) == refusal.hlc }
                    .map { (change: $0, code: refusal.code, reason: refusal.reason) }
            }
            try await replica.writer.write { db in try self.replica.quarantine(matched, db) }
            round += refused
            pushed = page.next
            if !page.hasMore { break }
        }
        refused += round
        return round
    }

    /// A handshake, then everything the hub lets this unit read since the last pull, merged (a sync round's pull).
    func pull(from hub: SeasonHub) async throws {
        try await handshake(hub)
        while true {
            let page = try await hub.replica.writer.read { db in
                try hub.service.readable(by: self.unit, after: self.pulled, limit: 10_000, excludingSite: self.replica.site, db)
            }
            _ = try replica.apply(page.changes, siteUnits: page.siteUnits, maxClockSkewMillis: .max)
            pulled = page.next
            if !page.hasMore { break }
        }
    }
}
