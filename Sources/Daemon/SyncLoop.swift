import Foundation
import HubClient
import Logging
import NodeSync
import ReformsyncConfig
import Replica
import ServiceLifecycle

/// The daemon's sync loop as a `Service`: rounds on an interval, soon after local writes
/// (debounced: one round `sync.debounce` seconds after the last write of a burst), at once when asked; exponential backoff with jitter after failures; only inside
/// the sync window when one is configured.
///
/// Graceful shutdown cancels the round in progress: an HTTP transfer is aborted, and every
/// database step commits or rolls back whole (each commits with its cursor), so the next start
/// resumes exactly.
public final class SyncLoop: Service, Sendable {
    let session: SyncSession
    let settings: SyncSettings
    let trigger: SyncTrigger
    let metrics: DaemonMetrics?
    let logger: Logger
    let rounds: RoundNotifier
    let onRound: @Sendable (Result<SyncReport, SyncError>) -> Void
    /// The evidence-file step after the rows of each round (nil: rows only).
    let files: FileSync?
    /// Called after a live pull merged something (the provincial hub's uplink copies the national
    /// ranking from it, Protocol §20.4); rounds report through `onRound`.
    let onLivePull: @Sendable (SyncReport) -> Void

    public init(session: SyncSession, settings: SyncSettings, trigger: SyncTrigger, metrics: DaemonMetrics?, logger: Logger,
                rounds: RoundNotifier = RoundNotifier(), files: FileSync? = nil,
                onRound: @escaping @Sendable (Result<SyncReport, SyncError>) -> Void = { _ in },
                onLivePull: @escaping @Sendable (SyncReport) -> Void = { _ in }) {
        self.files = files
        self.onLivePull = onLivePull
        self.rounds = rounds
        self.session = session
        self.settings = settings
        self.trigger = trigger
        self.metrics = metrics
        self.logger = logger
        self.onRound = onRound
    }

    public func run() async throws {
        defer { rounds.finish() }
        try await cancelWhenGracefulShutdown {
            try await self.loop()
        }
    }

    func loop() async throws {
        var failures = 0
        var delay: Duration = .zero  // first round at start
        var roundsRun = 0
        while !Task.isCancelled {
            var reason = await idle(delay, live: roundsRun > 0 && failures == 0)
            if Task.isCancelled { return }
            if reason == .localWrite, settings.debounceSeconds > 0 {
                reason = await debounce()
                if Task.isCancelled { return }
            }
            if let window = settings.window, reason != .now, !window.contains(Date()) {
                let wait = window.secondsUntilOpen(from: Date())
                logger.debug("outside the sync window \(window); next round in \(Int(wait)) s")
                delay = .seconds(wait)
                continue
            }
            rounds.roundStarted()
            roundsRun += 1
            do {
                var report = try await session.runOnce()
                failures = 0
                delay = .seconds(settings.intervalSeconds)
                // Files after the rows, each request bounded in time; a local write waiting lets the
                // next round's rows go first, and the round after resumes the files where they stopped.
                if let files {
                    let trigger = self.trigger
                    let window = settings.window
                    do {
                        let fileReport = try await files.runOnce(shouldYield: {
                            trigger.hasPending || (window.map { !$0.contains(Date()) } ?? false)
                        })
                        report.files = fileReport
                        metrics?.fileBytesSent.increment(by: Int(clamping: fileReport.fileBytesSent))
                        metrics?.fileBytesReceived.increment(by: Int(clamping: fileReport.fileBytesReceived))
                        if fileReport.yielded { delay = .zero }
                    } catch {
                        if Task.isCancelled { return }
                        let wait = Self.backoff(failures: 1, interval: settings.intervalSeconds, maximum: settings.maxBackoffSeconds)
                        logger.warning("evidence files: \(error); trying again in \(Int(wait)) s")
                        delay = .seconds(wait)
                    }
                }
                record(report)
                onRound(.success(report))
                rounds.roundFinished(.success(report))
                logger.info("synced", metadata: [
                    "pushed": "\(report.pushedChanges)", "pulled": "\(report.pulledChanges)", "refused": "\(report.refusedChanges)",
                    "bytes": "\(report.bytesSent + report.bytesReceived)", "hub_version": "\(report.hubVersion)",
                ])
            } catch let error as SyncError {
                if Task.isCancelled { return }
                failures += 1
                metrics?.syncErrors.increment()
                onRound(.failure(error))
                rounds.roundFinished(.failure(error))
                // A busy hub's Retry-After (503, Protocol §18.1) is a floor: never back sooner than it asked.
                let seconds = max(Self.backoff(failures: failures, interval: settings.intervalSeconds, maximum: settings.maxBackoffSeconds),
                                  min(error.retryAfter ?? 0, settings.maxBackoffSeconds))
                delay = .seconds(seconds)
                logger.warning("sync failed; retrying in \(Int(seconds)) s: \(error.message)")
            }
        }
    }

