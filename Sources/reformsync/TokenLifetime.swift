import Foundation
import ReformData

/// `--expires` and `--grace` of `reformsync hub token`: a duration (`90d`, `12h`, `30m`, `2w`,
/// `3600s`) or, for `--expires`, a date (`2027-06-30`, that day's 00:00 UTC) or an ISO 8601 time
/// (`2027-06-30T17:00:00Z`).
enum TokenLifetime {
    /// The longest lifetime or grace accepted: ten years.
    static let maximumSeconds: Double = 10 * 366 * 86_400

    /// Seconds of a duration like `7d`; nil when `text` is not one. Range-checked, never traps.
    static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let unit = trimmed.last, let scale = ["s": 1.0, "m": 60, "h": 3600, "d": 86_400, "w": 604_800][String(unit)] else { return nil }
        let digits = trimmed.dropLast()
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCII), let count = Int(digits), count >= 0 else { return nil }
        return Double(count) * scale
    }

    /// A grace period (`--grace`): a duration up to ten years.
    static func grace(_ text: String, option: String = "--grace") throws -> Double {
        guard let seconds = seconds(text) else {
            throw ReportableError.input("\(option) \(text): give a duration such as 7d, 36h, 90m or 2w")
        }
        guard seconds <= maximumSeconds else { throw ReportableError.input("\(option) \(text): at most ten years") }
        return seconds
    }

    /// When a token given `--expires TEXT` expires: in the future, at most ten years away.
    static func expiry(_ text: String, now: Date = Date()) throws -> Date {
        let date: Date
        if let seconds = seconds(text) {
            guard seconds > 0 else { throw ReportableError.input("--expires \(text): a token that expires at once opens nothing; give e.g. 90d") }
            date = now.addingTimeInterval(seconds)
        } else if let time = Timestamp.date(text) {
            date = time
        } else if let day = Timestamp.date(text + "T00:00:00Z") {
            date = day
        } else {
            throw ReportableError.input("--expires \(text): give a duration (90d, 12h, 2w) or a date (2027-06-30, or 2027-06-30T17:00:00Z)")
        }
        guard date > now else { throw ReportableError.input("--expires \(text): \(Timestamp.string(date)) is already past") }
        guard date.timeIntervalSince(now) <= maximumSeconds else { throw ReportableError.input("--expires \(text): at most ten years from now") }
        return date
    }
}
