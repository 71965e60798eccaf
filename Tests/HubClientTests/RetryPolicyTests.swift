import Testing
@testable import HubClient

@Suite("RetryPolicy")
struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 10, initialDelay: 0.5, maxDelay: 30, multiplier: 2, jitter: 0.5)

    @Test("base delay doubles from initialDelay and is capped at maxDelay")
    func exponentialAndCapped() {
        let delays = (1...9).map { policy.baseDelay(forRetry: $0) }
        #expect(delays == [0.5, 1, 2, 4, 8, 16, 30, 30, 30])
        #expect(policy.baseDelay(forRetry: 0) == 0)
        #expect(policy.baseDelay(forRetry: 100_000) == 30)  // no overflow to inf
    }

    @Test("without jitter the delay is the base delay")
    func noJitter() {
        var exact = policy
        exact.jitter = 0
        for retry in 1...8 {
            #expect(exact.delay(forRetry: retry, unit: 0.0) == exact.baseDelay(forRetry: retry))
            #expect(exact.delay(forRetry: retry, unit: 0.99) == exact.baseDelay(forRetry: retry))
        }
    }

    @Test("jitter spans base × (1 ± jitter) and never exceeds maxDelay")
    func jitterBounds() {
        #expect(policy.delay(forRetry: 3, unit: 0) == 1.0)      // 2 × 0.5
        #expect(policy.delay(forRetry: 3, unit: 0.5) == 2.0)
        #expect(policy.delay(forRetry: 3, unit: 0.75) == 2.5)
        #expect(policy.delay(forRetry: 7, unit: 0) == 15)       // capped base 30 × 0.5
        #expect(policy.delay(forRetry: 7, unit: 0.9) == 30)     // 42 clamped to maxDelay

        var generator = SeededGenerator(seed: 42)
        for retry in 1...10 {
            let base = policy.baseDelay(forRetry: retry)
            var seen = Set<Double>()
            for _ in 0..<500 {
                let delay = policy.delay(forRetry: retry, using: &generator)
                #expect(delay >= base * 0.5)
                #expect(delay <= min(base * 1.5, policy.maxDelay))
                seen.insert(delay)
            }
            #expect(seen.count > 100, "jitter should actually spread the delays")
        }
    }

    @Test("Retry-After wins when longer than the backoff, up to maxDelay")
    func retryAfter() {
        #expect(policy.delay(forRetry: 1, unit: 0.5, retryAfter: 10) == 10)
        #expect(policy.delay(forRetry: 1, unit: 0.5, retryAfter: 3600) == 30)
        #expect(policy.delay(forRetry: 4, unit: 0.5, retryAfter: 0.1) == 4)
        #expect(policy.delay(forRetry: 2, unit: 0.5, retryAfter: nil) == 1)
        #expect(HubHTTPClient.retryAfterSeconds(" 7 ") == 7)
        #expect(HubHTTPClient.retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
    }

    @Test("an invalid policy is rejected by configuration validation")
    func invalidPolicy() {
        let configuration = HubClientConfiguration(baseURL: "https://hub.example", retry: RetryPolicy(maxAttempts: 0))
        #expect(throws: HubClientError.self) { try configuration.validate() }
    }
}
