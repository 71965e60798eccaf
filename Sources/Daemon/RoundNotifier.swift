import NodeSync
import Synchronization

/// Lets callers wait for the next sync round to finish (`POST /sync?wait=1`).
///
/// A waiter registered while a round runs waits for the round after it, which is the one that
/// includes the caller's latest writes.
public final class RoundNotifier: Sendable {
    public typealias Outcome = Result<SyncReport, SyncError>

    private struct State {
        var started = 0
        var waiters: [(target: Int, continuation: CheckedContinuation<Outcome?, Never>)] = []
    }

    private let state = Mutex(State())

    public init() {}

    func roundStarted() {
        state.withLock { $0.started += 1 }
    }

    func roundFinished(_ outcome: Outcome) {
        let ready = state.withLock { state -> [CheckedContinuation<Outcome?, Never>] in
            let number = state.started
            let ready = state.waiters.filter { $0.target <= number }.map(\.continuation)
            state.waiters.removeAll { $0.target <= number }
            return ready
        }
        for continuation in ready { continuation.resume(returning: outcome) }
    }

    /// Waits for the end of the next round to start; nil if the daemon stops first.
    /// `registered` runs once the wait is registered (e.g. to trigger that round).
    public func nextRound(registered: @Sendable () -> Void = {}) async -> Outcome? {
        await withCheckedContinuation { continuation in
            state.withLock { state in state.waiters.append((state.started + 1, continuation)) }
            registered()
        }
    }

    /// Releases every waiter (shutdown).
    func finish() {
        let all = state.withLock { state -> [CheckedContinuation<Outcome?, Never>] in
            defer { state.waiters = [] }
            return state.waiters.map(\.continuation)
        }
        for continuation in all { continuation.resume(returning: nil) }
    }
}
