import Foundation

/// The fields of an `application/x-www-form-urlencoded` body (or query string), NFC-normalised.
///
/// A repeated name keeps its last value; names and values are percent-decoded with `+` as a space.
public struct FormBody: Sendable, Equatable {
    public var fields: [String: String]

    public init(fields: [String: String] = [:]) { self.fields = fields }

    public init(encoded text: String) {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            fields[name] = value
        }
        self.fields = fields
    }

    static func decode(_ part: Substring) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return (spaced.removingPercentEncoding ?? spaced).precomposedStringWithCanonicalMapping
    }

    public subscript(_ name: String) -> String? { fields[name] }

    /// A number typed by a person, "2,5" (Vietnamese decimal comma) or "2.5": nil when the text
    /// is not a finite number (so "nan" and "inf" never reach a score).
    public static func decimal(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
        guard let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }

    /// The form of the request being served (set by ``OfficeGuard`` after it checked the CSRF token).
    @TaskLocal public static var current = FormBody()
}