    /// Waits up to `delay` for a trigger. Meanwhile, after a good round and with `sync.live`
    /// (inside the sync window, if any), it keeps a long-poll pull open, so that what the hub
    /// receives reaches this node within seconds (Protocol/README.md §18.3). A trigger cancels
    /// the open pull (libcurl aborts it within a second) before the round starts: the two never
    /// run at once, and each pulled page commits with its cursor, so nothing is applied twice.
    func idle(_ delay: Duration, live: Bool) async -> SyncTrigger.Reason? {
        guard live, settings.live, delay > .zero, settings.window?.contains(Date()) ?? true else {
            return await trigger.wait(timeout: delay)
        }
        return await withTaskGroup(of: SyncTrigger.Reason??.self) { group in
            group.addTask { .some(await self.trigger.wait(timeout: delay)) }
            group.addTask {
                await self.livePulls()
                return nil
            }
            var reason: SyncTrigger.Reason?
            for await outcome in group {
                guard let outcome else { continue }  // the live pulls ended (cancelled): keep waiting
                reason = outcome
                break
            }
            group.cancelAll()
            return reason
        }
    }

    /// Long-poll pulls one after the other until cancelled; after a failure (a cut link, a
    /// proxy's timeout, a busy hub) it waits — 1 s the first time, then with backoff, at least
    /// the hub's `Retry-After` — and opens the next.
    func livePulls() async {
        var failures = 0
        while !Task.isCancelled {
            let started = ContinuousClock.now
            do {
                guard let report = try await session.pullLive(wait: settings.liveWaitSeconds) else {
                    // The hub offers no live pulls: the next round comes at the interval, as before.
                    try? await Task.sleep(for: .seconds(settings.intervalSeconds + 86_400))
                    return
                }
                failures = 0
                if report.pulledChanges > 0 {
                    metrics?.pulledChanges.increment(by: report.pulledChanges)
                    metrics?.pullBytes.increment(by: report.bytesReceived)
                    logger.info("live pull", metadata: ["pulled": "\(report.pulledChanges)", "hub_version": "\(report.hubVersion)"])
                    onLivePull(report)
                } else if ContinuousClock.now - started < .seconds(Double(settings.liveWaitSeconds) / 2) {
                    // Answered empty long before the wait: never turn into a busy loop.
                    try? await Task.sleep(for: .seconds(min(5, settings.liveWaitSeconds)))
                }
            } catch let needed as HandshakeNeeded {
                // The hub was restored or upgraded: a round now handshakes and starts again.
                logger.notice("\(needed); syncing now")
                trigger.fire(.now)
                return
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let asked = (error as? HubClientError)?.retryAfter ?? 0
                let own = failures == 1 ? 1 : Self.backoff(failures: failures - 1, interval: min(settings.intervalSeconds, 60),
                                                          maximum: min(settings.maxBackoffSeconds, 300))
                let seconds = max(own, min(asked, settings.maxBackoffSeconds))
                logger.debug("live pull failed; next in \(seconds) s: \(error)")
                try? await Task.sleep(for: .seconds(seconds))
            }
        }
    }

    /// Lets a burst of local writes finish: returns once no write came for `sync.debounce`
    /// seconds, or `maxDebounceFactor` × `sync.debounce` after the first write of the burst (so a
    /// steady stream of writes still syncs), or at once on an explicit request (`.now`).
    func debounce(clock: ContinuousClock = ContinuousClock()) async -> SyncTrigger.Reason {
        let quiet = Duration.seconds(settings.debounceSeconds)
        let latest = clock.now + quiet * Self.maxDebounceFactor
        var deadline = clock.now + quiet
        while !Task.isCancelled {
            let until = min(deadline, latest)
            guard clock.now < until else { break }
            switch await trigger.wait(timeout: until - clock.now) {
            case .now?: return .now
            case .localWrite?: deadline = clock.now + quiet
            case nil: continue
            }
        }
        return .localWrite
    }

    /// The longest a burst delays its round, in debounce periods.
    static let maxDebounceFactor = 6

    /// Exponential backoff from 5 s (or the interval, if shorter), doubled per failure, capped,
    /// with ±50 % jitter so districts that lost the hub together do not return together.
    static func backoff(failures: Int, interval: Double, maximum: Double, unit: Double = Double.random(in: 0..<1)) -> Double {
        let base = min(5, interval) * pow(2, Double(min(failures - 1, 30)))
        let capped = min(maximum, base)
        return max(0.5, capped * (0.5 + unit))
    }

    private func record(_ report: SyncReport) {
        guard let metrics else { return }
        metrics.syncRounds.increment()
        metrics.pushBytes.increment(by: report.bytesSent)
        metrics.pullBytes.increment(by: report.bytesReceived)
        metrics.pushedChanges.increment(by: report.pushedChanges)
        metrics.pulledChanges.increment(by: report.pulledChanges)
        metrics.refusedChanges.increment(by: report.refusedChanges)
        metrics.pendingChanges.record(report.pendingChanges)
        metrics.lastSyncTimestamp.record(Date().timeIntervalSince1970)
    }
}
