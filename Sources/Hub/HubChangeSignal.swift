import ReformData
import Synchronization

/// Wakes the long-poll pulls waiting for the hub to change (Protocol/README.md §18.3).
///
/// The hub's write path calls ``notify(_:)`` after every commit that may make something readable
/// (a push, an imported exchange file, a write by another process seen by ``HubWriteWatcher``),
/// with who may read what it changed (``ChangeAudience``); the pulls of the units that may read
/// some of it read again and answer (Protocol A.22: a push readable by its own unit alone no longer
/// makes a thousand pulls read again). A waiting pull costs a suspended task and a timer, no CPU:
/// nothing polls.
public final class HubChangeSignal: Sendable {
    private struct Waiter {
        var continuation: CheckedContinuation<Void, Never>
        var timer: Task<Void, Never>?
        /// What the waiting pull's unit may read; nil: woken by every commit.
        var reader: ReadPolicy?
    }

    private struct State {
        var generation: UInt64 = 0
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Counts commits seen so far: read it before reading the replica, pass it to ``wait(after:timeout:)``.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// How many pulls wait right now.
    public var waiting: Int { state.withLock { $0.waiters.count } }

    /// Whether ``close()`` was called: long polls then answer at once.
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// The hub is shutting down: wakes every waiter, and later waits return at once, so that
    /// open long polls answer now instead of holding the graceful shutdown for their `wait`.
    public func close() {
        let woken = state.withLock { state -> [Waiter] in
            state.closed = true
            let all = Array(state.waiters.values)
            state.waiters.removeAll()
            return all
        }
        for waiter in woken {
            waiter.timer?.cancel()
            waiter.continuation.resume()
        }
    }

    /// Something was committed that the units of `audience` may read: wakes their waiters (and
    /// those waiting without a reader). A waiter left asleep had nothing new to read.
    /// - Returns: how many waiters were woken.
    @discardableResult
    public func notify(_ audience: ChangeAudience = .everyone) -> Int {
        let woken = state.withLock { state -> [Waiter] in
            state.generation &+= 1
            if audience.everyone {
                let all = Array(state.waiters.values)
                state.waiters.removeAll()
                return all
            }
            var woken: [Waiter] = []
            for (id, waiter) in state.waiters where waiter.reader?.mayReadAny(of: audience) ?? true {
                woken.append(waiter)
                state.waiters[id] = nil
            }
            return woken
        }
        for waiter in woken {
            waiter.timer?.cancel()
            waiter.continuation.resume()
        }
        return woken.count
    }

    /// Returns once a commit after `generation` was notified that `reader`'s unit may read (any
    /// commit, when nil), `timeout` passed or the task was cancelled. A commit notified between
    /// `generation` and this call returns at once, whoever may read it: the caller reads again.
    public func wait(after generation: UInt64, for reader: ReadPolicy? = nil, timeout: Duration) async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let registered = state.withLock { state -> Bool in
                    guard !Task.isCancelled, !state.closed, state.generation == generation else { return false }
                    state.waiters[id] = Waiter(continuation: continuation, timer: nil, reader: reader)
                    return true
                }
                guard registered else { continuation.resume(); return }
                let timer = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.release(id)
                }
                state.withLock { state in
                    if state.waiters[id] != nil { state.waiters[id]?.timer = timer } else { timer.cancel() }
                }
            }
        } onCancel: {
            release(id)
        }
    }

    private func release(_ id: UInt64) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.timer?.cancel()
        waiter?.continuation.resume()
    }
}
