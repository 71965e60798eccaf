import Synchronization

/// Keeps a few idle ``CurlEasyHandle``s so consecutive requests reuse the hub connection.
///
/// Each transfer checks out a handle for its exclusive use and returns it afterwards, so a
/// handle is never touched by two threads at once (libcurl's rule), yet concurrent requests
/// still run in parallel on handles of their own.
final class CurlHandlePool: Sendable {
    /// An idle handle parked in the pool. `@unchecked Sendable` is sound here and only here: a
    /// parked handle is referenced by nothing but the pool, and a checked-out one only by the
    /// single transfer that took it, so ownership moves between threads but is never shared.
    private struct Parked: @unchecked Sendable {
        let handle: CurlEasyHandle
    }

    private let idle = Mutex<[Parked]>([])
    /// Idle handles beyond this are freed (closing their connections).
    private let maxIdle: Int

    init(maxIdle: Int = 4) {
        self.maxIdle = maxIdle
    }

    /// Runs `body` with a handle reserved for it alone.
    func withHandle<R>(_ body: (CurlEasyHandle) -> R) throws(HubClientError) -> R {
        let handle = try checkOut()
        let result = body(handle)
        checkIn(handle)
        return result
    }

    private func checkOut() throws(HubClientError) -> CurlEasyHandle {
        if let parked = idle.withLock({ $0.popLast() }) { return parked.handle }
        return try CurlEasyHandle()
    }

    private func checkIn(_ handle: CurlEasyHandle) {
        // Drop everything the finished transfer pointed at (its buffers are about to be freed).
        handle.reset()
        let parked = Parked(handle: handle)
        idle.withLock { handles in
            if handles.count < maxIdle { handles.append(parked) }
        }
    }
}
