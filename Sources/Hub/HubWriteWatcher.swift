import GRDB
import Logging
import ServiceLifecycle

/// Notices commits to the hub's replica by other processes — `reformsync record put` of an
/// appraisal, `reformsync publish`, `import-changes` run at the hub — and wakes the long-poll
/// pulls (``HubChangeSignal``), as the hub's own pushes do directly.
///
/// One `PRAGMA data_version` per second on the hub's writer connection, for the whole hub, not
/// per node: SQLite changes that number only when another connection committed. The hub's own
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
        var last = await dataVersion()
        while !Task.isCancelled {
            try await Task.sleep(for: interval)
            guard let now = await dataVersion() else { continue }
            if let previous = last, now != previous {
                logger.debug("another process wrote to the hub's replica: waking the live pulls")
                signal.notify()
            }
            last = now
        }
    }

    func dataVersion() async -> Int64? {
        do {
            return try await writer.writeWithoutTransaction { db in try Int64.fetchOne(db, sql: "PRAGMA data_version") }
        } catch {
            if Task.isCancelled || error is CancellationError { return nil }
            logger.warning("cannot read PRAGMA data_version of the hub's replica: \(error); live pulls learn of other processes' writes at their next poll")
            return nil
        }
    }
}
