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

    public init(session: SyncSession, settings: SyncSettings, trigger: SyncTrigger, metrics: DaemonMetrics?, logger: Logger,
                rounds: RoundNotifier = RoundNotifier(), files: FileSync? = nil,
                onRound: @escaping @Sendable (Result<SyncReport, SyncError>) -> Void = { _ in }) {
        self.files = files
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
        while !Task.isCancelled {
            var reason = await trigger.wait(timeout: delay)
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
                let seconds = Self.backoff(failures: failures, interval: settings.intervalSeconds, maximum: settings.maxBackoffSeconds)
                delay = .seconds(seconds)
                logger.warning("sync failed; retrying in \(Int(seconds)) s: \(error.message)")
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
