import GRDB
import Logging
import Replica
import ServiceLifecycle

/// Wakes the sync loop when another process commits to the replica — `reformsync record put`,
/// `import-csv`, `import-changes` run beside the daemon — as a local-API write does
/// (``SyncTrigger/Reason/localWrite``, debounced by the loop).
///
/// It uses ``ForeignCommitWatch`` on the daemon's own writer connection: every write of the daemon
/// (API writes, sync rounds, their cursors and error notes) goes through that one connection, so
/// the daemon's own writes never wake it — in particular a failing round that records its error
/// cannot start another round.
public struct ExternalWriteWatcher: Service {
    let writer: any DatabaseWriter
    let trigger: SyncTrigger
    let interval: Duration
    let logger: Logger

    public init(writer: any DatabaseWriter, trigger: SyncTrigger, interval: Duration = .seconds(1), logger: Logger) {
        self.writer = writer
        self.trigger = trigger
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.watch() }
        } catch is CancellationError {
            // Graceful shutdown cancels the sleep: the normal end.
        }
    }

    /// A replica that cannot be read only logs a warning: the loop's own rounds report what is
    /// wrong with it; the watcher tries again.
    func watch() async throws {
        try await ForeignCommitWatch.run(writer: writer, interval: interval, changed: { [logger, trigger] in
            logger.debug("another process wrote to the replica: syncing after the debounce delay")
            trigger.fire(.localWrite)
        }, unreadable: { [logger] error in
            logger.warning("cannot read PRAGMA data_version of the replica: \(error); writes by other processes sync at the next interval")
        })
    }
}
