import Foundation
import Logging
import ServiceLifecycle

/// The hub's automatic compaction (Protocol/README.md §19.2): every `intervalHours`, what
/// `reformsync compact --apply` does. A failed run is logged and tried again next time.
public struct CompactionService: Service {
    let hub: HubService
    let intervalHours: Double
    let retentionDays: Double
    let logger: Logger

    public init(hub: HubService, intervalHours: Double, retentionDays: Double, logger: Logger) {
        self.hub = hub
        self.intervalHours = intervalHours
        self.retentionDays = retentionDays
        self.logger = logger
    }

    public func run() async throws {
        guard intervalHours > 0 else {
            try? await gracefulShutdown()
            return
        }
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(intervalHours * 3_600))
                    do {
                        _ = try hub.compact(retentionDays: retentionDays, apply: true)
                    } catch {
                        logger.error("automatic compaction failed; tried again in \(intervalHours) h", metadata: ["error": "\(error)"])
                    }
                }
            }
        } catch is CancellationError {
            // Shutdown cancels the sleep: the normal end.
        }
    }
}
