import GRDB
import Logging
import ServiceLifecycle

/// Wakes the sync loop when another process commits to the replica — `reformsync record put`,
/// `import-csv`, `import-changes` run beside the daemon — as a local-API write does
/// (``SyncTrigger/Reason/localWrite``, debounced by the loop).
///
/// It polls SQLite's `PRAGMA data_version` on the daemon's own *writer* connection, once per
/// `interval`. SQLite changes that number when another connection committed, and never for the
/// connection's own commits; every write of the daemon (API writes, sync rounds, their cursors and
/// error notes) goes through that one writer connection, so the daemon's own writes never wake
/// it — in particular a failing round that records its error cannot start another round. The
/// poll is one pragma on an idle connection: no file watching, nothing written.
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

    func watch() async throws {
        var last = await dataVersion()
        while !Task.isCancelled {
            try await Task.sleep(for: interval)
            guard let now = await dataVersion() else { continue }
            if let previous = last, now != previous {
                logger.debug("another process wrote to the replica: syncing after the debounce delay")
                trigger.fire(.localWrite)
            }
            last = now
        }
    }

    /// The writer connection's `data_version`; nil (and a warning) when it cannot be read — the
    /// loop's own rounds report what is wrong with the replica; the watcher only tries again.
    func dataVersion() async -> Int64? {
        do {
            return try await writer.writeWithoutTransaction { db in try Int64.fetchOne(db, sql: "PRAGMA data_version") }
        } catch {
            if Task.isCancelled || error is CancellationError { return nil }  // shutting down
            logger.warning("cannot read PRAGMA data_version of the replica: \(error); writes by other processes sync at the next interval")
            return nil
        }
    }
}
