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

/// A seeded SplitMix64 generator, so random-dependent tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
