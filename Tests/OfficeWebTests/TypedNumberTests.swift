import Testing
import WebForms

/// Numbers typed into the office forms and printed on their pages (Sources/WebForms/TypedNumber.swift).
@Suite struct TypedNumberTests {
    @Test("a decimal comma or point, a sign, spaces around", arguments: [
        ("2,5", 2.5), (" 2.5 ", 2.5), ("10", 10), ("-1", -1), ("+0,25", 0.25), (",5", 0.5), ("99,99", 99.99),
    ])
    func readsWhatPeopleType(_ text: String, _ value: Double) {
        #expect(TypedNumber.decimal(text) == value)
    }

    @Test("what Double(_:) takes but nobody types as a score is refused", arguments: [
        "1e3", "0x1p3", "inf", "nan", "-infinity", "1,2,5", "2,5đ", "", " ", "-", ",", "1 000", "٣", String(repeating: "9", count: 41),
    ])
    func refusesTheRest(_ text: String) {
        #expect(TypedNumber.decimal(text) == nil)
    }

    @Test func wholeNumbersMayHaveDotsBetweenThousands() {
        #expect(TypedNumber.whole("1.000.000") == 1_000_000)
        #expect(TypedNumber.whole(" 12 ") == 12)
        #expect(TypedNumber.whole("12a") == nil)
        #expect(TypedNumber.whole("1,5") == nil)
        #expect(TypedNumber.whole("99999999999999999999") == nil)  // beyond Int64: refused, not trapped
    }

    /// Regression (FuzzOfficeForms): the unit app printed points through `Int64(rounded)`, which
    /// traps beyond ±9.2e18, and `index_percent` of a published result comes from the hub with no
    /// range: one such row took the unit's results page down.
    @Test func anyValuePrintsWithoutTrapping() {
        #expect(TypedNumber.points(1e19) == "10000000000000000000")
        #expect(TypedNumber.points(-1e300).count == 302)
        #expect(TypedNumber.points(2.5) == "2,5")
        #expect(TypedNumber.points(10) == "10")
        #expect(TypedNumber.points(81.999) == "82")
        #expect(TypedNumber.points(-0.001) == "0")
        #expect(TypedNumber.points(.nan) == "—")
        #expect(TypedNumber.points(-.infinity) == "—")
    }
}
