/// An ``HubRequest`` resolved against the configuration: full URL, final header lines and the
/// body exactly as it will be sent (possibly gzipped). Built before the transfer so that every
/// validation error is reported without touching the network.
struct PreparedRequest: Sendable {
    var method: String
    var url: String
    /// `Name: value` lines for `CURLOPT_HTTPHEADER`.
    var headerLines: [String]
    var body: [UInt8]?
    /// Size of the body before compression (equals `body.count` when not compressed).
    var uncompressedBodySize: Int
    /// ``HubRequest/waitSeconds``.
    var waitSeconds: Double = 0

    /// Resolves `request` against `configuration`.
    /// - Throws: ``HubClientError`` of kind `.invalidRequest` for malformed methods or headers.
    init(_ request: HubRequest, configuration: HubClientConfiguration) throws(HubClientError) {
        let url = configuration.url(for: request.path)
        func invalid(_ reason: String) -> HubClientError {
            HubClientError(kind: .invalidRequest(reason: reason), url: url)
        }
        let method = request.method.uppercased()
        guard !method.isEmpty, method.utf8.allSatisfy({ Self.isTokenByte($0) }) else {
            throw invalid("invalid HTTP method \"\(request.method)\"")
        }
        guard !request.path.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw invalid("path must not contain spaces or line breaks; percent-encode them")
        }

        var lines: [String] = []
        var named = Set<String>()
        for (name, value) in request.headers {
            guard !name.isEmpty, name.utf8.allSatisfy({ Self.isTokenByte($0) }) else {
                throw invalid("invalid header name \"\(name)\"")
            }
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw invalid("header \(name) contains a line break")
            }
            named.insert(name.lowercased())
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")  // "Name;" sends an empty header
        }
        // Configuration defaults, unless the request set them itself.
        if let token = configuration.bearerToken, !named.contains("authorization") {
            lines.append("Authorization: Bearer \(token)")
        }
        // No "Expect: 100-continue" round trip before large uploads: on a high-latency link it
        // costs a full RTT (or a 1 s stall with servers that ignore it).
        if !named.contains("expect") { lines.append("Expect:") }

        var body = request.body
        let rawSize = body?.count ?? 0
        if let raw = body {
            if !named.contains("content-type") {
                // Otherwise libcurl would label the body application/x-www-form-urlencoded.
                lines.append("Content-Type: application/octet-stream")
            }
            if let threshold = configuration.compressRequestsAbove, raw.count >= threshold,
               !named.contains("content-encoding") {
                do {
                    let packed = try RequestCompression.gzip(raw)
                    if packed.count < raw.count {
                        body = packed
                        lines.append("Content-Encoding: gzip")
                    }
                } catch {
                    // Compression is an optimisation: send the body uncompressed instead.
                }
            }
        }
        self.method = method
        self.url = url
        self.headerLines = lines
        self.body = body
        self.uncompressedBodySize = rawSize
        self.waitSeconds = request.waitSeconds.isFinite ? min(max(0, request.waitSeconds), 3_600) : 0
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
