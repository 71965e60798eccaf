import CRDT
@testable import HubClient
import Logging

/// A client for `server` with fast retries, so retry tests take milliseconds.
func makeClient(_ baseURL: String, _ adjust: (inout HubClientConfiguration) -> Void = { _ in }) throws -> HubHTTPClient {
    var configuration = HubClientConfiguration(
        baseURL: baseURL,
        connectTimeout: 5,
        totalTimeout: 20,
        retry: RetryPolicy(maxAttempts: 4, initialDelay: 0.01, maxDelay: 0.2, multiplier: 2, jitter: 0.5)
    )
    adjust(&configuration)
    var logger = Logger(label: "hubclient-tests.client")
    logger.logLevel = .error  // retries log warnings; keep test output readable
    return try HubHTTPClient(configuration: configuration, logger: logger)
}

/// Runs `body` and returns the `HubClientError` it threw, or nil if it threw nothing or something else.
func hubError(_ body: () async throws -> Void) async -> HubClientError? {
    do {
        try await body()
        return nil
    } catch let error as HubClientError {
        return error
    } catch {
        return nil
    }
}

/// A seeded generator, so random-dependent tests are reproducible.
typealias SeededGenerator = SplitMix64
