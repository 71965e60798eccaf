/// Why a request to the hub failed.
///
/// Callers switch on ``kind`` to decide what to do (show "hub offline", ask for a new token, …);
/// ``description`` is a single line meant for the district IT officer's log or terminal, naming
/// the URL and the next thing to check.
public struct HubClientError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The category of failure.
    public enum Kind: Sendable, Equatable {
        /// The hub could not be reached at all: connection refused, host unreachable or DNS
        /// failure. Nothing was sent, so retrying is always safe.
        case connect
        /// The connect timeout, the total timeout or the low-speed limit expired.
        case timeout
        /// TLS failed, almost always certificate verification. `message` is libcurl's text
        /// (e.g. "SSL certificate problem: self-signed certificate"). Not retried: a bad
        /// certificate does not fix itself.
        case tls(message: String)
        /// The hub answered with a non-2xx status. `code`/`message` come from the hub's JSON
        /// error body `{"error": {"code": …, "message": …}}`, or `message` from a plain-text body.
        case http(status: Int, code: String?, message: String?)
        /// ``HubHTTPClient/sendWithRetry(_:)`` gave up; `last` is the final attempt's error.
        indirect case tooManyRetries(attempts: Int, last: HubClientError)
        /// The configuration cannot work (bad base URL, unreadable CA file, …).
        case invalidConfiguration(reason: String)
        /// The request itself is malformed (e.g. a header containing a line break).
        case invalidRequest(reason: String)
        /// Any other libcurl failure (connection reset, malformed response, …).
        case transport(curlCode: Int, message: String)
        /// The response body passed ``HubClientConfiguration/maxResponseBytes`` (config key
        /// `hub.max_response_bytes`) and the transfer was aborted: `count` says which count
        /// passed it, `bytes` how many bytes were seen (or announced) when it stopped.
        case responseTooLarge(count: ResponseSizeCount, limit: Int, bytes: Int64)
    }

    /// Which size of a response passed the cap.
    public enum ResponseSizeCount: String, Sendable, Equatable {
        /// `Content-Length` announced more than the cap, before any body byte was read.
        case announced = "announced by Content-Length"
        /// The bytes as received on the wire (still compressed) passed the cap.
        case compressed = "received (compressed)"
        /// The body once gzip (or br, zstd) was undone passed the cap: a decompression bomb.
        case decompressed = "decompressed"
    }

    /// What went wrong.
    public let kind: Kind
    /// The full URL of the request (empty if the failure happened before a URL was known).
    public let url: String
    /// libcurl's or the OS's explanation, e.g. "Connection refused".
    public let detail: String
    /// For 429/503 answers: the hub's `Retry-After`, in seconds, if it sent one.
    public let retryAfter: Double?

    /// Creates an error; used by the client and useful for tests of code that handles errors.
    public init(kind: Kind, url: String, detail: String = "", retryAfter: Double? = nil) {
        self.kind = kind
        self.url = url
        self.detail = detail
        self.retryAfter = retryAfter
    }

    /// The error that actually ended the request, looking through ``Kind/tooManyRetries(attempts:last:)``.
    public var rootCause: HubClientError {
        if case .tooManyRetries(_, let last) = kind { return last.rootCause }
        return self
    }

    /// Whether ``HubHTTPClient/sendWithRetry(_:)`` should try again after this error.
    ///
    /// Transport failures, timeouts, 429 and 5xx are transient. TLS, configuration and other
    /// 4xx errors will fail identically next time, so retrying only delays the real fix.
    public var isRetryable: Bool {
        switch kind {
        case .connect, .timeout, .transport:
            return true
        case .http(let status, _, _):
            return status == 429 || (500...599).contains(status)
        case .tls, .tooManyRetries, .invalidConfiguration, .invalidRequest, .responseTooLarge:
            return false
        }
    }

    /// One line: what failed, on which URL, and what to check.
    public var description: String {
        let target = url.isEmpty ? "the hub" : url
        switch kind {
        case .connect:
            let why = detail.isEmpty ? "connection failed" : detail
            return "cannot connect to \(target): \(why) — is the hub running and the address right? "
                + "Check the hub URL in the configuration and the district's network link."
        case .timeout:
            let why = detail.isEmpty ? "" : " (\(detail))"
            return "request to \(target) timed out\(why) — the link may be down or too slow; "
                + "check connectivity to the hub, or raise the timeouts for this link."
        case .tls(let message):
            return "TLS verification failed for \(target): \(message) — " + Self.tlsAdvice(message)
        case .http(let status, let code, let message):
            var text = "hub answered HTTP \(status) for \(target)"
            if let code { text += " [\(code)]" }
            if let message, !message.isEmpty { text += ": \(message)" }
            return text + " — " + Self.advice(forStatus: status, code: code)
        case .tooManyRetries(let attempts, let last):
            return "gave up after \(attempts) attempts: \(last.description)"
        case .invalidConfiguration(let reason):
            return "invalid hub client configuration: \(reason) — fix the district configuration file."
        case .invalidRequest(let reason):
            return "invalid request to \(target): \(reason) — this is a bug in reformsync; please report it."
        case .transport(let curlCode, let message):
            let why = detail.isEmpty || detail == message ? message : detail
            return "transfer to \(target) failed: \(why) (curl error \(curlCode)) — "
                + "check the network link to the hub and retry."
        case let .responseTooLarge(count, limit, bytes):
            return "the response from \(target) was refused: its size \(count.rawValue) reached \(bytes) bytes, "
                + "beyond the limit of \(limit) bytes (hub.max_response_bytes); the transfer was aborted — "
                + "a proxy or the hub is sending far more than any page of changes; check them, "
                + "or raise hub.max_response_bytes if the hub really sends pages this large."
        }
    }

    /// What to do about a TLS failure, by its cause as libcurl/OpenSSL names it: each cause has
    /// a different fix, and advice for the wrong one (installing a CA for a name mismatch) sends
    /// the district IT officer the wrong way.
    static func tlsAdvice(_ message: String) -> String {
        let text = message.lowercased()
        if text.contains("subject name") || text.contains("does not match") || text.contains("host name")
            || text.contains("hostname mismatch") {
            return "the hub's certificate is not issued for the host name in hub.url: set hub.url to a name the "
                + "certificate lists (its subjectAltName), or have the hub's administrator issue a certificate for "
                + "the name the nodes use. (The issuer is trusted and the dates are valid: neither a CA file nor the time setting is the cause.)"
        }
        if text.contains("expired") || text.contains("not yet valid") {
            return "the certificate is not valid at this server's time: check this server's clock "
                + "(`timedatectl`); if the clock is right, the hub's certificate has expired (or starts later) "
                + "and its administrator must renew it."
        }
        if text.contains("self-signed") || text.contains("self signed") || text.contains("issuer")
            || text.contains("unknown ca") || text.contains("unable to get") || text.contains("untrusted") {
            return "this node does not trust the certificate's issuer: install the hub's CA certificate on this "
                + "server and point hub.ca_file at it (or fix the file hub.ca_file names)."
        }
        if text.contains("certificate file") || text.contains("cafile") || text.contains("ca cert") {
            return "the CA bundle in hub.ca_file cannot be used: it must be a readable PEM file of CA certificates."
        }
        return "check the hub's certificate (its name, issuer and validity), hub.ca_file and this server's clock."
    }

    /// What to do about an HTTP error. `code` is the hub's envelope code: nil means the answer
    /// was not the hub's own (a reverse proxy's HTML page), which matters for 413 — the limit
    /// then is the proxy's, not the hub's.
    private static func advice(forStatus status: Int, code: String?) -> String {
        switch status {
        case 401: return "the hub refused the token (revoked, expired or mistyped): put a valid token "
            + "in hub.token_file (or hub.token); `reformsync hub token create` at the hub issues one."
        case 413 where code == nil:
            return "a reverse proxy in front of the hub refused the upload as too large (its answer is not the hub's): "
                + "lower sync.batch_bytes in this node's configuration below the proxy's limit, or have the hub's "
                + "administrator raise the proxy's body limit (nginx: client_max_body_size; Caddy: request_body max_size) "
                + "to the hub's server.max_body_bytes (8 MiB by default; Config/nginx-hub.conf)."
        case 413: return "the upload is larger than the hub accepts (its server.max_body_bytes); "
            + "lower sync.batch_bytes in this node's configuration."
        case 403: return "this district is not allowed to do that; ask the provincial hub administrator."
        case 404: return "the hub does not know this endpoint; check the hub URL and that hub and district versions match."
        case 409: return "the hub reports a conflict; re-run the sync."
        case 429: return "the hub is rate limiting this district; wait and retry."
        case 400...499: return "the hub rejected the request; check the district's version and data."
        case 500...599: return "the hub is failing; retry later or contact the provincial hub administrator."
        default: return "unexpected answer; check that the URL points at the reformsync hub."
        }
    }
}
