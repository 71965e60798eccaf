import GRDB
import Logging
import Replica
import ServiceLifecycle

/// Notices commits to the hub's replica by other processes — `reformsync record put` of an
/// appraisal, `reformsync publish`, `import-changes` run at the hub — and wakes the long-poll
/// pulls (``HubChangeSignal``), as the hub's own pushes do directly.
///
/// One ``ForeignCommitWatch`` poll per second for the whole hub, not per node; the hub's own
/// commits notify the signal themselves.
public struct HubWriteWatcher: Service {
    let writer: any DatabaseWriter
    let signal: HubChangeSignal
    let interval: Duration
    let logger: Logger

    public init(writer: any DatabaseWriter, signal: HubChangeSignal, interval: Duration = .seconds(1), logger: Logger) {
        self.writer = writer
        self.signal = signal
        self.interval = interval
        self.logger = logger
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
        try await ForeignCommitWatch.run(writer: writer, interval: interval, changed: { [logger, signal] in
            logger.debug("another process wrote to the hub's replica: waking the live pulls")
            signal.notify()
        }, unreadable: { [logger] error in
            logger.warning("cannot read PRAGMA data_version of the hub's replica: \(error); live pulls learn of other processes' writes at their next poll")
        })
    }
}
