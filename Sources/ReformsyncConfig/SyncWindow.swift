import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Hours of the day when a node may use its link, e.g. `18:00-07:00` for a capped daytime link.
///
/// A window may wrap past midnight. Times are the server's local time.
public struct SyncWindow: Sendable, Equatable, CustomStringConvertible {
    /// Minutes after midnight.
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// Parses `HH:MM-HH:MM`.
    public init?(_ text: String) {
        let parts = text.replacingOccurrences(of: " ", with: "").split(separator: "-")
        guard parts.count == 2, let start = Self.minutes(parts[0]), let end = Self.minutes(parts[1]), start != end else { return nil }
        self.start = start
        self.end = end
    }

    static func minutes(_ text: Substring) -> Int? {
        let hm = text.split(separator: ":")
        guard hm.count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
        return h * 60 + m
    }

    /// Whether `minute` (after midnight) falls inside the window.
    public func contains(minute: Int) -> Bool {
        start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
    }

    public func contains(_ date: Date) -> Bool {
        contains(minute: Self.localSecondOfDay(date) / 60)
    }

    /// Seconds from `date` until the window next opens (0 when open).
    public func secondsUntilOpen(from date: Date) -> Double {
        if contains(date) { return 0 }
        var wait = start * 60 - Self.localSecondOfDay(date)
        if wait <= 0 { wait += 86_400 }
        return Double(wait)
    }

    /// Seconds after local midnight, in the server's time zone (`TZ`, else /etc/localtime) as
    /// the C library reads it: no Foundation `Calendar`, whose time zones load ICU.
    static func localSecondOfDay(_ date: Date) -> Int {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return 0 }
        return Int(parts.tm_hour) * 3600 + Int(parts.tm_min) * 60 + Int(parts.tm_sec)
    }

    public var description: String {
        String(format: "%02d:%02d-%02d:%02d", start / 60, start % 60, end / 60, end % 60)
    }
}
