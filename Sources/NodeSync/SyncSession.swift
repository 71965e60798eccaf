import CRDT
import Foundation
import GRDB
import HubClient
import Logging
import Synchronization
import ReformData
import Replica
import WireProtocol

/// One node's synchronisation with the hub: handshake, push in bounded batches, pull in pages.
///
/// Every step commits with its cursor in one SQLite transaction, so a round interrupted at any
/// point (link drop, SIGKILL) resumes exactly where it stopped: nothing is lost or applied twice
/// (re-sending a batch is harmless, the merge being idempotent). See Protocol/README.md.
public final class SyncSession: Sendable {
    public let replica: Replica
    /// The hub's limits from the last handshake (batch size and body size), honoured by push.
    private let hubLimits = Mutex<HandshakeResponse.Limits?>(nil)
    /// The agreement this round goes on: from this round's handshake, or remembered (§18.2).
    private let agreed = Mutex<AgreedHandshake?>(nil)
    let client: HubHTTPClient
    let batchChanges: Int
    let batchBytes: Int
    let logger: Logger

    /// This build's name and version for the handshake (``ReformsyncVersion``).
    public static let software = ReformsyncVersion.software

    /// The meta key of the last `through.position` the hub acknowledged (sent back in the handshake).
    static let acknowledgedKey = "hub_acknowledged_through"

    public init(replica: Replica, client: HubHTTPClient, batchChanges: Int = 2_000, batchBytes: Int = 256 << 10,
                logger: Logger = Logger(label: "reformsync.sync")) {
        self.replica = replica
        self.client = client
        self.batchChanges = max(1, batchChanges)
        self.batchBytes = max(1024, batchBytes)
        self.logger = logger
    }

    /// A full round: push everything pending, then pull until up to date.
    ///
    /// With a hub that offers it (Protocol/README.md §18.2), the handshake of the last hour is
    /// re-checked by the hub instead of repeated, and the last push carries the pull request: a
    /// round with changes both ways is one HTTP exchange, an idle round one small pull.
    public func runOnce() async throws -> SyncReport {
        var report = SyncReport()
        do {
            do {
                try await round(&report, handshaking: try rememberedAgreement() == nil)
            } catch let needed as HandshakeNeeded {
                logger.notice("handshaking again: \(needed.reason)")
                try await round(&report, handshaking: true)
            }
            let hubVersion = report.hubVersion
            try await replica.writer.write { db in
                try self.replica.setMeta([
                    "last_sync_ok_at": Timestamp.string(),
                    "last_error": nil, "last_error_at": nil,
                    "hub_version": String(hubVersion),
                ], db)
            }
            return report
        } catch {
            let message = Self.describe(error)
            try? await replica.writer.write { db in
                try self.replica.setMeta(["last_error": message, "last_error_at": Timestamp.string()], db)
            }
            throw SyncError(message, retryAfter: Self.retryAfter(error))
        }
    }

    /// The hub's `Retry-After` behind `error`, also after the client's own retries ran out.
    static func retryAfter(_ error: any Error) -> Double? {
        guard let failure = error as? HubClientError else { return nil }
        if case .tooManyRetries(_, let last) = failure.kind { return last.retryAfter ?? failure.retryAfter }
        return failure.retryAfter
    }

    /// Handshake (unless the remembered agreement holds), push, pull.
    private func round(_ report: inout SyncReport, handshaking: Bool) async throws {
        if handshaking { try await handshake(&report) }
        let first = try await push(&report)
        // Counted before pulling: what the hub sends is never this node's to push.
        report.pendingChanges = try pendingChanges()
        try await pull(&report, first: first)
    }

    /// The remembered agreement when a round may skip its handshake, else nil; sets this
    /// round's limits and agreement from it.
    func rememberedAgreement() throws -> AgreedHandshake? {
        guard let remembered = try AgreedHandshake.load(replica),
              remembered.stillValid(schema: replica.schema.version, software: Self.software) else { return nil }
        hubLimits.withLock { $0 = remembered.limits }
        agreed.withLock { $0 = remembered }
        return remembered
    }

