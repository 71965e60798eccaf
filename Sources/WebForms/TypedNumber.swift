import Foundation

/// Numbers as people type them into the office forms and read them on the pages: Vietnamese write
/// a decimal comma ("2,5"), and often a dot between thousands ("1.000.000").
///
/// One reader for the unit's and the appraisers' app, stricter than `Double(_:)`: that one also
/// takes "1e3", "0x1p3", "inf" and "nan", which nobody means when typing a score.
public enum TypedNumber {
    /// Longest text read as a number: more digits than a score or a count can need (and a
    /// `Double` of at most 40 digits is always finite).
    public static let maxLength = 40

    /// A decimal number: an optional sign, ASCII digits, at most one decimal separator (`,` or `.`)
    /// with digits on at least one side; spaces around are ignored. Nil for anything else.
    ///
    ///     TypedNumber.decimal(" 2,5 ") == 2.5
    public static func decimal(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= maxLength else { return nil }
        var digits = 0, separators = 0, canonical: [UInt8] = []
        for (index, byte) in trimmed.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1; canonical.append(byte)
            case UInt8(ascii: ","), UInt8(ascii: "."): separators += 1; canonical.append(UInt8(ascii: "."))
            case UInt8(ascii: "-"), UInt8(ascii: "+") where index == 0: canonical.append(byte)
            default: return nil
            }
        }
        guard digits > 0, separators <= 1, let value = Double(String(decoding: canonical, as: UTF8.self)), value.isFinite else { return nil }
        return value
    }

    /// A whole number, with or without dots between thousands ("1.000.000"); spaces around are
    /// ignored. Nil for anything else, or beyond `Int64`.
    public static func whole(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.utf8.count <= maxLength else { return nil }
        let digits = trimmed.replacingOccurrences(of: ".", with: "")
        guard !digits.isEmpty, digits.utf8.enumerated().allSatisfy({ index, byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (index == 0 && (byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")))
        }) else { return nil }
        return Int64(digits)
    }

    /// Points as Vietnamese write them, rounded to two decimals without trailing zeros: "2,5",
    /// "10". Any value prints (a published figure comes from the hub and has no range): "—" for
    /// one that is not finite.
    public static func points(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        if text == "-0" { text = "0" }
        return text.replacingOccurrences(of: ".", with: ",")
    }
}
