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
            let name = Self.decode(String(decoding: parts[0], as: UTF8.self))
            let value = parts.count > 1 ? Self.decode(String(decoding: parts[1], as: UTF8.self)) : ""
            fields[name] = value
        }
        self.fields = fields
    }

    static func decode(_ part: String) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return (spaced.removingPercentEncoding ?? spaced).precomposedStringWithCanonicalMapping
    }

    public subscript(_ name: String) -> String? { fields[name] }

    /// The form of the request being served (set by ``OfficeGuard`` after it checked the CSRF token).
    @TaskLocal public static var current = FormBody()
}
