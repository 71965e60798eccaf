import CRDT
import Testing

@Suite("Hybrid logical clock")
struct HLCTests {
    @Test func packsMillisAndCounter() {
        let t = HLC(millis: 1_655_531_940_123, counter: 7)
        #expect(t.millis == 1_655_531_940_123)
        #expect(t.counter == 7)
        #expect(HLC(millis: 5, counter: 0) > HLC(millis: 4, counter: 65535))
    }

    @Test func tickIsStrictlyMonotonicWhenTheWallClockGoesBackwards() {
        var clock = HybridLogicalClock()
        let walls: [UInt64] = [1_000, 1_000, 999, 500, 1_001, 1_001, 2_000, 10, 10]
        var previous = HLC.zero
        for wall in walls {
            let t = clock.tick(wallMillis: wall)
            #expect(t > previous, "tick at wall \(wall) gave \(t), not after \(previous)")
            previous = t
        }
        // While the wall clock stood behind, the counter carried the order.
        #expect(previous.millis == 2_000)
        #expect(previous.counter == 2)
    }

    @Test func observingARemoteStampOrdersLaterLocalEventsAfterIt() {
        var clock = HybridLogicalClock()
        _ = clock.tick(wallMillis: 1_000)
        let remote = HLC(millis: 5_000, counter: 3)
        clock.observe(remote)
        let next = clock.tick(wallMillis: 1_001)
        #expect(next > remote)
        #expect(next == HLC(millis: 5_000, counter: 4))
        clock.observe(HLC(millis: 10))  // an older remote stamp does not move the clock back
        #expect(clock.tick(wallMillis: 1_002) == HLC(millis: 5_000, counter: 5))
    }

    /// Arithmetic at the top of the range saturates: nothing a peer sends can make a clock wrap
    /// round to zero (and every later write lose to everything).
    @Test func clockArithmeticSaturatesInsteadOfWrapping() {
        #expect(HLC.max.successor == .max)
        #expect(HLC(rawValue: .max - 1).successor == .max)
        #expect(HLC(millis: .max).millis == HLC.maxMillis, "milliseconds beyond 48 bits clamp, they do not shift out")
        #expect(HLC(millis: HLC.maxMillis + 12_345, counter: 7) > HLC(millis: 1_700_000_000_000))
        var clock = HybridLogicalClock()
        clock.observe(.max)
        #expect(clock.tick(wallMillis: 1_000) == .max)
        #expect(clock.tick(wallMillis: .max) == .max)
        clock.reset(to: HLC(millis: 5))
        #expect(clock.tick(wallMillis: 1) == HLC(millis: 5, counter: 1), "a repaired clock goes on from where it was set")
    }

    @Test func stampsFarAheadOfTheWallClockAreRecognised() {
        let now: UInt64 = 1_700_000_000_000
        #expect(!HLC(millis: now + 300_000, counter: 9).isAhead(of: now, by: 300_000), "the bound itself is allowed")
        #expect(HLC(millis: now + 300_001).isAhead(of: now, by: 300_000))
        #expect(!HLC(millis: now - 10_000).isAhead(of: now, by: 0))
        #expect(HLC.max.isAhead(of: now, by: 300_000))
        #expect(!HLC.max.isAhead(of: .max, by: .max), "no overflow in the bound")
    }

    @Test func siteIDsAreSixteenLowercaseHexDigits() {
        #expect(SiteID("0123456789abcdef") != nil)
        #expect(SiteID("0123456789ABCDEF") == nil)
        #expect(SiteID("0123") == nil)
        #expect(SiteID("0123456789abcdeg") == nil)
        #expect(SiteID("0123456789abcdef0") == nil)
        #expect(SiteID("") == nil)
        #expect(SiteID("0000000000000000")?.bits == 0 && SiteID("ffffffffffffffff")?.bits == .max)
        #expect(SiteID(bits: 0x2a).rawValue == "000000000000002a")
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let site = SiteID.random(using: &rng)
            #expect(SiteID(site.rawValue) == site)
        }
    }

    /// Site ids are held as numbers but ordered as their text: ties between writes break the same
    /// way on every replica, and as the protocol documents (by the 16 digits).
    @Test func siteIDsOrderAsTheirDigits() {
        var rng = SystemRandomNumberGenerator()
        let sites = (0..<300).map { i in i % 3 == 0 ? SiteID(bits: UInt64(i)) : SiteID.random(using: &rng) }
        for (a, b) in zip(sites, sites.shuffled(using: &rng)) {
            #expect((a < b) == (a.rawValue < b.rawValue), "\(a) vs \(b)")
            #expect((a == b) == (a.rawValue == b.rawValue))
        }
    }
}
