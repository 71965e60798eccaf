import GRDB
import Logging
import ReformData
import Replica
import ServiceLifecycle

/// Notices commits to the hub's replica by other processes — `reformsync record put` of an
/// appraisal, `reformsync publish`, `import-changes` run at the hub — and wakes the long-poll
/// pulls (``HubChangeSignal``), as the hub's own pushes do directly: only those of the units that
/// may read what changed, when it knows (``init(service:interval:logger:)``).
///
/// One ``ForeignCommitWatch`` poll per `interval` for the whole hub, not per node; the hub's own
/// commits notify the signal themselves.
public struct HubWriteWatcher: Service {
    let writer: any DatabaseWriter
    let signal: HubChangeSignal
    let interval: Duration
    let logger: Logger
    /// Who may read the rows changed after a version; nil: every waiting pull is woken.
    let audience: (@Sendable (Int64) async -> ChangeAudience)?
    /// Wakes the pulls (the signal's `notify`, or the service's, which also counts them).
    let wake: @Sendable (ChangeAudience) -> Void
    /// The replica's version, read before each poll (for ``audience``).
    let version: @Sendable (Database) throws -> Int64

    /// How often other processes' commits are looked for, by default: a write at the hub reaches
    /// connected nodes within this (plus their read), at the cost of one pragma and one one-row read.
    public static let defaultInterval = Duration.milliseconds(250)

    /// A watcher that wakes every waiting pull at each commit of another process.
    public init(writer: any DatabaseWriter, signal: HubChangeSignal, interval: Duration = HubWriteWatcher.defaultInterval, logger: Logger) {
        self.writer = writer
        self.signal = signal
        self.interval = interval
        self.logger = logger
        self.audience = nil
        self.version = { _ in 0 }
        self.wake = { [signal] in signal.notify($0) }
    }

    /// The hub's watcher: it wakes the pulls of the units that may read what another process
    /// committed (Protocol §18.3, A.22).
    public init(service: HubService, interval: Duration = HubWriteWatcher.defaultInterval, logger: Logger) {
        self.writer = service.replica.writer
        self.signal = service.changeSignal
        self.interval = interval
        self.logger = logger
        self.audience = { [service] version in await service.audience(ofRowsAfter: version) }
        self.version = { [replica = service.replica] db in try replica.version(db) }
        self.wake = { [service] in service.wakeLivePulls($0) }
    }

    /// Also ends the long polls at shutdown: the service group stops this service before the
    /// HTTP server, so open long polls answer at once and the server's graceful stop does not
    /// wait out their `wait` (up to 60 s).
    public func run() async throws {
        defer { signal.close() }
        do {
            try await cancelWhenGracefulShutdown { try await self.watch() }
        } catch is CancellationError {
            // Graceful shutdown cancels the sleep: the normal end.
        }
    }

    func watch() async throws {
        // The replica's version is read before each poll: what changed since the poll before the
        // one that saw a commit includes that commit.
        try await ForeignCommitWatch.run(writer: writer, interval: interval, mark: version, changed: { [logger, wake, audience] version in
            logger.debug("another process wrote to the hub's replica: waking the live pulls")
            wake(await audience?(version) ?? .everyone)
        }, unreadable: { [logger] error in
            logger.warning("cannot read PRAGMA data_version of the hub's replica: \(error); live pulls learn of other processes' writes at their next poll")
        })
    }
}
