import Hub
import Hummingbird
import Logging

/// A hub served in this process for a benchmark: its real HTTP face (``HubServer``) on an
/// ephemeral port of 127.0.0.1, for as long as the measurement runs.
enum InProcessHub {
    /// Serves `service` while `body` runs with the port; stops the server when `body` returns or throws.
    /// - Parameter routes: operator routes a benchmark adds (e.g. a plain PUT to compare with).
    static func serving<T: Sendable>(_ service: HubService, logger: Logger,
                                     routes: (RouterGroup<HubRequestContext>) -> Void = { _ in },
                                     _ body: (Int) async throws -> T) async throws -> T {
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let application = HubServer.application(service: service, host: "127.0.0.1", port: 0, logger: logger, onListening: { port in
            portSink.yield(port)
            portSink.finish()
        }, routes: routes)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.runService() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw BenchError("the hub did not start") }
            defer { group.cancelAll() }
            return try await body(port)
        }
    }
}
