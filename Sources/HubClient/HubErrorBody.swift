#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Extracts the hub's explanation from an error response body.
///
/// The hub answers errors with `{"error": {"code": "…", "message": "…"}}`. Proxies and older
/// hubs may answer with plain text instead, which is kept as the message; HTML error pages
/// (a reverse proxy's "502 Bad Gateway") are dropped because they are unreadable on one line.
enum HubErrorBody {
    private struct Envelope: Decodable {
        struct Detail: Decodable {
            var code: String?
            var message: String?
        }
        var error: Detail
    }

    /// Longest message kept, so one error stays one readable log line.
    static let maxMessageLength = 300

    /// Returns the hub's error code and message, each `nil` if absent.
    static func parse(_ body: [UInt8], contentType: String?) -> (code: String?, message: String?) {
        guard !body.isEmpty else { return (nil, nil) }
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(body)) {
            return (envelope.error.code.map(oneLine), envelope.error.message.map(oneLine))
        }
        let type = contentType?.lowercased() ?? ""
        if type.contains("html") || type.contains("json") { return (nil, nil) }
        let text = String(decoding: body, as: UTF8.self)
        if text.contains("\u{FFFD}") || text.lowercased().contains("<html") { return (nil, nil) }
        let message = oneLine(text)
        return (nil, message.isEmpty ? nil : message)
    }

    /// Collapses whitespace and line breaks and truncates, so a message fits on one line.
    static func oneLine(_ text: String) -> String {
        let words = text.split(whereSeparator: { $0.isWhitespace || $0.isNewline })
        let joined = words.joined(separator: " ")
        guard joined.count > maxMessageLength else { return joined }
        return String(joined.prefix(maxMessageLength)) + "…"
    }
}
