import CCurl

/// Owns one libcurl easy handle (`CURL*`) and the error buffer libcurl writes into.
///
/// An easy handle keeps its own connection cache, so reusing one across requests lets
/// keep-alive connections (and TLS sessions) to the hub survive between calls — which matters
/// on slow district links where a TLS handshake costs seconds.
///
/// libcurl forbids using one easy handle from two threads at the same time, so this type is
/// deliberately *not* `Sendable`: it is checked out of ``CurlHandlePool`` by exactly one
/// transfer, used on that transfer's thread, and checked back in.
final class CurlEasyHandle {
    /// The raw `CURL*`. Never nil: `init` fails instead.
    let raw: UnsafeMutableRawPointer
    /// `CURLOPT_ERRORBUFFER`: libcurl writes a human readable reason for the last failure here,
    /// which is far more useful to an operator than `curl_easy_strerror`'s generic text.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// Creates a handle, initialising libcurl globally on first use.
    /// - Throws: ``HubClientError`` of kind `.transport` if libcurl cannot allocate a handle.
    init() throws(HubClientError) {
        try CurlGlobal.ensureInitialised()
        guard let raw = curl_easy_init() else {
            throw HubClientError(kind: .transport(curlCode: -1, message: "curl_easy_init failed"),
                                 url: "", detail: "libcurl could not allocate a handle (out of memory?)")
        }
        self.raw = raw
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        attachErrorBuffer()
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    /// Forgets every option set by the previous transfer (pointers into its buffers included)
    /// while keeping live connections, the DNS cache and TLS session IDs.
    func reset() {
        curl_easy_reset(raw)
        errorBuffer[0] = 0
        attachErrorBuffer()
    }

    private func attachErrorBuffer() {
        _ = rs_curl_easy_setopt_pointer(raw, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer))
    }

    /// The text libcurl left in the error buffer for the last failed transfer, or `""`.
    var errorMessage: String {
        String(cString: errorBuffer).trimmingTrailingWhitespace()
    }

    // MARK: setopt

    /// Sets an option of type long (booleans, timeouts, enumerations).
    func set(_ option: CURLoption, _ value: Int) throws(HubClientError) {
        try check(rs_curl_easy_setopt_long(raw, option, value), option)
    }

    /// Sets a string option. libcurl copies the string (true for every option except
    /// `CURLOPT_POSTFIELDS`, which must go through ``set(_:pointer:)``).
    func set(_ option: CURLoption, _ value: String) throws(HubClientError) {
        let code = value.withCString { rs_curl_easy_setopt_string(raw, option, $0) }
        try check(code, option)
    }

    /// Sets a pointer option. The caller guarantees the pointee outlives the transfer.
    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(HubClientError) {
        try check(rs_curl_easy_setopt_pointer(raw, option, pointer), option)
    }

    /// Sets a `curl_off_t` option (large sizes, speed limits).
    func set(_ option: CURLoption, offT value: Int64) throws(HubClientError) {
        try check(rs_curl_easy_setopt_off_t(raw, option, curl_off_t(value)), option)
    }

    /// Sets a `curl_slist` option. The caller keeps the list alive until the transfer ends.
    func set(_ option: CURLoption, list: UnsafeMutablePointer<curl_slist>?) throws(HubClientError) {
        try check(rs_curl_easy_setopt_slist(raw, option, list), option)
    }

    /// Refuses every scheme but http and https (defence in depth; redirects are off anyway).
    func restrictToHTTP() throws(HubClientError) {
        try check(rs_curl_easy_restrict_to_http(raw), name: "protocol restriction")
    }

    func setWriteCallback(_ callback: curl_write_callback) throws(HubClientError) {
        try check(rs_curl_easy_setopt_write_callback(raw, callback), CURLOPT_WRITEFUNCTION)
    }

    /// CURLOPT_READFUNCTION: request body bytes of a streamed upload.
    func setReadCallback(_ callback: curl_read_callback) throws(HubClientError) {
        try check(rs_curl_easy_setopt_read_callback(raw, callback), CURLOPT_READFUNCTION)
    }

    func setHeaderCallback(_ callback: curl_write_callback) throws(HubClientError) {
        try check(rs_curl_easy_setopt_header_callback(raw, callback), CURLOPT_HEADERFUNCTION)
    }

    func setTransferInfoCallback(_ callback: curl_xferinfo_callback) throws(HubClientError) {
        try check(rs_curl_easy_setopt_xferinfo_callback(raw, callback), CURLOPT_XFERINFOFUNCTION)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(HubClientError) {
        try check(code, name: "option \(option.rawValue)")
    }

    private func check(_ code: CURLcode, name: @autoclosure () -> String) throws(HubClientError) {
        guard code != CURLE_OK else { return }
        // An option libcurl refuses means this libcurl build lacks a feature we rely on
        // (e.g. built without TLS); that is a deployment problem, not a transient one.
        let text = String(cString: curl_easy_strerror(code))
        throw HubClientError(
            kind: .invalidConfiguration(reason: "libcurl rejected \(name()): \(text)"),
            url: "", detail: text)
    }

    // MARK: perform / getinfo

    /// Runs the transfer synchronously on the calling thread. Never call from the Swift
    /// cooperative pool: it blocks for up to the configured total timeout.
    func perform() -> CURLcode {
        curl_easy_perform(raw)
    }

    func info(long info: CURLINFO) -> Int {
        var value = 0
        return rs_curl_easy_getinfo_long(raw, info, &value) == CURLE_OK ? value : 0
    }

    func info(offT info: CURLINFO) -> Int64 {
        var value: curl_off_t = 0
        return rs_curl_easy_getinfo_off_t(raw, info, &value) == CURLE_OK ? Int64(value) : 0
    }

    func info(double info: CURLINFO) -> Double {
        var value = 0.0
        return rs_curl_easy_getinfo_double(raw, info, &value) == CURLE_OK ? value : 0
    }

    func info(string info: CURLINFO) -> String? {
        var value: UnsafePointer<CChar>?
        guard rs_curl_easy_getinfo_string(raw, info, &value) == CURLE_OK, let value else { return nil }
        return String(cString: value)
    }
}

/// libcurl handles are confined to one transfer at a time; see the type's documentation.
@available(*, unavailable)
extension CurlEasyHandle: Sendable {}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
