/// A hybrid logical clock timestamp: wall-clock milliseconds plus a logical counter, packed in 64 bits.
///
/// The upper 48 bits hold milliseconds since the Unix epoch, the lower 16 bits a counter that
/// orders events within the same millisecond (or while the wall clock stands still or goes back).
/// Packing keeps comparisons a single integer compare and storage a single SQLite INTEGER.
///
/// ```swift
/// let t = HLC(millis: 1_655_531_940_000, counter: 3)
/// t.millis   // 1_655_531_940_000
/// t.counter  // 3
/// ```
public struct HLC: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(millis: UInt64, counter: UInt16 = 0) {
        self.rawValue = (millis << 16) | UInt64(counter)
    }

    /// The zero timestamp, before any event.
    public static let zero = HLC(rawValue: 0)

    /// Wall-clock milliseconds since the Unix epoch.
    public var millis: UInt64 { rawValue >> 16 }

    /// The logical counter within ``millis``.
    public var counter: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    /// The next timestamp after this one (counter + 1, carrying into milliseconds).
    public var successor: HLC { HLC(rawValue: rawValue &+ 1) }

    public static func < (lhs: HLC, rhs: HLC) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "\(millis).\(counter)" }
}

/// The clock state of one replica: issues strictly increasing ``HLC`` timestamps.
///
/// `tick` never returns a value at or below one it returned before, even when the wall clock
/// goes backwards; `observe` folds in timestamps received from other replicas so that a local
/// write made after receiving a change is always ordered after it (causality).
public struct HybridLogicalClock: Sendable, Equatable {
    /// The last timestamp issued or observed.
    public private(set) var last: HLC

    public init(last: HLC = .zero) { self.last = last }

    /// Issues a timestamp for a local event at wall-clock time `wallMillis`.
    public mutating func tick(wallMillis: UInt64) -> HLC {
        let physical = HLC(millis: wallMillis)
        last = max(physical, last.successor)
        return last
    }

    /// Records a timestamp received from another replica.
    public mutating func observe(_ remote: HLC) {
        if remote > last { last = remote }
    }
}
