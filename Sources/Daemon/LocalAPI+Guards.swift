import HTTPTypes
import Hummingbird
import ReformsyncConfig
import Synchronization

/// The Host allow-list, on every request of the local API, `/health` included.
///
/// A page in an office browser can make its own host name resolve to 127.0.0.1 (DNS rebinding)
/// and then call the API as "same origin"; its requests still carry that foreign name in `Host`.
/// Only the names the API is really reached by are answered: `localhost`, `127.0.0.1`, `[::1]`,
/// `api.host`, and `api.allowed_hosts`, each with or without the listening port. Anything else
/// is refused 421 `host_not_allowed`, before authentication.
struct HostAllowListMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowed: Set<String>
    let port: ListeningPort

    init(configuration: APISettings, port: ListeningPort) {
        var hosts: Set<String> = ["localhost", "127.0.0.1", "[::1]"]
        hosts.insert(Self.bracketed(configuration.host.lowercased()))
        for host in configuration.allowedHosts { hosts.insert(Self.bracketed(host.lowercased())) }
        allowed = hosts
        self.port = port
    }

    /// An IPv6 address as it appears in a Host header: in brackets.
    static func bracketed(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let authority = request.head.authority, !authority.isEmpty else {
            throw APIError(status: .misdirectedRequest, code: "host_not_allowed",
                           message: "the request has no Host header; send Host: 127.0.0.1:PORT (or a name in api.allowed_hosts)")
        }
        let lowered = authority.lowercased()
        var host = Substring(lowered)
        var portText: Substring?
        if let colon = lowered.lastIndex(of: ":"), !lowered[colon...].contains("]") {
            host = lowered[..<colon]
            portText = lowered[lowered.index(after: colon)...]
        }
        let portMatches = portText.map { text in
            guard let number = Int(text), number > 0, number <= 65535 else { return false }
            return port.value.map { $0 == number } ?? true
        } ?? true
        guard allowed.contains(String(host)), portMatches else {
            throw APIError(status: .misdirectedRequest, code: "host_not_allowed",
                           message: "Host '\(authority.prefix(200))' is not one this API answers to (\(allowed.sorted().joined(separator: ", ")), "
                               + "with or without the port): add it to api.allowed_hosts if office PCs reach the API by that name")
        }
        return try await next(request, context)
    }
}

/// `Authorization: Bearer <api-token>` on every route of the group it guards (all but `/health`).
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: APITokenStore
    /// The challenge every 401 here carries (RFC 9110 §11.6.1, RFC 6750).
    static var challenge: HTTPFields { [.wwwAuthenticate: "Bearer realm=\"reformsync node\""] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw APIError(status: .unauthorized, code: "unauthorized",
                           message: "this request needs the node's API token: send 'Authorization: Bearer TOKEN'; "
                               + "`reformsync api-token` prints it (file \(tokens.file))", headers: Self.challenge)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError(status: .unauthorized, code: "unauthorized",
                           message: "the Authorization header must be 'Bearer TOKEN' (the token from `reformsync api-token`)", headers: Self.challenge)
        }
        guard APIToken.matches(String(parts[1]).trimmingCharacters(in: .whitespaces), tokens.current) else {
            throw APIError(status: .unauthorized, code: "unauthorized",
                           message: "the API token is wrong (rotated?): `reformsync api-token` prints the current one (file \(tokens.file))", headers: Self.challenge)
        }
        return try await next(request, context)
    }
}

/// The port the API really listens on (known once it runs; `api.port: 0` picks any).
final class ListeningPort: Sendable {
    private let port = Mutex<Int?>(nil)
    init(_ value: Int?) { port.withLock { $0 = value } }
    var value: Int? { port.withLock { $0 } }
    func set(_ value: Int) { port.withLock { $0 = value } }
}

extension HTTPResponse.Status {
    /// 507: the replica's filesystem is full.
    static let insufficientStorage = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
}
