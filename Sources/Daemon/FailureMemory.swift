import Foundation
import Logging
import NodeSync
import Synchronization

/// How the daemon's last sync round ended, kept in memory and in `daemon.json`.
///
/// The replica records a failed round's `last_error` itself, but not when the failure is the
/// replica's (disk full, read-only file system): then `reformsync status` and `GET /status`
/// read it from here, and report `error` with the cause.
public final class FailureMemory: Sendable {
    public struct Failure: Sendable, Equatable {
        public var message: String
        public var at: Date
    }

    private struct State {
        var last: Failure?
        var file: DaemonStateFile?
        var dataDirectory: String?
    }

    private let state = Mutex(State())

    public init() {}

    /// The last round's failure; nil when the last round succeeded (or none ran).
    public var last: Failure? { state.withLock { $0.last } }

    /// Writes `file` (reserving its room on disk) and keeps it up to date from now on.
    public func attach(_ file: DaemonStateFile, dataDirectory: String) throws {
        var file = file
        state.withLock { state in
            file.lastError = state.last?.message
            file.lastErrorAt = state.last?.at
            state.file = file
            state.dataDirectory = dataDirectory
        }
        try file.write(dataDirectory: dataDirectory)
    }

    /// Records a round's outcome; updates `daemon.json` in place (possible on a full disk).
    public func record(_ outcome: Result<SyncReport, SyncError>, logger: Logger? = nil) {
        let (file, directory) = state.withLock { state -> (DaemonStateFile?, String?) in
            switch outcome {
            case .success:
                // Nothing to write after a success that follows a success.
                guard state.last != nil else { return (nil, nil) }
                state.last = nil
            case .failure(let error): state.last = Failure(message: error.message, at: Date())
            }
            state.file?.lastError = state.last?.message
            state.file?.lastErrorAt = state.last?.at
            return (state.file, state.dataDirectory)
        }
        guard let file, let directory else { return }
        do {
            try file.update(dataDirectory: directory)
        } catch {
            logger?.warning("cannot record the sync outcome in \(DaemonStateFile.path(dataDirectory: directory)): \(error)")
        }
    }
}
