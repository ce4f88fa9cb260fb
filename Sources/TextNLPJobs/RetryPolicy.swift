/// Capped exponential backoff with jitter: attempt 1 waits about `base`, each later one `factor` times longer.
public struct RetryPolicy: Sendable, Equatable {
    public var base: Double
    public var factor: Double
    public var cap: Double
    /// Fraction of the delay drawn at random (0.2: ±20 %), so failed jobs do not all return at once.
    public var jitter: Double

    public init(base: Double = 1, factor: Double = 2, cap: Double = 300, jitter: Double = 0.2) {
        self.base = base
        self.factor = factor
        self.cap = cap
        self.jitter = jitter
    }

    /// Seconds to wait after attempt `attempt` (counting from 1) failed.
    public func delay(afterAttempt attempt: Int, random: Double = Double.random(in: 0..<1)) -> Double {
        let raw = min(cap, base * pow(factor, Double(max(0, attempt - 1))))
        return max(0, raw * (1 + jitter * (2 * random - 1)))
    }
}

import Foundation
