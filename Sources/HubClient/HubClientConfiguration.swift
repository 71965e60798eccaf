import CCurl
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything a district needs to reach the hub.
///
/// Defaults suit a district on a slow but working link: fail fast when the hub is unreachable
/// (10 s connect timeout), tolerate slow transfers (60 s total), but give up on a link that has
/// stalled completely (less than 1 byte/s for 30 s).
public struct HubClientConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// The hub's base URL, e.g. `https://hub.tuyenquang.example/api`. Request paths are appended.
    /// Must be `http` or `https`; use `http` only on a trusted local network.
    public var baseURL: String
    /// The district's token, sent as `Authorization: Bearer <token>` on every request.
    public var bearerToken: String?
    /// A PEM file with the CA certificate(s) that signed the hub's certificate
    /// (`CURLOPT_CAINFO`). `nil` uses the system trust store. Peer and host name verification are
    /// always on and cannot be disabled: use this to trust a provincial CA instead.
    public var caFile: String?
    /// Seconds allowed to establish the TCP + TLS connection.
    public var connectTimeout: Double
    /// Seconds allowed for the whole request, connection included.
    public var totalTimeout: Double
    /// Together with ``lowSpeedTime``: abort when fewer than this many bytes/s flow for
    /// ``lowSpeedTime`` seconds (`CURLOPT_LOW_SPEED_LIMIT`). Detects dead links faster than
    /// ``totalTimeout`` on large transfers. `0` disables the check.
    public var lowSpeedLimit: Int
    /// Seconds the transfer may stay below ``lowSpeedLimit`` (`CURLOPT_LOW_SPEED_TIME`).
    public var lowSpeedTime: Int
    /// Upload bandwidth cap in bytes/s (`CURLOPT_MAX_SEND_SPEED_LARGE`), so a sync does not
    /// saturate a capped district link shared with other office traffic. `nil` = unlimited.
    public var maxSendBytesPerSecond: Int?
    /// Download bandwidth cap in bytes/s (`CURLOPT_MAX_RECV_SPEED_LARGE`). `nil` = unlimited.
    public var maxReceiveBytesPerSecond: Int?
    /// Gzip request bodies of at least this many bytes and send `Content-Encoding: gzip`.
    /// Change sets are repetitive JSON and typically shrink 5–10×; tiny bodies are not worth the
    /// gzip header. `nil` never compresses. A body is sent raw if gzip would not make it smaller.
    public var compressRequestsAbove: Int?
    /// The `User-Agent` header, so the hub's logs show which district software version called.
    public var userAgent: String
    /// How ``HubHTTPClient/sendWithRetry(_:)`` retries transient failures.
    public var retry: RetryPolicy
    /// The most bytes one response body may take, counted twice: as received (still compressed)
    /// and once decoded. A transfer is aborted as soon as either count passes it, and at once when
    /// `Content-Length` announces more, so a broken proxy or a compromised hub cannot exhaust the
    /// district server's memory (a 100 kB gzip bomb expanding to gigabytes stops here).
    /// Config key `hub.max_response_bytes`; see ``defaultMaxResponseBytes``.
    public var maxResponseBytes: Int

    /// 64 MiB: eight times the hub's largest request body (8 MiB, Protocol §13.1), and some
    /// twenty times a full pull page of 10,000 ordinary changes (about 3 MB of JSON).
    public static let defaultMaxResponseBytes = 64 << 20

    /// Creates a configuration; every parameter but `baseURL` has a sensible default.
    public init(
        baseURL: String,
        bearerToken: String? = nil,
        caFile: String? = nil,
        connectTimeout: Double = 10,
        totalTimeout: Double = 60,
        lowSpeedLimit: Int = 1,
        lowSpeedTime: Int = 30,
        maxSendBytesPerSecond: Int? = nil,
        maxReceiveBytesPerSecond: Int? = nil,
        compressRequestsAbove: Int? = 1024,
        userAgent: String = "reformsync-district/1",
        retry: RetryPolicy = RetryPolicy(),
        maxResponseBytes: Int = HubClientConfiguration.defaultMaxResponseBytes
    ) {
        self.baseURL = baseURL
        self.bearerToken = bearerToken
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.lowSpeedLimit = lowSpeedLimit
        self.lowSpeedTime = lowSpeedTime
        self.maxSendBytesPerSecond = maxSendBytesPerSecond
        self.maxReceiveBytesPerSecond = maxReceiveBytesPerSecond
        self.compressRequestsAbove = compressRequestsAbove
        self.userAgent = userAgent
        self.retry = retry
        self.maxResponseBytes = maxResponseBytes
    }

    /// A description safe for logs: the bearer token is redacted.
    public var description: String {
        "hub client (hub.url: \(baseURL), token: \(bearerToken == nil ? "none" : "<redacted>"), "
            + "hub.ca_file: \(caFile ?? "system CAs"), hub.connect_timeout: \(connectTimeout)s, hub.timeout: \(totalTimeout)s, "
            + "low speed: \(lowSpeedLimit)B/s for \(lowSpeedTime)s, "
            + "hub.max_bytes_per_second: send \(maxSendBytesPerSecond.map { "\($0)B/s" } ?? "unlimited"), "
            + "receive \(maxReceiveBytesPerSecond.map { "\($0)B/s" } ?? "unlimited"), "
            + "gzip requests above: \(compressRequestsAbove.map { "\($0)B" } ?? "never"), "
            + "hub.max_response_bytes: \(maxResponseBytes)B, retry: \(retry))"
    }

    /// Whether requests go over TLS.
    public var usesTLS: Bool { baseURL.lowercased().hasPrefix("https://") }

    /// Whether the URL names this machine (127.0.0.0/8, ::1, localhost): plain http to it never
    /// leaves the host, so a token sent over it is not exposed on any link.
    public var targetsLoopback: Bool {
        let lowered = baseURL.lowercased()
        let rest: Substring
        if lowered.hasPrefix("http://") { rest = baseURL.dropFirst(7) } else if lowered.hasPrefix("https://") { rest = baseURL.dropFirst(8) } else { return false }
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let host: Substring
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[authority.index(after: authority.startIndex)..<close]
        } else {
            host = authority.prefix { $0 != ":" }
        }
        let name = host.lowercased()
        return name == "localhost" || name == "::1" || name.hasPrefix("127.")
    }

    /// The full URL for `path`: the base URL without its trailing `/`, then `path` with a leading `/`.
    public func url(for path: String) -> String {
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base.removeLast() }
        if path.isEmpty { return String(base) + "/" }
        return path.hasPrefix("/") ? String(base) + path : String(base) + "/" + path
    }

    /// Checks the configuration, so that a mistake is reported once at start-up with a clear
    /// message rather than as a confusing transfer error on every sync.
    /// - Throws: ``HubClientError`` of kind ``HubClientError/Kind/invalidConfiguration(reason:)``.
    public func validate() throws(HubClientError) {
        func fail(_ reason: String) -> HubClientError {
            HubClientError(kind: .invalidConfiguration(reason: reason), url: baseURL)
        }
        let lower = baseURL.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            throw fail("hub.url must start with https:// or http:// (got \"\(baseURL)\")")
        }
        guard Self.curlAcceptsURL(baseURL) else {
            throw fail("hub.url \"\(baseURL)\" is not a valid URL")
        }
        if let token = bearerToken, token.isEmpty || token.contains(where: { $0.isNewline || $0 == " " }) {
            throw fail("the token (hub.token or hub.token_file) must be non-empty and contain no spaces or line breaks")
        }
        if let caFile {
            guard access(caFile, R_OK) == 0 else {
                throw fail("hub.ca_file \(caFile) does not exist or is not readable")
            }
        }
        guard connectTimeout > 0, connectTimeout.isFinite else { throw fail("hub.connect_timeout must be > 0 seconds") }
        guard totalTimeout > 0, totalTimeout.isFinite else { throw fail("hub.timeout must be > 0 seconds") }
        guard lowSpeedLimit >= 0, lowSpeedTime >= 0 else { throw fail("lowSpeedLimit and lowSpeedTime must be ≥ 0") }
        if let cap = maxSendBytesPerSecond, cap <= 0 { throw fail("hub.max_bytes_per_second must be > 0") }
        if let cap = maxReceiveBytesPerSecond, cap <= 0 { throw fail("hub.max_bytes_per_second must be > 0") }
        if let threshold = compressRequestsAbove, threshold < 0 { throw fail("compressRequestsAbove must be ≥ 0 (or nil)") }
        guard maxResponseBytes > 0 else { throw fail("hub.max_response_bytes must be > 0") }
        guard !userAgent.contains(where: \.isNewline) else { throw fail("userAgent must not contain line breaks") }
        if let problem = retry.validationProblem() { throw fail(problem) }
    }

    /// Parses `url` with libcurl's own URL parser, so we accept exactly what the transfer will.
    private static func curlAcceptsURL(_ url: String) -> Bool {
        guard let handle = curl_url() else { return false }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK else { return false }
        var host: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, CURLUPART_HOST, &host, 0) == CURLUE_OK, let host else { return false }
        defer { curl_free(host) }
        return host.pointee != 0
    }
}
