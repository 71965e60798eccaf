import Foundation
@testable import ReformsyncConfig
import Testing

@Suite("sync.window arithmetic")
struct SyncWindowTests {
    /// The window reads local time through the C library (no ICU); it must agree with
    /// Foundation's calendar in this process's time zone.
    @Test("local time of day agrees with Foundation's calendar")
    func localTime() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let date = Date(timeIntervalSince1970: Double(UInt32.random(in: 1_600_000_000...2_000_000_000, using: &generator)))
            let parts = Calendar.current.dateComponents([.hour, .minute, .second], from: date)
            #expect(SyncWindow.localSecondOfDay(date) == parts.hour! * 3600 + parts.minute! * 60 + parts.second!, "\(date)")
        }
    }

    @Test("a window that wraps past midnight, and the wait until it opens")
    func wrapping() throws {
        let window = try #require(SyncWindow("18:00-07:00"))
        #expect(window.contains(minute: 18 * 60) && window.contains(minute: 23 * 60 + 59) && window.contains(minute: 0) && window.contains(minute: 6 * 60 + 59))
        #expect(!window.contains(minute: 7 * 60) && !window.contains(minute: 12 * 60) && !window.contains(minute: 17 * 60 + 59))
        let now = Date()
        let second = SyncWindow.localSecondOfDay(now)
        let wait = window.secondsUntilOpen(from: now)
        if window.contains(minute: second / 60) {
            #expect(wait == 0)
        } else {
            #expect(wait == Double(18 * 3600 - second))
        }
        #expect(SyncWindow("7:00-7:00") == nil && SyncWindow("25:00-07:00") == nil && SyncWindow("18:00") == nil)
    }
}
