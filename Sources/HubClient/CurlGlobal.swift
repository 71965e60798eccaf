import CCurl

/// One-time, thread-safe `curl_global_init`.
///
/// `curl_global_init` is not guaranteed thread-safe on every libcurl build and must run before
/// any other libcurl call. A global `let` in Swift is initialised lazily exactly once
/// (`swift_once`), which gives us both guarantees without a lock of our own.
enum CurlGlobal {
    private static let initResult: CURLcode = rs_curl_global_init_all()

    /// Initialises libcurl if needed.
    /// - Throws: ``HubClientError`` if libcurl could not initialise (e.g. its TLS library failed).
    static func ensureInitialised() throws(HubClientError) {
        let code = initResult
        guard code == CURLE_OK else {
            let text = String(cString: curl_easy_strerror(code))
            throw HubClientError(kind: .transport(curlCode: Int(code.rawValue), message: text),
                                 url: "", detail: "curl_global_init failed: \(text)")
        }
    }

    /// The libcurl version string, e.g. `libcurl/7.88.1 OpenSSL/3.0.11 zlib/1.2.13`.
    static var version: String {
        guard let text = curl_version() else { return "libcurl" }
        return String(cString: text)
    }
}
