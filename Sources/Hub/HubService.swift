import CRDT
import FileStore
import Foundation
import GRDB
import Logging
import ReformData
import Replica
import Synchronization
import WireProtocol

/// Limits and policy settings of the hub.
public struct HubSettings: Sendable {
    /// Largest request body accepted, compressed or not.
    public var maxBodyBytes: Int
    /// Most changes in one pull page (and advertised as the push batch limit).
    public var maxBatchChanges: Int
    /// Changes stamped further in the future than this are refused.
    public var maxClockSkewMillis: UInt64
    /// How long after a season deadline a change written before it is still accepted (Protocol §17.2).
    public var lateAcceptanceMillis: UInt64

    /// Protocol requests handled at once (`server.max_concurrent_requests`, §18.1).
    public var maxConcurrentRequests: Int
    /// Requests waiting for a slot before the hub answers 503 (`server.max_queued_requests`).
    public var maxQueuedRequests: Int
    /// Long-poll pulls open at once before the hub answers 503 (`server.max_live_pulls`).
    public var maxLivePulls: Int
    /// Seconds a 503 `overloaded` asks the node to wait (`server.retry_after`).
    public var retryAfterSeconds: Int

    public init(maxBodyBytes: Int = 8 << 20, maxBatchChanges: Int = 10_000, maxClockSkewMillis: UInt64 = 300_000,
                lateAcceptanceMillis: UInt64 = UInt64(SeasonPolicy.defaultLateAcceptanceDays) * 86_400_000,
                maxConcurrentRequests: Int = 16, maxQueuedRequests: Int = 1_024, maxLivePulls: Int = 4_096, retryAfterSeconds: Int = 5) {
        self.lateAcceptanceMillis = lateAcceptanceMillis
        self.maxBodyBytes = maxBodyBytes
        self.maxBatchChanges = maxBatchChanges
        self.maxClockSkewMillis = maxClockSkewMillis
        self.maxConcurrentRequests = maxConcurrentRequests
        self.maxQueuedRequests = maxQueuedRequests
        self.maxLivePulls = maxLivePulls
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// The hub's side of protocol v1, independent of HTTP: handshake, push (policy check and merge),
/// pull (filtered by what the unit may read). See Protocol/README.md.
public final class HubService: Sendable {
    public let replica: Replica
    public let tokens: TokenAuthority
    public let nodes: NodeRegistry
    public let settings: HubSettings
    /// The hub's Prometheus metrics (`GET /metrics`).
    public let metrics = HubMetrics()
    /// Evidence files: the store beside the replica (`DATA_DIR/files`), uploads, downloads, read scope (§16).
    public let files: HubFiles
    /// How many protocol requests run at once, fairly between units (§18.1).
    public let admission: HubAdmission
    /// Wakes long-poll pulls after a commit (§18.3).
    public let changeSignal = HubChangeSignal()
    /// What this hub offers beyond protocol 1 as first published, listed in every handshake
    /// answer (`features`, Protocol/README.md §18): a node uses a feature only when its hub lists it.
    public static let features = ["live_pull", "push_pull", "recheck"]
    /// A pull page examines up to this many rows per change of its limit (§8.4): in a province of
    /// many units most rows after a node's cursor are other units', which it skips; sweeping past
    /// them in one page keeps a round to one exchange.
    public static let rowsPerChange = 20
    /// The longest `wait` of a long-poll pull, in seconds (§18.3).
    public static let maxWaitSeconds = 60
    /// The registry's last recorded pull position of each site, and when: a pull that moved
    /// nothing is recorded at most once a minute, so idle and live pulls cost the writer nothing.
    /// (The unit is part of it: a site claimed by another unit is checked every time, §7.4.)
    private let recordedPulls = Mutex<[String: (unit: String, position: Int64, acknowledged: Int64, at: ContinuousClock.Instant)]>([:])
    let policy: WritePolicy
    let logger: Logger
    let wallClock: @Sendable () -> UInt64
    /// This replica's history (``HubEpoch``), answered in every handshake; replaced when a node
    /// shows the hub is older than what it served (``handshake(_:unit:)``).
    private let currentEpoch: Mutex<String>
    public var epoch: String { currentEpoch.withLock { $0 } }

    public init(replica: Replica, settings: HubSettings = HubSettings(), logger: Logger = Logger(label: "reformsync.hub"),
                wallClock: @escaping @Sendable () -> UInt64 = Replica.systemMillis) throws {
        self.replica = replica
        self.tokens = try TokenAuthority(writer: replica.writer)
        self.nodes = try NodeRegistry(writer: replica.writer)
        try replica.writer.write { db in
            _ = try SiteClocks(db)
            try LateArrivals.create(db)
        }
        self.settings = settings
        self.policy = WritePolicy(schema: replica.schema, maxClockSkewMillis: settings.maxClockSkewMillis)
        self.logger = logger
        self.wallClock = wallClock
        self.currentEpoch = Mutex(try HubEpoch.ensure(replica))
        self.files = HubFiles(store: FileStore(dataDirectory: (replica.location as NSString).deletingLastPathComponent), replica: replica)
        try replica.ensureFileTables()
        self.admission = HubAdmission(maxConcurrent: settings.maxConcurrentRequests, maxQueued: settings.maxQueuedRequests,
                                      maxLivePulls: settings.maxLivePulls, retryAfterSeconds: settings.retryAfterSeconds)
    }

    /// The cheap re-check of a round without a handshake (Protocol/README.md §18.2): the epoch and
    /// schema the node agreed in its last handshake must still be this hub's, or 409
    /// `handshake_required` tells it to handshake again. Nil members are not checked (old nodes).
    public func recheck(epoch: String?, schema: Int?) throws(HubError) {
        if let epoch, epoch != self.epoch {
            throw HubError.handshakeRequired("this hub's history is now epoch \(self.epoch), not \(epoch) as at your last handshake (restored from a backup?): handshake again")
        }
        if let schema, schema != replica.schema.version {
            throw HubError.handshakeRequired("this hub now uses schema \(replica.schema.version), not \(schema) as at your last handshake: handshake again")
        }
    }

    public func handshake(_ request: HandshakeRequest, unit: String) async throws -> HandshakeResponse {
        guard request.unit.nfc == unit else {
            throw HubError.forbidden("this token belongs to unit \(unit), but the node says it is \(request.unit)")
        }
        let lowest = max(request.protocolMin, ProtocolVersion.supported.lowerBound)
        let highest = min(request.protocolMax, ProtocolVersion.supported.upperBound)
        guard lowest <= highest else {
            throw HubError(status: 409, code: "protocol_unsupported",
                           message: "the node speaks protocol \(request.protocolMin)–\(request.protocolMax), the hub \(ProtocolVersion.supported.lowerBound)–\(ProtocolVersion.supported.upperBound)")
        }
        // One version behind or ahead is served (Protocol §19.1); further apart, the side to upgrade is named.
        if let refusal = SchemaCompatibility.refusal(node: request.schema, hub: replica.schema.version) {
            throw HubError(status: 409, code: "schema_mismatch", message: "node schema \(request.schema), hub schema \(replica.schema.version): \(refusal)")
        }
        guard SiteID(request.site) != nil else { throw HubError.badRequest("site \"\(request.site)\" is not a site id (16 hex digits)") }
        let now = Int64(wallClock())
        // Clamped: a nonsense node time must not overflow (and stop the hub).
        let nodeTime = min(max(request.nodeTimeMs, 0), 1 << 50)
        let offset = now - nodeTime
        let skew = Int64(settings.maxClockSkewMillis)
        let warning = abs(offset) > skew
            ? "the node's clock is \(abs(offset) / 1000) s \(offset > 0 ? "behind" : "ahead of") the hub; changes stamped more than \(skew / 1000) s ahead are refused: fix the clock (NTP)"
            : nil
        let nodeClock = try request.nodeClock.map { text -> HLC in
            guard let raw = UInt64(text) else {
                throw HubError.badRequest("node_clock \"\(text.prefix(40))\" is not an HLC (a whole number 0…18446744073709551615 written as a string)")
            }
            return HLC(rawValue: raw)
        }
        if let claimed = request.pushedThrough, claimed < 0 {
            throw HubError.badRequest("pushed_through \(claimed) is negative: it is a version of the node's replica (0 or more)")
        }
        try await bindingSite(request.site, unit: unit) {
            try await replica.writer.write { db in
                try self.requireUncompacted(site: request.site, db)  // before it counts as seen (§19.2)
                try self.nodes.recordHandshake(db, site: request.site, unit: unit, software: request.software, clockOffsetMs: offset)
                // The node's clock, for the season's back-dating rules (Protocol §17.4).
                if let clock = nodeClock {
                    try SiteClocks.contact(db, site: request.site, clock: clock, now: UInt64(now))
                } else {
                    try SiteClocks.seen(db, site: request.site, now: UInt64(now))
                }
                try self.nodes.recordSchema(db, site: request.site, schema: request.schema)
                // The node was acknowledged, under this very epoch, more than this hub holds: the hub's
                // file is older than what it served (a snapshot or copy put back, not a `backup` file).
                let recorded = try self.nodes.pushedThrough(db, site: request.site) ?? 0
                // (Read and replaced inside the write: writes are serialised, so is the epoch.)
                guard request.hubEpoch == self.epoch, let claimed = request.pushedThrough, claimed > recorded else { return }
                let fresh = HubEpoch.fresh()
                try self.replica.setMeta([HubEpoch.metaKey: fresh], db)
                self.currentEpoch.withLock { $0 = fresh }
                self.logger.warning("""
                    node \(request.site) (\(unit)) had its pushes acknowledged through \(claimed), but this hub has them only through \(recorded): \
                    this hub was restored from an older copy. New hub epoch \(fresh): every node pushes and pulls everything again.
                    """)
            }
        }
        return HandshakeResponse(protocol: highest, schema: replica.schema.version, hubSite: replica.site.rawValue,
                                 hubUnit: replica.unit, hubTimeMs: now, clockOffsetMs: offset, clockWarning: warning,
                                 hubVersion: try await replica.writer.read { db in try self.replica.version(db) },
                                 limits: .init(maxBodyBytes: settings.maxBodyBytes, maxBatchChanges: settings.maxBatchChanges,
                                               maxClockSkewMs: skew),
                                 hubEpoch: epoch, features: Self.features)
    }

    /// Checks every change against the schema and who may write it, merges the accepted ones
    /// and records the node's progress, all in one transaction.
    public func push(_ request: ReceivedPush, unit: String) async throws -> PushResponse {
        var received: (changes: [Change], siteUnits: [SiteID: String])
        guard SchemaCompatibility.served(byHub: replica.schema.version).contains(request.changes.schema) else {
            throw HubError(status: 409, code: "schema_mismatch", message: "the change set is for schema \(request.changes.schema), the hub's is \(replica.schema.version): "
                           + (SchemaCompatibility.refusal(node: request.changes.schema, hub: replica.schema.version) ?? ""))
        }
        do { received = try request.changes.resolved() } catch { throw HubError.badRequest("changes: \(error.message)") }
        // The pushing node may name units only for sites of its own unit: the audit trail cannot be falsified.
        received.siteUnits = received.siteUnits.filter { $0.value == unit }
        let decoded = received
        guard decoded.changes.count <= settings.maxBatchChanges * 2 else {
            throw HubError(status: 413, code: "batch_too_large", message: "\(decoded.changes.count) changes in one push; send at most \(settings.maxBatchChanges) (as the handshake's limits say)")
        }
        let source = request.changes.source?.site
        if let source, SiteID(source) == nil {
            throw HubError.badRequest("changes.source.site \"\(source)\" is not a site id (16 hex digits)")
        }
        let (report, refused, audience) = try await bindingSite(source, unit: unit) {
            try await replica.writer.write { db -> (ApplyReport, [RefusedChange], ChangeAudience) in
                // A site already bound to another unit is refused before anything is merged.
                if let source {
                    try self.nodes.bind(db, site: source, unit: unit)
                    try self.requireUncompacted(site: source, db)
                }
                let before = try self.replica.version(db)
                let (report, refused) = try self.checkAndMerge(decoded.changes, siteUnits: decoded.siteUnits, from: unit, db)
                if let source {
                    try self.nodes.recordPush(db, site: source, unit: unit, through: request.through.position, received: decoded.changes.count, refused: refused.count)
                }
                return (report, refused, try self.audience(of: report, after: before, db))
            }
        }
        let refusedChanges = aheadOfHub(refused, changeSetSchema: request.changes.schema)
        count(report, refused: refusedChanges)
        if report.applied > 0 { wakeLivePulls(audience) }
        if !refusedChanges.isEmpty {
            logger.notice("refused changes from \(unit)", metadata: ["count": "\(refusedChanges.count)", "first": "\(refusedChanges[0])"])
        }
        return PushResponse(acknowledged: request.through, applied: report.applied, duplicates: report.duplicates,
                            superseded: report.lost + report.stale, refused: refusedChanges, hubVersion: report.version)
    }

    /// Checks every change against the schema and who may write it (``WritePolicy``), merges
    /// the accepted ones, in the caller's transaction: the one path by which a unit's changes
    /// enter the hub, shared by `POST /v1/push` and `import-changes` at the hub (Protocol §6, §15).
    ///
    /// - Parameter siteUnits: the units of the sites, already limited to sites of `unit`.
    /// - Returns: what the merge did, and the refused changes (not merged).
    public func checkAndMerge(_ changes: [Change], siteUnits: [SiteID: String], from unit: String,
                              _ db: Database) throws -> (ApplyReport, [RefusedChange]) {
        let now = wallClock()
        var refusedIndices: [Int] = []
        var refused: [RefusedChange] = []
        var claimed: [(table: String, key: String)] = []
        // Rows of the batch (consecutive changes of one table and key), and their state at the hub.
        var groups: [Range<Int>] = []
        var start = 0
        while start < changes.count {
            var end = start + 1
            while end < changes.count && changes[end].key == changes[start].key && changes[end].table == changes[start].table { end += 1 }
            groups.append(start..<end)
            start = end
        }
        let known = groups.map { (table: changes[$0.lowerBound].table, key: changes[$0.lowerBound].key) }
        let states = try self.replica.rowStates(known.filter { self.replica.schema.table($0.table) != nil }, db)
        // The season's rules (Protocol §17), on what this replica knows of the unit's seasons.
        let seasonYears = Replica.seasonYears(changes)
        let seasonFacts = seasonYears.isEmpty ? nil : try self.replica.seasonFacts(unit: unit, years: seasonYears, db)
        let seasonPolicy = SeasonPolicy(lateAcceptanceMillis: settings.lateAcceptanceMillis)
        var siteFacts: [SiteID: SiteClockFacts] = [:]
        var lateArrivals: [Change] = []
        var stateIndex = 0
        for (group, row) in zip(groups, known) {
            var stored: (state: RowState, owner: String?)?
            if self.replica.schema.table(row.table) != nil {
                stored = states[stateIndex]
                stateIndex += 1
            }
            let slice = Array(changes[group])
            var verdicts = self.policy.check(slice, from: unit, storedOwner: stored?.owner, storedRow: stored?.state, nowMillis: now)
            for (i, change) in slice.enumerated() where change.site == self.replica.site && verdicts[i] == nil {
                verdicts[i] = WritePolicy.Refusal("bad_site", "stamped with the hub's own site id: a node cannot write as the hub")
            }
            if let seasonFacts {
                for (i, change) in slice.enumerated() where verdicts[i] == nil && SeasonPolicy.governance(table: change.table, column: change.column) != nil {
                    if siteFacts[change.site] == nil { siteFacts[change.site] = try SiteClocks.facts(db, site: change.site.rawValue, now: now) }
                    verdicts[i] = seasonPolicy.check(change, facts: seasonFacts, storedRow: stored?.state, arrivedAt: now, site: siteFacts[change.site])
                    if verdicts[i] == nil, !(stored.map { SeasonPolicy.holds($0.state, change) } ?? false), let deadline = LateArrivals.deadline(of: change, facts: seasonFacts), now >= deadline {
                        lateArrivals.append(change)
                    }
                }
            }
            if verdicts.allSatisfy({ $0 == nil }), self.policy.claimsTombstone(slice, storedOwner: stored?.owner, storedRow: stored?.state) {
                claimed.append((row.table, row.key))
            }
            for (offset, verdict) in verdicts.enumerated() {
                guard let verdict else { continue }
                let change = slice[offset]
                refused.append(RefusedChange(table: change.table, key: change.key, column: change.column, hlc: String(change.hlc.rawValue),
                                             site: change.site.rawValue, code: verdict.code, reason: verdict.reason))
                refusedIndices.append(group.lowerBound + offset)
            }
        }
        // Usually nothing is refused: the batch merges as it came, without a copy.
        var accepted = changes
        if !refusedIndices.isEmpty {
            accepted = []
            accepted.reserveCapacity(changes.count - refusedIndices.count)
            var next = 0  // refusedIndices ascend
            for index in changes.indices {
                if next < refusedIndices.count && refusedIndices[next] == index {
                    next += 1
                } else {
                    accepted.append(changes[index])
                }
            }
        }
        let report = try self.replica.apply(accepted, siteUnits: siteUnits, db)
        for site in Set(changes.map(\.site)) where site != self.replica.site { try SiteClocks.seen(db, site: site.rawValue, now: now) }
        try LateArrivals.record(lateArrivals, unit: unit, arrivedAt: now, db)
        for row in claimed { try self.replica.rememberOwner(row.table, key: row.key, owner: unit, db) }
        return (report, refused)
    }

    /// An exchange file from `unit` imported at the hub (Protocol/README.md §15): the push's
    /// transaction — site binding, policy check and merge, registry — without HTTP.
    /// - Parameters:
    ///   - site: the file's `source.site`; `through`: its `source.version`.
    public func importChanges(_ changes: [Change], siteUnits: [SiteID: String], from unit: String, site: String,
                              through: Int64) throws -> (ApplyReport, [RefusedChange]) {
        guard SiteID(site) != nil else { throw HubError.badRequest("source.site \"\(site)\" is not a site id (16 hex digits)") }
        // As for a push: the file may name units only for sites of its own unit.
        let siteUnits = siteUnits.filter { $0.value == unit }
        let (report, refused, audience) = try replica.writer.write { db -> (ApplyReport, [RefusedChange], ChangeAudience) in
            try self.nodes.bind(db, site: site, unit: unit)
            try self.requireUncompacted(site: site, db)  // a file from a node away too long, as a push (§19.2)
            let before = try self.replica.version(db)
            let (report, refused) = try self.checkAndMerge(changes, siteUnits: siteUnits, from: unit, db)
            try self.nodes.recordPush(db, site: site, unit: unit, through: through, received: changes.count, refused: refused.count)
            return (report, refused, try self.audience(of: report, after: before, db))
        }
        count(report, refused: refused)
        if report.applied > 0 { wakeLivePulls(audience) }
        if !refused.isEmpty {
            logger.notice("refused changes imported from \(unit)", metadata: ["count": "\(refused.count)", "first": "\(refused[0])"])
        }
        return (report, refused)
    }

    /// Who may read what a merge just changed (the rows after `before`), to wake only their long
    /// polls (§18.3); nobody when nothing was applied.
    func audience(of report: ApplyReport, after before: Int64, _ db: Database) throws -> ChangeAudience {
        report.applied > 0 ? try replica.audience(ofRowsAfter: before, db) : .nobody
    }

    /// Wakes the long polls of the units that may read something of a commit (§18.3), and counts them.
    public func wakeLivePulls(_ audience: ChangeAudience) {
        guard !audience.isNobody else { return }
        metrics.livePullsWoken(changeSignal.notify(audience))
    }

    /// Who may read the rows changed after `version`, for waking long polls after another
    /// process's commit; every unit when the replica cannot be read.
    public func audience(ofRowsAfter version: Int64) async -> ChangeAudience {
        do {
            return try await replica.writer.read { db in try self.replica.audience(ofRowsAfter: version, db) }
        } catch {
            logger.warning("cannot tell who may read what another process wrote (\(error)): waking every live pull")
            return .everyone
        }
    }

    /// Counts merged and refused changes in the metrics and logs the refusals (after the commit).
    public func count(_ report: ApplyReport, refused: [RefusedChange]) {
        metrics.merged(report.applied)
        for (code, changes) in Dictionary(grouping: refused, by: \.code) { metrics.refused(code: code, count: changes.count) }
    }

    /// Runs `body`, logging a refused site binding (Protocol/README.md §7.4) before passing it on.
    func bindingSite<T>(_ site: String?, unit: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as HubError where error.code == "site_taken" {
            logger.warning("refused a site claimed by another unit", metadata: ["site": "\(site ?? "")", "claimed_by": "\(unit)", "reason": "\(error.message)"])
            throw error
        }
    }

    /// A page of the changes `unit` may read after `cursor` (its read scope, Protocol/README.md
    /// §6.2): what `GET /v1/pull` sends, and what `export-changes --unit` writes at the hub.
    /// - Parameter excludingSite: the asking node's site, whose own changes it already has.
    public func readable(by unit: String, after cursor: ChangeCursor, limit: Int, excludingSite: SiteID?, _ db: Database) throws -> ChangePage {
        try readable(by: readPolicy(unit: unit, db), after: cursor, limit: limit, excludingSite: excludingSite, db)
    }

    /// ``readable(by:after:limit:excludingSite:_:)`` with the unit's read policy already read.
    func readable(by read: ReadPolicy, after cursor: ChangeCursor, limit: Int, excludingSite: SiteID?, _ db: Database) throws -> ChangePage {
        // A node has every change it stamped itself (or a later one of the same field): not sent back.
        // Reads the unit's rows only (and shared ones), through the index by owner: the same page
        // as sweeping every row with `read.mayRead` as the filter (§8.4, §18.1).
        var page = try self.replica.changes(after: cursor, limit: limit, readableBy: read,
                                            excludingSite: excludingSite, maxRows: limit * Self.rowsPerChange, db)
        // A task the unit was just assigned to: send the whole task, which the unit never saw.
        let newlyAssigned = Set(page.changes.filter { $0.table == "task_assignees" && ($0.column == "task" || $0.column == nil) }
            .compactMap { change -> String? in
                guard change.column == "task", case .text(let task) = change.value else { return nil }
                return task
            })
        for task in newlyAssigned.sorted() {
            let row = try self.replica.rowChanges("tasks", key: task, db)
            page.changes += row.changes
            page.siteUnits.merge(row.siteUnits) { first, _ in first }
        }
        return page
    }

    /// A page of what `unit` may read after `cursor`; with `wait`, a long poll (§18.3): while
    /// the page would be empty, it waits — holding no admission slot — until a commit makes
    /// something readable or `wait` passes, then answers what it has (the empty page, at worst).
    public func pull(unit: String, site: String?, cursor: ChangeCursor, limit: Int, schema: Int? = nil, wait: Duration? = nil) async throws -> OutgoingPullPage {
        if let site, SiteID(site) == nil { throw HubError.badRequest("query parameter site=\(site) is not a site id (16 hex digits)") }
        let deadline = wait.map { ContinuousClock.now + $0 }
        var cursor = cursor
        var live = false
        defer { if live { admission.closeLivePull() } }
        while true {
            let generation = changeSignal.generation
            let from = cursor
            let ((page, reader), waited) = try await admission.run(unit: unit) {
                try await self.readPageAndPolicy(unit: unit, site: site, cursor: from, limit: limit, schema: schema, recording: deadline == nil)
            }
            metrics.queueWait(waited)
            guard let deadline, page.changes.isEmpty, !page.more, ContinuousClock.now < deadline, !Task.isCancelled,
                  !changeSignal.isClosed else {
                if deadline != nil, let site {
                    try await recordPull(site: site, unit: unit, position: page.next.position, acknowledged: from.position)
                }
                return page
            }
            if !live {
                try admission.openLivePull()
                live = true
            }
            // Nothing readable up to the page's end: the next read starts there.
            cursor = ChangeCursor(baseline: page.next.baseline, position: page.next.position)
            // Woken only by commits the unit may read something of (A.22), or at the deadline.
            await changeSignal.wait(after: generation, for: reader, timeout: deadline - ContinuousClock.now)
        }
    }

    /// A page of what `unit` may read after `cursor`, and its registry entry: the read of
    /// `GET /v1/pull`, and of the pull request a push carries (§18.2), in the caller's slot.
    /// - Parameter schema: the node's schema version when it declares one (`schema=`); an older
    ///   node gets only what its schema has (Protocol §19.1), the rest waits at the hub.
    /// - Parameter recording: false to leave the registry to the caller.
    public func readPage(unit: String, site: String?, cursor: ChangeCursor, limit: Int, schema: Int? = nil,
                         recording: Bool = true) async throws -> OutgoingPullPage {
        try await readPageAndPolicy(unit: unit, site: site, cursor: cursor, limit: limit, schema: schema, recording: recording).page
    }

    /// ``readPage(unit:site:cursor:limit:schema:recording:)``, and the unit's read policy it read
    /// with (a long poll waits for commits that policy may read something of).
    func readPageAndPolicy(unit: String, site: String?, cursor: ChangeCursor, limit: Int, schema: Int? = nil,
                           recording: Bool = true) async throws -> (page: OutgoingPullPage, policy: ReadPolicy) {
        if let site, SiteID(site) == nil { throw HubError.badRequest("site \(site) is not a site id (16 hex digits)") }
        let limit = min(max(1, limit), settings.maxBatchChanges)
        let (page, version, policy) = try await replica.writer.read { db -> (ChangePage, Int64, ReadPolicy) in
            try self.requireUncompacted(cursor: cursor, site: site, db)
            let view = try self.nodeSchema(declared: schema, site: site, db)
            let policy = try self.readPolicy(unit: unit, db)
            let readable = try self.readable(by: policy, after: cursor, limit: limit, excludingSite: site.flatMap(SiteID.init), db)
            return (self.narrowed(readable, to: view), try self.replica.version(db), policy)
        }
        if recording, let site { try await recordPull(site: site, unit: unit, position: page.next.position, acknowledged: cursor.position) }
        return (OutgoingPullPage(changes: page.changes, siteUnits: page.siteUnits, schemaVersion: replica.schema.version,
                                 next: WireCursor(baseline: page.next.baseline, position: page.next.position), more: page.hasMore,
                                 hubVersion: version), policy)
    }

    /// Records a pull in the registry, and the position the node acknowledged by asking from it
    /// (the compaction watermark, §19.2), unless the same positions were recorded less than a minute ago.
    func recordPull(site: String, unit: String, position: Int64, acknowledged: Int64) async throws {
        let now = ContinuousClock.now
        let fresh = recordedPulls.withLock { recorded in
            guard let last = recorded[site], last.unit == unit, last.position == position, last.acknowledged == acknowledged,
                  now - last.at < .seconds(60) else { return false }
            return true
        }
        guard !fresh else { return }
        try await bindingSite(site, unit: unit) {
            try await replica.writer.write { db in
                try self.nodes.recordPull(db, site: site, unit: unit, position: position)
                try self.nodes.recordAcknowledged(db, site: site, position: acknowledged)
            }
        }
        recordedPulls.withLock { $0[site] = (unit, position, acknowledged, now) }
    }
}
