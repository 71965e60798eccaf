import Foundation

extension String {
    /// The text in Unicode Normalization Form C.
    ///
    /// Vietnamese arrives precomposed ("ệ" as one scalar) from some sources and decomposed
    /// ("e" + U+0323 + U+0302) from others (Excel, web forms, terminals). SQLite compares bytes,
    /// so every entry point normalises to NFC before keys are derived or values compared.
    public var nfc: String {
        if isKnownNFC { return self }
        return precomposedStringWithCanonicalMapping
    }

    /// True when every scalar is one that is NFC in any context: below U+0300 (ASCII, Latin-1,
    /// Latin Extended A and B: "ơ", "ư", "đ", "à") or in Latin Extended Additional
    /// (U+1E00–U+1EFF: precomposed "ệ", "ở", "ữ"). None of these has a combining class or a
    /// singleton decomposition (Unicode's NFC_Quick_Check is Yes for all), so precomposed
    /// Vietnamese skips the Foundation call; anything else is normalised.
    var isKnownNFC: Bool {
        for scalar in unicodeScalars {
            let value = scalar.value
            if value < 0x300 || (value >= 0x1E00 && value <= 0x1EFF) { continue }
            return false
        }
        return true
    }
}
