import Testing
import WebForms

/// URL-encoded form bodies (Sources/WebForms/FormBody.swift).
@Suite struct FormBodyTests {
    @Test func decodesPercentAndPlusAndNormalisesToNFC() {
        let form = FormBody(encoded: "note=Ho%C3%A0n+th%C3%A0nh&p=Tuye%CC%82n&x=%ZZ&repeated=1&repeated=2&flag")
        #expect(form["note"] == "Hoàn thành")
        #expect(form["p"] == "Tuyên")  // decomposed ê typed in, NFC stored
        #expect(form["x"] == "%ZZ")
        #expect(form["repeated"] == "2")
        #expect(form["flag"] == "")
    }

    /// Found by FuzzOfficeForms against Foundation: `%XX` giving invalid UTF-8 is kept as sent,
    /// always (Foundation keeps some such parts and repairs others with U+FFFD).
    @Test func invalidUTF8IsKeptAsSent() {
        let form = FormBody(encoded: "a=%A0n&b=A%A9g&c=h%E1%&d=x+%C3%A0")
        #expect(form["a"] == "%A0n")
        #expect(form["b"] == "A%A9g")
        #expect(form["c"] == "h%E1%")
        #expect(form["d"] == "x à")
    }

    /// A raw combining mark right after `&` or `=` forms one character with it; the separators are
    /// bytes, so the fields are still told apart.
    @Test func separatorsAreBytesNotCharacters() {
        let form = FormBody(encoded: "a=1&\u{301}b=2&c=\u{301}")
        #expect(form["a"] == "1")
        #expect(form["\u{301}b"] == "2")
        #expect(form["c"] == "\u{301}")
    }
}
