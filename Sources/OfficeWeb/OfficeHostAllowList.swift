import Hummingbird

/// The Host allow-list of an office app, for a server that has none of its own (the daemon's
/// local API checks every request already): a request whose `Host` is not one of the configured
/// names (with or without the port) is answered 421 with a page, before any session is read.
/// This defeats DNS rebinding: a foreign page that makes its name resolve to the office server
/// still sends its own name in `Host`.
public struct OfficeHostAllowList<Context: RequestContext>: RouterMiddleware {
    public let allowed: Set<String>

    public init(names: [String]) {
        allowed = Set((names + ["localhost", "127.0.0.1", "[::1]"]).map { $0.lowercased() })
    }

    /// Whether `authority` (a Host header) names an allowed host.
    public func allows(_ authority: String?) -> Bool {
        guard let authority = authority?.lowercased(), !authority.isEmpty else { return false }
        var host = Substring(authority)
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            let port = authority[authority.index(after: colon)...]
            guard let number = Int(port), (1...65535).contains(number) else { return false }
            host = authority[..<colon]
        }
        return allowed.contains(String(host))
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard allows(request.head.authority) else {
            return OfficePages.html("<!doctype html><meta charset=\"utf-8\"><title>421</title><p>Tên máy chủ không được phép (Host không nằm trong danh sách cho phép).</p>",
                                    status: .misdirectedRequest)
        }
        return try await next(request, context)
    }
}
