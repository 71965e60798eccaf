import HTTPTypes
import Hummingbird
import Logging
import Synchronization
import WireProtocol

/// The outermost middleware of the hub's router: whatever a route, a guard or the router itself
/// throws becomes the envelope `{"error":{"code","message"}}` (Protocol/README.md §12), and every
/// 5xx is logged with its cause.
///
/// It also turns the router's "no such route" into 404 `not_found`, or 405 `method_not_allowed`
/// with `Allow` when the path exists with other methods.
public struct HubErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let catalog: RouteCatalog
    let metrics: HubMetrics?
    let logger: Logger

    public init(catalog: RouteCatalog, metrics: HubMetrics?, logger: Logger) {
        self.catalog = catalog
        self.metrics = metrics
        self.logger = logger
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let answer = map(error, request: request, context: context)
            metrics?.error(code: answer.code)
            if answer.status >= 500 {
                logger.error("request failed", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(answer.status)",
                                                          "error": "\(String(reflecting: error))"])
            }
            return HubServer.errorResponse(answer, request: request)
        }
    }

    func map(_ error: any Error, request: Request, context: Context) -> HubError {
        switch error {
        case let error as HubError:
            return error
        case let error as WireError:
            return .badRequest(error.message)
        case let error as HTTPError:
            if error.status == .notFound && context.endpointPath == "NotFound" {
                let path = request.uri.path
                let allowed = catalog.methods(for: path)
                return allowed.isEmpty ? .notFound(path) : .methodNotAllowed(request.method.rawValue, path, allowed: allowed)
            }
            let message = error.body ?? error.status.reasonPhrase
            return HubError(status: error.status.code, code: Self.code(for: error.status.code), message: message)
        default:
            return .internal()
        }
    }

    /// The stable code of an HTTP status that came without one.
    static func code(for status: Int) -> String {
        switch status {
        case 400: return "bad_request"
        case 401: return "unauthorized"
        case 403: return "forbidden"
        case 404: return "not_found"
        case 405: return "method_not_allowed"
        case 413: return "body_too_large"
        case 415: return "unsupported_encoding"
        case 500...: return "internal"
        default: return "bad_request"
        }
    }
}

/// Methods by path of the routes the router holds; filled once the routes are declared, read by
/// ``HubErrorMiddleware`` to tell a 405 from a 404.
public final class RouteCatalog: Sendable {
    private let table = Mutex<[String: [String]]>([:])

    public init() {}

    func fill(_ routes: [HubRoute]) {
        table.withLock { table in
            table = Dictionary(grouping: routes, by: \.path).mapValues { $0.map(\.method).sorted() }
        }
    }

    func methods(for path: String) -> [String] {
        let normalized = "/" + path.split(separator: "/").joined(separator: "/")
        return table.withLock { $0[normalized] ?? [] }
    }
}
