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
                           changed: @escaping @Sendable () async -> Void, unreadable: @escaping @Sendable (any Error) -> Void) async throws {
        try await run(writer: writer, interval: interval, mark: { _ in () }, changed: { _ in await changed() }, unreadable: unreadable)
    }

    /// Like ``run(writer:interval:changed:unreadable:)``, and also reads `mark` on the same
    /// connection just before each pragma; `changed` receives the mark read at the poll before the
    /// one that saw the change — read before any of the changed commits, so the hub can ask
    /// what changed since (its replica's version: Protocol §18.3).
    public static func run<Mark: Sendable>(writer: any DatabaseWriter, interval: Duration, mark: @escaping @Sendable (Database) throws -> Mark,
                                           changed: @Sendable (Mark) async -> Void, unreadable: @Sendable (any Error) -> Void) async throws {
        func read() async -> (mark: Mark, dataVersion: Int64)? {
            do {
                return try await writer.writeWithoutTransaction { db in
                    (try mark(db), try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0)
                }
            } catch {
                if !(Task.isCancelled || error is CancellationError) { unreadable(error) }
                return nil
            }
        }
        var last = await read()
        while !Task.isCancelled {
            try await Task.sleep(for: interval)
            guard let now = await read() else { continue }  // `last` kept: its mark is older still
            if let previous = last, now.dataVersion != previous.dataVersion { await changed(previous.mark) }
            last = now
        }
    }
}
