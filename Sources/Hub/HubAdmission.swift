import Synchronization

/// Bounds the work the hub takes on at once, fairly between nodes (Protocol/README.md §18.1).
///
/// At most ``HubSettings/maxConcurrentRequests`` protocol requests run at a time; up to
/// ``HubSettings/maxQueuedRequests`` more wait in line, and beyond that the hub answers
/// 503 `overloaded` with `Retry-After` at once, before reading the body — cheaper for everyone
/// than a request that times out at the node after a minute in a queue. A free slot goes to the
/// nodes in turn (round robin over the units that wait, first come first served within a unit),
/// so a node sending many batches at once cannot push the others out. Long-poll pulls hold no
/// slot while they wait (``HubService/pull(unit:site:cursor:limit:wait:epoch:schema:)``); they are
/// counted apart, up to ``HubSettings/maxLivePulls``.
public final class HubAdmission: Sendable {
    /// A request waiting for a slot.
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var running = 0
        var queued = 0
        var livePulls = 0
        var nextID: UInt64 = 0
        /// Waiters by unit, and the units with waiters in the order their turn comes.
        var waiting: [String: [Waiter]] = [:]
        var turns: [String] = []

        /// Takes the next waiter in round-robin order.
        mutating func nextWaiter() -> Waiter? {
            while !turns.isEmpty {
                let unit = turns.removeFirst()
                guard var line = waiting[unit], !line.isEmpty else { waiting[unit] = nil; continue }
                let waiter = line.removeFirst()
                if line.isEmpty { waiting[unit] = nil } else { waiting[unit] = line; turns.append(unit) }
                queued -= 1
                return waiter
            }
            return nil
        }

        /// Removes waiter `id` (cancelled); true if it was still waiting.
        mutating func remove(_ id: UInt64, unit: String) -> Waiter? {
            guard var line = waiting[unit], let index = line.firstIndex(where: { $0.id == id }) else { return nil }
            let waiter = line.remove(at: index)
            waiting[unit] = line.isEmpty ? nil : line
            if line.isEmpty { turns.removeAll { $0 == unit } }
            queued -= 1
            return waiter
        }
    }

    public let maxConcurrent: Int
    public let maxQueued: Int
    public let maxLivePulls: Int
    /// Seconds a refused node is asked to wait (`Retry-After`).
    public let retryAfterSeconds: Int
    private let state = Mutex(State())

    public init(maxConcurrent: Int, maxQueued: Int, maxLivePulls: Int, retryAfterSeconds: Int) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.maxQueued = max(0, maxQueued)
        self.maxLivePulls = max(0, maxLivePulls)
        self.retryAfterSeconds = max(1, retryAfterSeconds)
    }

    /// What `/metrics` shows: requests running, waiting for a slot, long-poll pulls waiting.
    public var figures: (running: Int, queued: Int, livePulls: Int) {
        state.withLock { ($0.running, $0.queued, $0.livePulls) }
    }

    /// The 503 of a full hub.
    func overloaded(_ what: String) -> HubError {
        HubError(status: 503, code: "overloaded",
                 message: "the hub is busy (\(what)); try again in \(retryAfterSeconds) s, as Retry-After says",
                 retryAfter: retryAfterSeconds)
    }

    /// Runs `body` once a slot is free, in `unit`'s turn; 503 `overloaded` when the line is full.
    /// - Returns: `body`'s result, and how long the request waited in line.
    public func run<T>(unit: String, _ body: () async throws -> T) async throws -> (value: T, waited: Duration) {
        let started = ContinuousClock.now
        try await acquire(unit: unit)
        let waited = ContinuousClock.now - started
        defer { release() }
        return (try await body(), waited)
    }

    func acquire(unit: String) async throws {
        enum Decision { case run, refuse, wait(UInt64) }
        let decision = state.withLock { state -> Decision in
            if state.running < maxConcurrent && state.queued == 0 {
                state.running += 1
                return .run
            }
            guard state.queued < maxQueued else { return .refuse }
            state.nextID += 1
            return .wait(state.nextID)
        }
        switch decision {
        case .run: return
        case .refuse: throw overloaded("\(maxConcurrent) requests running and \(maxQueued) waiting")
        case .wait(let id):
            let admitted = await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                    let immediate = state.withLock { state -> Bool? in
                        if Task.isCancelled { return false }
                        // A slot may have come free since the decision.
                        if state.running < maxConcurrent && state.queued == 0 {
                            state.running += 1
                            return true
                        }
                        if state.waiting[unit] == nil { state.turns.append(unit) }
                        state.waiting[unit, default: []].append(Waiter(id: id, continuation: continuation))
                        state.queued += 1
                        return nil
                    }
                    if let immediate { continuation.resume(returning: immediate) }
                }
            } onCancel: {
                let waiter = state.withLock { $0.remove(id, unit: unit) }
                waiter?.continuation.resume(returning: false)
            }
            if !admitted { throw CancellationError() }
        }
    }

    /// Frees a slot: hands it straight to the next waiter in turn, if any.
    func release() {
        let next = state.withLock { state -> Waiter? in
            if let waiter = state.nextWaiter() { return waiter }  // the slot passes on: running stays
            state.running -= 1
            return nil
        }
        next?.continuation.resume(returning: true)
    }

    /// Counts an open long-poll pull, or refuses it (503) past ``maxLivePulls``.
    func openLivePull() throws(HubError) {
        let opened = state.withLock { state -> Bool in
            guard state.livePulls < maxLivePulls else { return false }
            state.livePulls += 1
            return true
        }
        guard opened else { throw overloaded("\(maxLivePulls) live pulls open") }
    }

    func closeLivePull() {
        state.withLock { $0.livePulls -= 1 }
    }
}
