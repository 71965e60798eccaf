import Synchronization

/// Set by Swift task cancellation, read by libcurl's progress callback on the transfer thread,
/// which then aborts the transfer (`CURLE_ABORTED_BY_CALLBACK`).
final class CancellationFlag: Sendable {
    private let cancelled = Atomic<Bool>(false)

    func cancel() {
        cancelled.store(true, ordering: .releasing)
    }

    var isCancelled: Bool {
        cancelled.load(ordering: .acquiring)
    }
}
