/// How ``HubHTTPClient/sendWithRetry(_:)`` spaces out attempts: exponential backoff with jitter.
///
/// Exponential backoff keeps a struggling hub from being hammered by every district at once;
/// jitter spreads the districts out so that they do not all come back in the same second after
/// a hub restart. The delay computation is a pure function of the attempt number and a random
/// number, so it can be tested deterministically.
public struct RetryPolicy: Sendable, Equatable {
    /// Total attempts including the first one. `1` disables retrying.
    public var maxAttempts: Int
    /// Base delay before the first retry, in seconds.
    public var initialDelay: Double
    /// Upper bound for any single delay (including one asked for by `Retry-After`), in seconds.
    public var maxDelay: Double
    /// Growth factor of the base delay per retry.
    public var multiplier: Double
    /// Jitter as a fraction of the base delay, in `0...1`: the delay is drawn uniformly from
    /// `base × (1 − jitter) ..< base × (1 + jitter)` (then capped at ``maxDelay``).
    /// `0.5` means ±50 %; `0` makes delays exact; `1` is "full jitter" up to twice the base.
    public var jitter: Double

    /// Creates a policy. The defaults (4 attempts, 0.5 s doubling to at most 30 s, ±50 % jitter)
    /// ride out a hub restart or a brief link drop without making a sync session hang for minutes.
    public init(maxAttempts: Int = 4, initialDelay: Double = 0.5, maxDelay: Double = 30,
                multiplier: Double = 2, jitter: Double = 0.5) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// A policy that never retries.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The base delay (before jitter) ahead of retry number `retry` (1 = first retry), capped at ``maxDelay``.
    public func baseDelay(forRetry retry: Int) -> Double {
        guard retry >= 1, initialDelay > 0 else { return 0 }
        var delay = initialDelay
        // Iterate rather than pow() so a huge retry number cannot overflow to inf/NaN.
        for _ in 1..<retry {
            delay *= max(multiplier, 1)
            if delay >= maxDelay { return maxDelay }
        }
        return min(delay, maxDelay)
    }

    /// The delay ahead of retry number `retry` (1 = first retry), given `unit`, a random number
    /// in `0..<1`. Pure: the same inputs always give the same delay.
    public func delay(forRetry retry: Int, unit: Double) -> Double {
        let base = baseDelay(forRetry: retry)
        let spread = min(max(jitter, 0), 1)
        let u = min(max(unit, 0), 1)
        let jittered = base * (1 - spread + 2 * spread * u)
        return min(max(jittered, 0), maxDelay)
    }

    /// The delay ahead of retry number `retry`, drawing the jitter from `generator`.
    public func delay<G: RandomNumberGenerator>(forRetry retry: Int, using generator: inout G) -> Double {
        delay(forRetry: retry, unit: Double.random(in: 0..<1, using: &generator))
    }

    /// The delay to wait after an error that carried `Retry-After: retryAfter` seconds: the
    /// hub's wish wins when it is longer than our own backoff, but never beyond ``maxDelay`` so a
    /// misbehaving proxy cannot park a district for hours.
    public func delay(forRetry retry: Int, unit: Double, retryAfter: Double?) -> Double {
        let own = delay(forRetry: retry, unit: unit)
        guard let retryAfter, retryAfter.isFinite, retryAfter > 0 else { return own }
        return min(max(own, retryAfter), maxDelay)
    }

    /// Problems that make this policy unusable, or `nil`.
    func validationProblem() -> String? {
        if maxAttempts < 1 { return "retry.maxAttempts must be at least 1 (got \(maxAttempts))" }
        if !(initialDelay >= 0 && initialDelay.isFinite) { return "retry.initialDelay must be ≥ 0 seconds" }
        if !(maxDelay >= 0 && maxDelay.isFinite) { return "retry.maxDelay must be ≥ 0 seconds" }
        if !(multiplier >= 1 && multiplier.isFinite) { return "retry.multiplier must be ≥ 1" }
        if !(0...1).contains(jitter) { return "retry.jitter must be between 0 and 1" }
        return nil
    }
}
