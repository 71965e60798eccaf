import GRDB

/// Notices commits to a replica made by other processes, for the daemon (which then syncs) and
/// the hub (which then wakes its long-poll pulls).
///
/// It polls SQLite's `PRAGMA data_version` on the process's own *writer* connection once per
/// `interval`. SQLite changes that number only when another connection committed, never for the
/// connection's own commits, so the process's own writes never wake it. The poll is one pragma on
/// an idle connection: no file watching, nothing written.
public enum ForeignCommitWatch {
    /// Runs until cancelled: `changed` after each interval in which another process committed;
    /// `unreadable` (then tries again) when the pragma cannot be read.
    public static func run(writer: any DatabaseWriter, interval: Duration,
                           changed: @Sendable () -> Void, unreadable: @Sendable (any Error) -> Void) async throws {
        func dataVersion() async -> Int64? {
            do {
                return try await writer.writeWithoutTransaction { db in try Int64.fetchOne(db, sql: "PRAGMA data_version") }
            } catch {
                if !(Task.isCancelled || error is CancellationError) { unreadable(error) }
                return nil
            }
        }
        var last = await dataVersion()
        while !Task.isCancelled {
            try await Task.sleep(for: interval)
            guard let now = await dataVersion() else { continue }
            if let previous = last, now != previous { changed() }
            last = now
        }
    }
}
