import Foundation
import Synchronization

/// Wakes the sync loop: after local writes (debounced by the loop) or at once when asked.
///
/// One waiter at a time (the sync loop); a trigger fired while nobody waits is remembered.
public final class SyncTrigger: Sendable {
    public enum Reason: Sendable, Equatable {
        /// A local write: sync after the debounce delay, sharing one round with the writes around it.
        case localWrite
        /// An operator or application asked: sync now (even outside the sync window).
        case now
    }

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Reason?, Never>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var pending: Reason?
        var waiter: Waiter?
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func fire(_ reason: Reason) {
        let waiter = state.withLock { state -> Waiter? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = state.pending == .now ? .now : reason
            return nil
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(returning: reason)
    }

    /// Whether a trigger waits to be taken (a local write or a request since the last wait):
    /// the file step of a round checks it between requests, so rows go first (Protocol §16).
    public var hasPending: Bool { state.withLock { $0.pending != nil } }

    /// Waits up to `timeout` for a trigger; nil when the time ran out or the task was cancelled.
    public func wait(timeout: Duration) async -> Reason? {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let cancelled = Task.isCancelled
                let immediate = state.withLock { state -> Reason?? in
                    if cancelled { return .some(nil) }
                    if let pending = state.pending {
                        state.pending = nil
                        return pending
                    }
                    state.waiter = Waiter(id: id, continuation: continuation, timer: nil)
                    return nil
                }
                if let immediate {
                    continuation.resume(returning: immediate ?? nil)
                    return
                }
                let timer = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.release(id)
                }
                state.withLock { state in
                    if state.waiter?.id == id { state.waiter?.timer = timer } else { timer.cancel() }
                }
            }
        } onCancel: {
            release(id)
        }
    }

    private func release(_ id: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(returning: nil)
    }
}
