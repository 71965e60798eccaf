import Foundation

/// Times as replicas, status files and the hub's registry store them: ISO 8601 in UTC to the
/// second (`2026-11-26T21:29:09Z`).
///
/// Written and read with `Date.ISO8601FormatStyle`, which needs no ICU: a daemon that only
/// stamps times never loads ICU's data (`ISO8601DateFormatter` did, a few MB of resident memory).
public enum Timestamp {
    public static func string(_ date: Date = Date()) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    /// The time `text` names, or nil when it is not such a timestamp.
    public static func date(_ text: String) -> Date? {
        try? Date(text, strategy: Date.ISO8601FormatStyle())
    }
}
