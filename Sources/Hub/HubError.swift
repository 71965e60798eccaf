/// An error the hub answers with: HTTP status, stable code and a message the node can show.
///
/// Body: `{"error": {"code": "...", "message": "..."}}` (Protocol/README.md, "Errors").
public struct HubError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public static func badRequest(_ message: String) -> HubError { HubError(status: 400, code: "bad_request", message: message) }
    public static func unauthorized(_ message: String) -> HubError { HubError(status: 401, code: "unauthorized", message: message) }
    public static func forbidden(_ message: String) -> HubError { HubError(status: 403, code: "forbidden", message: message) }
    public static func tooLarge(_ limit: Int) -> HubError {
        HubError(status: 413, code: "body_too_large", message: "request body exceeds \(limit) bytes; send smaller batches")
    }

    public var description: String { "\(status) \(code): \(message)" }
}
