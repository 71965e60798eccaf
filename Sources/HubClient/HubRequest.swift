/// A request to the hub, relative to ``HubClientConfiguration/baseURL``.
///
/// Deliberately minimal: the hub speaks a small JSON/binary API, so there is no URL builder,
/// no cookie jar and no redirect handling (a redirect from the hub is a misconfiguration).
/// Named `HubRequest` rather than `HTTPRequest` so it never clashes with swift-http-types'
/// `HTTPRequest`, which Hummingbird re-exports into any file that also talks to the hub server.
public struct HubRequest: Sendable {
    /// The HTTP method, e.g. `"GET"` or `"POST"`. Other tokens (`"PUT"`, `"DELETE"`) are sent verbatim.
    public var method: String
    /// Path (and query) appended to the base URL, e.g. `"/v1/changes?since=42"`.
    public var path: String
    /// Extra request headers, in order. Duplicates are sent as separate header lines.
    /// `Authorization`, `User-Agent` and `Accept-Encoding` are set by the client from its
    /// configuration; `Content-Encoding` is set when the client compresses the body.
    public var headers: [(String, String)]
    /// The request body, sent as-is (or gzipped, see ``HubClientConfiguration/compressRequestsAbove``).
    public var body: [UInt8]?
    /// Seconds the hub may stay silent on purpose (a long-poll pull, Protocol/README.md §18.3):
    /// added to the total timeout and to the low-speed window, so the wait is not taken for a dead link.
    public var waitSeconds: Double = 0

    /// Creates a request.
    public init(method: String = "GET", path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }

    /// A `GET` of `path`.
    public static func get(_ path: String, headers: [(String, String)] = []) -> HubRequest {
        HubRequest(method: "GET", path: path, headers: headers)
    }

    /// A `POST` of `body` to `path` with the given content type.
    public static func post(_ path: String, body: [UInt8], contentType: String = "application/json",
                            headers: [(String, String)] = []) -> HubRequest {
        HubRequest(method: "POST", path: path, headers: [("Content-Type", contentType)] + headers, body: body)
    }

    /// The first value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }
}
