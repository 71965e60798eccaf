import Foundation

/// Calendar days as the province counts them: Vietnam time (UTC+7, no daylight saving), text
/// `YYYY-MM-DD` like the schema's date fields.
public enum ReportDate {
    static let vietnam = TimeZone(secondsFromGMT: 7 * 3600)!

    static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = vietnam
        return calendar
    }

    /// The day `date` falls on in Vietnam, `YYYY-MM-DD`.
    public static func string(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// Midnight (Vietnam time) of a `YYYY-MM-DD` day, or nil when the text is not a date.
    public static func date(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        let components = DateComponents(year: year, month: month, day: day)
        guard let date = calendar.date(from: components), string(date) == text else { return nil }
        return date
    }

    /// `DD/MM/YYYY`, the Vietnamese way; the text unchanged when it is not a date.
    public static func vietnamese(_ text: String) -> String {
        let parts = text.split(separator: "-")
        guard parts.count == 3 else { return text }
        return "\(parts[2])/\(parts[1])/\(parts[0])"
    }

    /// Whole days from one day to another (positive when `to` is later).
    static func days(from: String, to: String) -> Int? {
        guard let start = date(from), let end = date(to) else { return nil }
        return calendar.dateComponents([.day], from: start, to: end).day
    }
}