    /// Waits at the hub up to `wait` seconds for something this unit may read, and merges it
    /// (Protocol/README.md §18.3): the daemon keeps one such pull open between rounds. Nil when
    /// the hub does not offer `live_pull` (or no handshake is remembered): then the caller waits
    /// for its next round instead. Not retried: the caller decides when to try again.
    /// - Throws: ``HandshakeNeeded`` when the hub refuses the remembered agreement (restored,
    ///   upgraded): the caller should run a round, which handshakes; others as a round's requests.
    public func pullLive(wait: Int) async throws -> SyncReport? {
        guard let remembered = try rememberedAgreement(), remembered.features.contains("live_pull") else { return nil }
        var report = SyncReport()
        try await pull(&report, wait: min(max(1, wait), 60))
        let hubVersion = report.hubVersion
        try await replica.writer.write { db in
            try self.replica.setMeta(["hub_version": String(hubVersion), "last_live_pull_at": Timestamp.string()], db)
        }
        return report
    }

    /// 409 `handshake_required` as ``HandshakeNeeded`` (the round handshakes and starts again); other errors as they are.
    static func recheckFailed(_ error: any Error) -> any Error {
        guard let failure = error as? HubClientError, case .http(status: 409, code: "handshake_required"?, let message) = failure.kind else { return error }
        return HandshakeNeeded(reason: message ?? "the hub changed since the last handshake")
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HubClientError: return error.description
        case let error as SyncError: return error.message
        case let error as WireError: return "the hub sent a message this node cannot read: \(error.message)"
        default: return String(describing: error)
        }
    }

    // MARK: - Steps

    func handshake(_ report: inout SyncReport) async throws {
        // What the hub acknowledged under the epoch last seen: lets a hub put back from an older copy notice it (§6.4).
        let request = HandshakeRequest(schema: replica.schema.version, site: replica.site.rawValue, unit: replica.unit,
                                       nodeTimeMs: Int64(Replica.systemMillis()), software: Self.software,
                                       hubEpoch: try replica.meta("hub_epoch"),
                                       pushedThrough: try replica.meta(Self.acknowledgedKey).flatMap { Int64($0) },
                                       nodeClock: String(try replica.currentClock().rawValue))
        let response = try await client.sendWithRetry(.post("/v1/handshake", body: try WireJSON.encode(request)))
        count(response, &report)
        let answer = try WireJSON.decode(HandshakeResponse.self, from: response.body, what: "handshake response")
        hubLimits.withLock { $0 = answer.limits }
        report.clockOffsetMs = answer.clockOffsetMs
        report.clockWarning = answer.clockWarning
        report.hubVersion = answer.hubVersion
        if let warning = answer.clockWarning { logger.warning("\(warning)") }
        // A hub restored from a backup (or replaced) is not the history the cursors were read from.
        // (Read before the transaction: only this session writes these keys and cursors.)
        let restart = try cursorRestart(answer)
        try await replica.writer.write { db in
            if let restart {
                try self.replica.setCursor("pull", ChangeCursor(baseline: 0, position: 0), db)
                try self.replica.setCursor("push", ChangeCursor(baseline: 0, position: 0), db)
                try self.replica.setMeta(["hub_cursors_restarted_at": Timestamp.string(), "hub_cursors_restarted_because": restart,
                                          Self.acknowledgedKey: nil], db)
            }
            try self.replica.setMeta([
                "hub_site": answer.hubSite, "hub_unit": answer.hubUnit, "protocol": String(answer.protocol),
                "clock_offset_ms": String(answer.clockOffsetMs), "clock_warning": answer.clockWarning,
                "last_handshake_at": Timestamp.string(), "hub_version": String(answer.hubVersion),
                "hub_epoch": answer.hubEpoch,
            ].merging(AgreedHandshake.meta(answer, software: Self.software)) { $1 }, db)
        }
        agreed.withLock { $0 = nil }
        _ = try rememberedAgreement()
        if let restart {
            report.cursorsRestarted = true
            logger.warning("\(restart): this node pushes all its changes again and pulls everything again (duplicates are harmless)")
        }
    }

    /// Why the push and pull cursors no longer describe this hub (Protocol/README.md §6.4), or nil.
    ///
    /// The cursors hold positions in the hub's history: the pull cursor a hub version, the push
    /// cursor "the hub has every change of mine up to here". A hub restored from a backup has
    /// forgotten what came after the backup, so both are wrong: the node would never re-send its
    /// lost changes, and would skip the hub versions the restored hub hands out again. Signs: a
    /// new `hub_epoch` (every `reformsync backup` copy of a hub gets one), another `hub_site`, or a
    /// `hub_version` below the pull cursor (a hub copied back by other means). Starting again
    /// from (0, 0) only re-sends what the other side may already have.
    func cursorRestart(_ answer: HandshakeResponse) throws -> String? {
        let knownSite = try replica.meta("hub_site")
        let knownEpoch = try replica.meta("hub_epoch")
        let pulled = try replica.cursor("pull")
        if let knownSite, knownSite != answer.hubSite {
            return "the hub is another replica (site \(answer.hubSite), was \(knownSite))"
        }
        if let knownEpoch, let epoch = answer.hubEpoch, knownEpoch != epoch {
            return "the hub was restored from a backup or an older copy (hub epoch \(epoch), was \(knownEpoch))"
        }
        if answer.hubVersion < pulled.position {
            return "the hub's version went back to \(answer.hubVersion), below this node's pull cursor \(pulled.position) (restored from an older copy?)"
        }
        return nil
    }

    /// One push batch, read and encoded: the page it comes from, the changes it sends and the body.
    private struct PushBatch: Sendable {
        var cursor: ChangeCursor
        var page: ChangePage
        var outgoing: [Change]
        var body: [UInt8]
    }

    /// The query of a push (§18.2): the agreement to re-check, and on the last batch the pull
    /// request whose first page comes back with the acknowledgement. Empty for a hub without them.
    private func pushQuery(last: Bool) throws -> String {
        guard let agreement = agreed.withLock({ $0 }) else { return "" }
        var query = "?" + agreement.query
        if last && agreement.features.contains("push_pull") {
            let cursor = try replica.cursor("pull")
            query += "&pull_baseline=\(cursor.baseline)&pull_position=\(cursor.position)&pull_limit=\(batchChanges)&schema=\(replica.schema.version)"
        }
        return query
    }

    /// Reads the batch after `cursor` and encodes its request body.
    private func prepareBatch(after cursor: ChangeCursor, limit: Int, sites: Set<SiteID>) throws -> PushBatch {
        let page = try replica.changes(after: cursor, limit: limit)
        let outgoing = page.changes.filter { sites.contains($0.site) }
        guard !outgoing.isEmpty else { return PushBatch(cursor: cursor, page: page, outgoing: [], body: []) }
        let body = try WireJSON.encode(OutgoingPush(
            through: WireCursor(baseline: page.next.baseline, position: page.next.position), changes: outgoing, siteUnits: page.siteUnits,
            schemaVersion: replica.schema.version,
            source: .init(site: replica.site.rawValue, unit: replica.unit, version: page.next.position, since: cursor.position)))
        return PushBatch(cursor: cursor, page: page, outgoing: outgoing, body: body)
    }

    /// At most this many push requests are in flight: while the hub merges one batch, it already
    /// receives and decodes the next, and this node reads and encodes the one after. (Under a
    /// bandwidth cap the client sends them one after the other: the cap is for the link.)
    static let pushWindow = 2

    /// A batch read, and its request when it has changes to send.
    private struct PushInFlight {
        var batch: PushBatch
        var response: Task<HubResponse, any Error>?
    }

    /// Pushes batch after batch, keeping up to ``pushWindow`` requests in flight (each starts
    /// where the one before ends). Acknowledgements are committed strictly in order, each with
    /// its cursor and quarantine: if one fails, the round stops and nothing after it is recorded
    /// (a batch the hub merged anyway is merged again harmlessly next time).
    /// - Returns: the first pull page, when the last push carried the pull request (§18.2).
    @discardableResult
    func push(_ report: inout SyncReport) async throws -> PulledPage? {
        var firstPage: PulledPage?
        let sites = try replica.pushSites()
        let limits = hubLimits.withLock { $0 }
        // Never more than the hub accepts: its batch limit, and its body limit with room for headers.
        let maxChanges = min(batchChanges, limits?.maxBatchChanges ?? batchChanges)
        let maxBytes = min(batchBytes, (limits?.maxBodyBytes).map { $0 - $0 / 8 } ?? batchBytes)
        var window: [PushInFlight] = []
        defer { for entry in window { entry.response?.cancel() } }
        var readCursor = try replica.cursor("push")
        var moreToRead = true
        while true {
            // Fill the window: read and encode the next batches, and send them.
            while moreToRead && window.count < Self.pushWindow {
                var limit = maxChanges
                var batch = try prepareBatch(after: readCursor, limit: limit, sites: sites)
                while batch.body.count > maxBytes && limit > 1 {
                    limit = max(1, limit / 2)  // too many bytes: a smaller batch, same cursor
                    batch = try prepareBatch(after: readCursor, limit: limit, sites: sites)
                }
                let body = batch.body
                let client = self.client
                let path = "/v1/push" + (batch.outgoing.isEmpty ? "" : try pushQuery(last: !batch.page.hasMore))
                window.append(PushInFlight(batch: batch, response: batch.outgoing.isEmpty ? nil : Task {
                    try await client.sendWithRetry(.post(path, body: body))
                }))
                readCursor = batch.page.next
                moreToRead = batch.page.hasMore
            }
            guard !window.isEmpty else { return firstPage }
            let entry = window.removeFirst()
            let page = entry.batch.page
            let sent: HubResponse?
            do { sent = try await entry.response?.value } catch { throw Self.recheckFailed(error) }
            guard let response = sent else {
                // Only changes pulled from the hub in this stretch: nothing to send, move on.
                try await replica.writer.write { db in try self.replica.setCursor("push", page.next, db) }
                continue
            }
            count(response, &report)
            let outgoing = entry.batch.outgoing
            let received = try WireJSON.read(ReceivedPushPull.self, from: response.body, what: "push response")
            let answer = received.push
            if let pulled = received.pull {
                let decoded = try pulled.changes.resolved()
                firstPage = PulledPage(bytes: (0, 0), answer: pulled, changes: decoded.changes, siteUnits: decoded.siteUnits)
            }
            guard answer.acknowledged == WireCursor(baseline: page.next.baseline, position: page.next.position) else {
                throw SyncError("the hub acknowledged \(answer.acknowledged) instead of the batch sent; not advancing")
            }
            let refused = answer.refused.compactMap { refusal -> (change: Change, code: String, reason: String)? in
                guard let change = outgoing.first(where: {
                    $0.table == refusal.table && $0.key == refusal.key && $0.column == refusal.column
                        && String($0.hlc.rawValue) == refusal.hlc && $0.site.rawValue == refusal.site
                }) else { return nil }
                return (change, refusal.code, refusal.reason)
            }
            // The acknowledgement, the cursor and the quarantine commit together.
            try await replica.writer.write { db in
                try self.replica.quarantine(refused, db)
                try self.replica.setCursor("push", page.next, db)
                try self.replica.setMeta(["hub_version": String(answer.hubVersion), Self.acknowledgedKey: String(page.next.position)], db)
            }
            if !refused.isEmpty {
                logger.warning("the hub refused \(refused.count) change(s); see `reformsync quarantine list`", metadata: ["first": "\(answer.refused[0])"])
            }
            report.pushedChanges += outgoing.count
            report.pushBatches += 1
            report.refusedChanges += answer.refused.count
            report.hubVersion = answer.hubVersion
        }
    }

    private func pullRequest(_ cursor: ChangeCursor, wait: Int? = nil) -> HubRequest {
        // schema=: a newer hub sends only the tables and fields this replica has (Protocol §19.1).
        var path = "/v1/pull?site=\(replica.site.rawValue)&baseline=\(cursor.baseline)&position=\(cursor.position)&limit=\(batchChanges)&schema=\(replica.schema.version)"
        if let agreement = agreed.withLock({ $0 }) { path += "&" + agreement.query }
        var request = HubRequest.get(path)
        if let wait {
            request.path += "&wait=\(wait)"
            request.waitSeconds = Double(wait)
        }
        return request
    }

    /// A pulled page, decoded.
    struct PulledPage: Sendable {
        var bytes: (sent: Int, received: Int)
        var answer: ReceivedPullPage
        var changes: [Change]
        var siteUnits: [SiteID: String]
    }

    /// Requests the page after `cursor` and decodes it.
    private func fetchPage(_ cursor: ChangeCursor, wait: Int? = nil) async throws -> PulledPage {
        // A long poll is not retried: the daemon's live loop decides when to try again.
        let request = pullRequest(cursor, wait: wait)
        let response: HubResponse
        do {
            response = try await wait == nil ? client.sendWithRetry(request) : client.send(request)
        } catch {
            throw Self.recheckFailed(error)
        }
        let answer = try WireJSON.read(ReceivedPullPage.self, from: response.body, what: "pull response")
        let decoded = try answer.changes.resolved()
        return PulledPage(bytes: (response.bytesSent, response.bytesReceived), answer: answer, changes: decoded.changes, siteUnits: decoded.siteUnits)
    }

    /// Pulls page after page. As soon as a page arrives the next one is requested (its cursor is
    /// in the page) and decoded when it comes, while this node merges the one it has and the hub
    /// reads the next; pages are still applied one at a time, in order, each with its cursor.
    /// - Parameters:
    ///   - first: the first page, when the push brought it (§18.2).
    ///   - wait: a long poll: the first request waits at the hub up to this many seconds (§18.3).
    func pull(_ report: inout SyncReport, first: PulledPage? = nil, wait: Int? = nil) async throws {
        let skew = hubLimits.withLock { $0 }.map { UInt64(min(max(1, $0.maxClockSkewMs), 86_400_000)) }
        let start = try replica.cursor("pull")
        var page: PulledPage
        if let first { page = first } else { page = try await fetchPage(start, wait: wait) }
        // A hub whose version went back below this node's cursor was put back from an older copy
        // (§6.4): only a handshake sets the cursors right. (After one, the cursor is below it.)
        if page.answer.hubVersion < start.position {
            throw HandshakeNeeded(reason: "the hub's version went back to \(page.answer.hubVersion), below this node's pull cursor \(start.position)")
        }
        while true {
            report.bytesSent += page.bytes.sent
            report.bytesReceived += page.bytes.received
            let answer = page.answer
            let nextCursor = ChangeCursor(baseline: answer.next.baseline, position: answer.next.position)
            async let following: PulledPage? = answer.more ? fetchPage(nextCursor) : nil
            // The page and the cursor that records it commit together.
            let changes = page.changes, siteUnits = page.siteUnits
            let applied = try await replica.writer.write { db -> ApplyReport in
                let before = try Int64.fetchOne(db, sql: "SELECT version FROM _rs_state") ?? 0
                let push = try self.replica.cursor("push", db)
                // Stamps further ahead of this node's clock than the hub allows its nodes are refused here
                // too (the hub is authoritative for the skew): the page fails whole, and the round says why.
                let applied = try self.replica.apply(changes, siteUnits: siteUnits, maxClockSkewMillis: skew, db)
                // Nothing was waiting to be pushed, and the page only brings other sites' changes:
                // the push cursor moves past it, so the next push does not scan it for nothing.
                if push.baseline == before && push.position == before && applied.version > before {
                    try self.replica.setCursor("push", ChangeCursor(applied.version), db)
                }
                try self.replica.setCursor("pull", nextCursor, db)
                try self.replica.setMeta(["hub_version": String(answer.hubVersion), "hub_pulled_position": String(answer.next.position)], db)
                return applied
            }
            report.pulledChanges += changes.count
            report.appliedChanges += applied.applied
            report.pullPages += 1
            report.hubVersion = answer.hubVersion
            guard answer.more, let next = try await following else { return }
            page = next
        }
    }

    /// Changes this node made (or imported by file) that the hub has not acknowledged.
    public func pendingChanges() throws -> Int {
        try Self.pending(replica, measuringBytes: false).count
    }

    /// The pending changes' count and, when asked, the size of their change-set encoding
    /// (`reformsync status` shows it; the sync round only needs the count).
    public static func pending(_ replica: Replica, measuringBytes: Bool) throws -> (count: Int, bytes: Int) {
        let sites = try replica.pushSites()
        var cursor = try replica.cursor("push")
        var count = 0, bytes = 0
        while true {
            let page = try replica.changes(after: cursor, limit: 20_000)
            let mine = page.changes.filter { sites.contains($0.site) }
            count += mine.count
            if measuringBytes && !mine.isEmpty {
                bytes += ChangeSet.json(changes: mine, siteUnits: page.siteUnits, schemaVersion: replica.schema.version).count
            }
            cursor = page.next
            if !page.hasMore { return (count, bytes) }
        }
    }

    private func count(_ response: HubResponse, _ report: inout SyncReport) {
        report.bytesSent += response.bytesSent
        report.bytesReceived += response.bytesReceived
    }
}
