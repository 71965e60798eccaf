/// Days of the assessment season, as the province counts them: Vietnam time (UTC+7, no daylight
/// saving), written `YYYY-MM-DD` like the schema's date fields.
///
/// Pure arithmetic (no calendar, no time zone database): every replica must turn a phase's last
/// day into the very same millisecond, or two replicas would judge one change differently
/// (Protocol §17.2).
public enum SeasonDay {
    /// Vietnam's offset from UTC.
    public static let offsetMillis: Int64 = 7 * 3_600_000
    static let dayMillis: Int64 = 86_400_000

    /// Days since 1970-01-01 of a `YYYY-MM-DD` text, or nil when it is not a real date.
    public static func dayNumber(_ text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        let number = days(year: year, month: month, day: day)
        guard date(dayNumber: number) == text else { return nil }  // 2021-02-30 is refused
        return number
    }

    /// The first millisecond after the day `text` ends in Vietnam: a phase "until" that day is open
    /// for stamps below it. Nil when `text` is not a date.
    public static func endMillis(_ text: String) -> UInt64? {
        guard let day = dayNumber(text) else { return nil }
        return UInt64(max(0, (day + 1) * dayMillis - offsetMillis))
    }

    /// The day (Vietnam time) a millisecond time falls on, `YYYY-MM-DD`.
    public static func date(millis: UInt64) -> String {
        let local = localMillis(millis)
        return date(dayNumber: local >= 0 ? local / dayMillis : (local - dayMillis + 1) / dayMillis)
    }

    /// The day (Vietnam time) and minute of a millisecond time, `YYYY-MM-DD HH:MM`, for messages.
    public static func dateTime(millis: UInt64) -> String {
        let local = localMillis(millis)
        let minutes = (local % dayMillis) / 60_000
        let hh = minutes / 60, mm = minutes % 60
        return date(millis: millis) + " " + (hh < 10 ? "0" : "") + String(hh) + ":" + (mm < 10 ? "0" : "") + String(mm)
    }

    /// Milliseconds since 1970 in Vietnam time. Times past any real one (beyond year 292 million,
    /// where UTC+7 no longer fits `Int64`) are held at the last representable millisecond: these
    /// functions print what they are given, they never trap on it.
    static func localMillis(_ millis: UInt64) -> Int64 {
        min(Int64(clamping: millis), Int64.max - offsetMillis) + offsetMillis
    }

    /// Whole days from `from` to `to` (milliseconds), rounded up: days left before a deadline.
    public static func daysLeft(from: UInt64, to: UInt64) -> Int64 {
        guard to > from else { return 0 }
        // In UInt64: any two times give a count (at most 2.2e11 days), never an overflow.
        let gap = to - from, day = UInt64(dayMillis)
        return Int64(gap / day + (gap % day == 0 ? 0 : 1))
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func date(dayNumber: Int64) -> String {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
    }
}
