import Foundation
import HTTPTypes
import Hummingbird

/// The guard of the protocol routes (`/v1/handshake`, `/v1/push`, `/v1/pull`): a node token in
/// `Authorization: Bearer`, whose unit goes into the request context (Protocol/README.md §7.1).
///
/// An operator token is refused here (403): it is for people reading the province's figures, and
/// cannot write as any unit.
public struct NodeGuard: RouterMiddleware {
    public typealias Context = HubRequestContext
    let tokens: TokenAuthority

    public init(tokens: TokenAuthority) { self.tokens = tokens }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let presented = Credentials.bearer(request.headers[.authorization]) else {
            throw HubError.unauthorized("missing bearer token: send Authorization: Bearer <token> (issued by `reformsync hub token create`)")
        }
        let credential: TokenAuthority.Credential
        switch try await tokens.lookup(presented) {
        case .active(let found): credential = found
        case .expired(let id, let unit, let at):
            throw HubError.unauthorized("token \(id)\(unit.isEmpty ? "" : " of \(unit)") expired at \(at): ask the hub operator for a new one (`reformsync hub token rotate --unit \(unit.isEmpty ? "CODE" : unit)`) and write it to hub.token_file")
        case .unknown:
            throw HubError.unauthorized("unknown or revoked token: ask the hub operator for a new one")
        }
        guard credential.kind == .node else {
            throw HubError.forbidden("token \(credential.id) is an operator token: it opens the dashboard, the report and /metrics, not the sync protocol; a node needs a node token (`reformsync hub token create --unit CODE`)")
        }
        var context = context
        context.identity = .node(unit: credential.unit, tokenID: credential.id)
        return try await next(request, context)
    }
}

/// The guard of the operator routes (`/`, `/dashboard`, `/v1/report`, `/metrics`): an operator
/// token, as `Authorization: Bearer <token>` (scripts, Prometheus) or HTTP Basic with any user
/// name and the token as password (a browser, which the 401's `WWW-Authenticate` makes ask).
///
/// A node token is refused (403): a district must not read other units' unpublished figures
/// (Protocol/README.md §7.2).
public struct OperatorGuard: RouterMiddleware {
    public typealias Context = HubRequestContext
    let tokens: TokenAuthority
    /// The challenge of every 401 here: browsers prompt for a user name and password.
    public static let challenge = "Basic realm=\"reformsync hub\", charset=\"UTF-8\""

    public init(tokens: TokenAuthority) { self.tokens = tokens }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization]
        guard let presented = Credentials.bearer(header) ?? Credentials.basicPassword(header) else {
            throw HubError(status: 401, code: "unauthorized",
                           message: "the dashboard, the report and /metrics need an operator token (`reformsync hub token create --operator`): send Authorization: Bearer <token>, or in a browser give it as the password (any user name)",
                           challenge: Self.challenge)
        }
        let credential: TokenAuthority.Credential
        switch try await tokens.lookup(presented) {
        case .active(let found): credential = found
        case .expired(let id, _, let at):
            throw HubError(status: 401, code: "unauthorized", message: "token \(id) expired at \(at): create a new one with `reformsync hub token create --operator`",
                           challenge: Self.challenge)
        case .unknown:
            throw HubError(status: 401, code: "unauthorized", message: "unknown or revoked operator token: create one with `reformsync hub token create --operator`",
                           challenge: Self.challenge)
        }
        guard credential.kind == .operator else {
            throw HubError.forbidden("token \(credential.id) is a node token of \(credential.unit): it cannot open operator routes; use an operator token (`reformsync hub token create --operator`)")
        }
        var context = context
        context.identity = .operator(tokenID: credential.id)
        return try await next(request, context)
    }
}

/// Reading the `Authorization` header.
enum Credentials {
    /// The token of `Bearer <token>` (scheme case-insensitive), nil otherwise.
    static func bearer(_ header: String?) -> String? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// The password of `Basic base64(user:password)`, nil otherwise (or when it does not decode).
    static func basicPassword(_ header: String?) -> String? {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else { return nil }
        let encoded = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard encoded.utf8.count <= 4096, let data = Data(base64Encoded: encoded),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        let password = String(text[text.index(after: colon)...])
        return password.isEmpty ? nil : password
    }
}
