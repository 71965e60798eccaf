import Foundation

extension String {
    /// The text in Unicode Normalization Form C.
    ///
    /// Vietnamese arrives precomposed ("ệ" as one scalar) from some sources and decomposed
    /// ("e" + U+0323 + U+0302) from others (Excel, web forms, terminals). SQLite compares bytes,
    /// so every entry point normalises to NFC before keys are derived or values compared.
    public var nfc: String {
        // Fast path: ASCII is already NFC.
        if utf8.allSatisfy({ $0 < 0x80 }) { return self }
        return precomposedStringWithCanonicalMapping
    }
}
