/// A successful (2xx) answer from the hub.
public struct HubResponse: Sendable, Equatable {
    /// The HTTP status code, always 200...299 for a response returned by ``HubHTTPClient/send(_:)``.
    public var status: Int
    /// Response headers with lowercased names. Repeated headers are joined with `", "`.
    /// `content-encoding` still names what the hub sent, but ``body`` is already decoded.
    public var headers: [String: String]
    /// The response body, decoded (gzip, deflate, br and zstd are undone by libcurl).
    public var body: [UInt8]
    /// Bytes that crossed the wire towards the hub: request line, headers and the body as
    /// sent (i.e. after gzip). From `CURLINFO_REQUEST_SIZE` + `CURLINFO_SIZE_UPLOAD_T`.
    /// Excludes TCP/TLS framing. Used to measure bytes per change on capped links. Over HTTP/2
    /// (negotiated by TLS ALPN) libcurl counts headers before HPACK compression, so header
    /// bytes are then an upper bound.
    public var bytesSent: Int
    /// Bytes that crossed the wire from the hub: status line, headers and the body as received
    /// (i.e. still compressed). From `CURLINFO_HEADER_SIZE` + `CURLINFO_SIZE_DOWNLOAD_T`.
    public var bytesReceived: Int

    /// Creates a response.
    public init(status: Int, headers: [String: String], body: [UInt8], bytesSent: Int, bytesReceived: Int) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bytesSent = bytesSent
        self.bytesReceived = bytesReceived
    }

    /// The body as UTF-8 text (invalid sequences replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }
}
