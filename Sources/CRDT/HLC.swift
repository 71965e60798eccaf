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

    /// Milliseconds beyond 48 bits (the year 10889) are clamped to ``maxMillis``: a clock or a
    /// message that far off can never wrap round to the past.
    public init(millis: UInt64, counter: UInt16 = 0) {
        self.rawValue = (min(millis, HLC.maxMillis) << 16) | UInt64(counter)
    }

    /// The largest millisecond count a timestamp holds (48 bits).
    public static let maxMillis: UInt64 = (1 << 48) - 1

    /// The greatest timestamp.
    public static let max = HLC(rawValue: .max)

    /// The zero timestamp, before any event.
    public static let zero = HLC(rawValue: 0)

    /// Wall-clock milliseconds since the Unix epoch.
    public var millis: UInt64 { rawValue >> 16 }

    /// The logical counter within ``millis``.
    public var counter: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    /// The next timestamp after this one (counter + 1, carrying into milliseconds); ``max`` stays
    /// ``max`` (saturates, never wraps to zero). Receivers refuse stamps far ahead of their wall
    /// clock (Protocol §3.4), so no replica's clock comes near it.
    public var successor: HLC { rawValue == .max ? self : HLC(rawValue: rawValue + 1) }

    public static func < (lhs: HLC, rhs: HLC) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "\(millis).\(counter)" }

    /// Whether this stamp is further than `skewMillis` ahead of the wall-clock time `wallMillis`:
    /// such a stamp is refused on every merge path (Protocol §3.4).
    public func isAhead(of wallMillis: UInt64, by skewMillis: UInt64) -> Bool {
        let (bound, overflow) = wallMillis.addingReportingOverflow(skewMillis)
        return !overflow && millis > bound
    }
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
    ///
    /// Callers refuse a remote stamp further ahead of their wall clock than the allowed skew
    /// before observing it (``HLC/isAhead(of:by:)``), so nothing received drags this clock
    /// further ahead than that bound.
    public mutating func observe(_ remote: HLC) {
        if remote > last { last = remote }
    }

    /// Sets the clock back to `hlc` (which may be lower than ``last``): only for a clock repair,
    /// after the replica re-stamped every change it issued above `hlc` (see `Replica.repairClock`).
    public mutating func reset(to hlc: HLC) {
        last = hlc
    }
}
