import Foundation
@testable import ReformData
import ReformsyncTestSupport
import Testing

/// `String.nfc` skips Foundation for text it knows to be NFC already; that shortcut must never
/// let non-NFC text through.
@Suite("NFC normalisation")
struct NormalizationTests {
    static let shortcut: [Unicode.Scalar] = (Array(0..<0x300) + Array(0x1E00...0x1EFF)).compactMap(Unicode.Scalar.init(_:))

    @Test("every scalar the shortcut trusts is NFC on its own, starts a new character and does not compose with a neighbour")
    func shortcutScalars() {
        for scalar in Self.shortcut {
            let text = String(Character(scalar))
            #expect(text.isKnownNFC)
            #expect(Array(text.precomposedStringWithCanonicalMapping.unicodeScalars) == [scalar], "U+\(String(scalar.value, radix: 16)) changes under NFC")
            #expect(scalar.properties.canonicalCombiningClass == .notReordered, "U+\(String(scalar.value, radix: 16)) combines")
        }
        // And the shortcut trusts nothing else (U+0300, the first combining mark, included).
        let trusted = Set(Self.shortcut)
        for value in 0..<0x3000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            #expect(String(Character(scalar)).isKnownNFC == trusted.contains(scalar), "U+\(String(value, radix: 16))")
        }
        var random = SeededRandom(seed: 0x4E46_43)
        for _ in 0..<50_000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<3 { text.append(Self.shortcut.randomElement(using: &random)!) }
            let string = String(text)
            #expect(Array(string.precomposedStringWithCanonicalMapping.unicodeScalars) == Array(string.unicodeScalars))
        }
    }

    @Test("decomposed Vietnamese and other text outside the shortcut are normalised")
    func decomposed() {
        let decomposed = "Tuye\u{302}n Quang, Ha\u{300}m Ye\u{302}n, Nghi\u{323} quye\u{302}\u{301}t"
        #expect(!decomposed.isKnownNFC)
        #expect(Array(decomposed.nfc.unicodeScalars) == Array("Tuy\u{EA}n Quang, H\u{E0}m Y\u{EA}n, Ngh\u{1ECB} quy\u{1EBF}t".unicodeScalars))
        #expect(Array("Tuyên Quang".nfc.utf8) == Array("Tuyên Quang".utf8))
        // Outside the shortcut: an Angstrom sign becomes Å; Hangul jamo compose.
        #expect("\u{212B}".nfc == "\u{C5}" && Array("\u{212B}".nfc.unicodeScalars) == ["\u{C5}"])
        #expect(Array("\u{1100}\u{1161}".nfc.unicodeScalars) == ["\u{AC00}"])
    }
}
