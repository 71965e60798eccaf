/// An error the hub answers with: HTTP status, stable code and a message the node can show.
///
/// Body: `{"error": {"code": "...", "message": "..."}}` (Protocol/README.md §12). Every error
/// response of the hub has this shape: ``HubErrorMiddleware`` maps whatever a route throws.
public struct HubError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String
    /// `WWW-Authenticate` challenge sent with a 401 of the operator routes, so a browser asks for
    /// the operator token (HTTP Basic).
    public var challenge: String?
    /// `Allow` header of a 405.
    public var allow: String?
    /// `Retry-After` (seconds) of a 503 `overloaded` (Protocol/README.md §18.1).
    public var retryAfter: Int?

    public init(status: Int, code: String, message: String, challenge: String? = nil, allow: String? = nil, retryAfter: Int? = nil) {
        self.retryAfter = retryAfter
        self.status = status
        self.code = code
        self.message = message
        self.challenge = challenge
        self.allow = allow
    }

    public static func badRequest(_ message: String) -> HubError { HubError(status: 400, code: "bad_request", message: message) }
    /// A 401 of the node routes, with the `WWW-Authenticate: Bearer` challenge RFC 9110 §11.6.1
    /// requires (the operator routes send their own, Basic).
    public static func unauthorized(_ message: String) -> HubError {
        HubError(status: 401, code: "unauthorized", message: message, challenge: bearerChallenge)
    }
    public static let bearerChallenge = "Bearer realm=\"reformsync hub\""
    public static func forbidden(_ message: String) -> HubError { HubError(status: 403, code: "forbidden", message: message) }
    public static func tooLarge(_ limit: Int) -> HubError {
        HubError(status: 413, code: "body_too_large", message: "request body exceeds \(limit) bytes; send smaller batches")
    }
    public static func notFound(_ path: String) -> HubError {
        HubError(status: 404, code: "not_found", message: "no route \(path) at this hub (see Protocol/README.md §8)")
    }
    public static func methodNotAllowed(_ method: String, _ path: String, allowed: [String]) -> HubError {
        HubError(status: 405, code: "method_not_allowed", message: "\(path) does not take \(method); use \(allowed.joined(separator: " or "))",
                 allow: allowed.joined(separator: ", "))
    }
    /// 409 `handshake_required`: what the node agreed in its last handshake no longer holds
    /// (Protocol/README.md §18.2): it handshakes again, then repeats the request.
    public static func handshakeRequired(_ message: String) -> HubError {
        HubError(status: 409, code: "handshake_required", message: message)
    }
    public static func `internal`() -> HubError {
        HubError(status: 500, code: "internal", message: "the hub failed to handle the request; its log has details")
    }

    public var description: String { "\(status) \(code): \(message)" }
}
