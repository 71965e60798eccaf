// Fuzz target: the season's dates (Protocol §17.2), `SeasonDay`, which reads the `YYYY-MM-DD`
// texts of `reformsync season set --until`, of the `seasons` and `season_extensions` rows a hub
// publishes, and turns phase ends into the millisecond every replica must agree on.
//
// Input: the text, as one line; its bytes also give a millisecond time.
// Besides not crashing: a date read is a real date written back identically; its end is the
// first millisecond of the next day in Vietnam (UTC+7), which falls on the next day while the
// millisecond before falls on that day; any millisecond time gives a date that reads back, and
// `daysLeft` is never negative.
import FuzzSupport
import ReformData

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let text = String(decoding: bytes, as: UTF8.self)
    if let day = SeasonDay.dayNumber(text) {
        guard text.utf8.count == 10 else { fuzzFailure("\(text) read as day \(day)") }
        if let end = SeasonDay.endMillis(text), end > 0 {
            guard SeasonDay.date(millis: end - 1) == text else { fuzzFailure("the last millisecond of \(text) falls on \(SeasonDay.date(millis: end - 1))") }
            let next = SeasonDay.date(millis: end)
            // The day after 9999-12-31 has a five-digit year, which is not a schema date.
            guard SeasonDay.dayNumber(next) == day + 1 || (text == "9999-12-31" && next == "10000-01-01") else {
                fuzzFailure("the end of \(text) falls on \(next), not on the next day")
            }
        }
    } else if SeasonDay.endMillis(text) != nil {
        fuzzFailure("\(text) has an end but is not a date")
    }
    var millis: UInt64 = 0
    for byte in bytes.prefix(8) { millis = millis << 8 | UInt64(byte) }
    let date = SeasonDay.date(millis: millis)
    guard let day = SeasonDay.dayNumber(date) else {
        // From year 10000 (Vietnam time) the text has five digits: not a schema date, never a trap.
        if millis < 253_402_300_800_000 - UInt64(SeasonDay.offsetMillis) { fuzzFailure("\(millis) gives \(date), which does not read back") }
        return 0
    }
    if let end = SeasonDay.endMillis(date), millis >= end { fuzzFailure("\(millis) falls on \(date) (day \(day)) but is past its end \(end)") }
    _ = SeasonDay.dateTime(millis: millis)
    var other: UInt64 = 0
    for byte in bytes.dropFirst(8).prefix(8) { other = other << 8 | UInt64(byte) }
    guard SeasonDay.daysLeft(from: millis, to: other) >= 0 else { fuzzFailure("negative days left") }
    return 0
}

@_cdecl("FuzzSeasonDates_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
