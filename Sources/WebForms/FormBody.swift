import Foundation

/// The fields of an `application/x-www-form-urlencoded` body (or query string), NFC-normalised.
///
/// A repeated name keeps its last value; names and values are percent-decoded with `+` as a space.
public struct FormBody: Sendable, Equatable {
    public var fields: [String: String]

    public init(fields: [String: String] = [:]) { self.fields = fields }

    public init(encoded text: String) {
        var fields: [String: String] = [:]
        // Split at the bytes `&` and `=`, not at characters: a combining mark after either (one
        // character with it) must not hide a separator.
        for pair in text.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            fields[name] = value
        }
        self.fields = fields
    }

    /// One name or value: `%XX` decoded, `+` as a space, then NFC. A part with a `%` not followed
    /// by two hex digits, or decoding to invalid UTF-8, is kept as sent (`+` still a space), as
    /// Foundation's `removingPercentEncoding` leaves it (for invalid UTF-8 Foundation is not
    /// consistent: it keeps `%A0n` but repairs `A%A9g` to `A\u{FFFD}g`; one rule here). By hand, byte by byte: through Foundation
    /// a 1 MiB form of short fields took 2 s of CPU, and the login form is read before anyone
    /// has logged in. (FuzzOfficeForms checks it against Foundation's decoding.)
    static func decode<Part: Collection<UInt8>>(_ part: Part) -> String {
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(part.count)
        var wellFormed = true
        var index = part.startIndex
        while index != part.endIndex {
            let byte = part[index]
            index = part.index(after: index)
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                continue
            }
            guard index != part.endIndex, let high = hex(part[index]), part.index(after: index) != part.endIndex,
                  let low = hex(part[part.index(after: index)]) else { wellFormed = false; break }
            bytes.append(high << 4 | low)
            index = part.index(index, offsetBy: 2)
        }
        let text = (wellFormed ? String(validating: bytes, as: UTF8.self) : nil)
            ?? String(decoding: part.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        return text.utf8.allSatisfy { $0 < 0x80 } ? text : text.precomposedStringWithCanonicalMapping
    }

    public subscript(_ name: String) -> String? { fields[name] }

    /// The form of the request being served (set by ``OfficeGuard`` after it checked the CSRF token).
    @TaskLocal public static var current = FormBody()
}
