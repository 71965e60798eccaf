import ServiceLifecycle

/// Sends WATCHDOG=1 to systemd at half the period it asked for (`WatchdogSec=`).
public struct WatchdogService: Service {
    let notifier: SystemdNotifier

    public init(notifier: SystemdNotifier) { self.notifier = notifier }

    public func run() async throws {
        guard let interval = notifier.watchdogInterval else {
            try? await gracefulShutdown()
            return
        }
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    notifier.watchdog()
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            // Graceful shutdown cancels the sleep: the normal end, not a failure that would make
            // the service group cancel everything else and the process exit 1.
        }
    }
}
