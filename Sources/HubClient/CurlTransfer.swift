import CCurl
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The result of one libcurl transfer, whatever the HTTP status.
enum TransferOutcome: Sendable {
    case completed(HubResponse)
    case failed(HubClientError)
    case cancelled
}

/// Runs one HTTP exchange on a libcurl easy handle, blocking the calling thread.
enum CurlTransfer {
    /// Configures `handle` for `request` and performs it. Blocking: call only from a thread
    /// that is not part of the Swift cooperative pool.
    static func run(_ request: PreparedRequest, configuration: HubClientConfiguration,
                    handle: CurlEasyHandle, cancellation: CancellationFlag,
                    source: (any UploadSource)? = nil, target: (any DownloadTarget)? = nil) -> TransferOutcome {
        guard !cancellation.isCancelled else { return .cancelled }
        let sink = TransferSink(cancellation: cancellation, limit: configuration.maxResponseBytes)
        sink.source = source
        sink.target = target
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for line in request.headerLines {
            guard let appended = curl_slist_append(headerList, line) else {
                return .failed(HubClientError(kind: .transport(curlCode: Int(CURLE_OUT_OF_MEMORY.rawValue),
                                                               message: "out of memory"), url: request.url))
            }
            headerList = appended
        }

        // The body must stay at a fixed address for the whole transfer (CURLOPT_POSTFIELDS is
        // not copied), so the transfer runs inside withUnsafeBytes. An empty body still needs a
        // non-NULL pointer, or libcurl would fall back to reading stdin.
        let payload = request.body.map { $0.isEmpty ? [0] : $0 } ?? []
        let payloadSize = request.body?.count
        return withExtendedLifetime(sink) {
            payload.withUnsafeBytes { payloadBytes in
                let context = Unmanaged.passUnretained(sink).toOpaque()
                do throws(HubClientError) {
                    try configure(handle, request: request, configuration: configuration,
                                  headers: headerList, context: context,
                                  body: payloadSize.map { (payloadBytes.baseAddress, $0) })
                    if source != nil {
                        // A streamed body of unknown length: HTTP/1.1 chunked transfer encoding.
                        try handle.set(CURLOPT_UPLOAD, 1)
                        // Larger reads from the source: fewer callbacks and socket writes (libcurl's default is 64 KiB).
                        try handle.set(CURLOPT_UPLOAD_BUFFERSIZE, 512 << 10)
                        try handle.setReadCallback { TransferSink.sendBody($0, $1, $2, $3) }
                        try handle.set(CURLOPT_READDATA, pointer: context)
                        try handle.set(CURLOPT_CUSTOMREQUEST, request.method)
                    }
                } catch {
                    return .failed(HubClientError(kind: error.kind, url: request.url, detail: error.detail))
                }
                let code = handle.perform()
                if let exceeded = sink.exceeded {
                    return .failed(HubClientError(kind: .responseTooLarge(count: exceeded.count, limit: configuration.maxResponseBytes,
                                                                           bytes: exceeded.bytes), url: request.url))
                }
                if code == CURLE_ABORTED_BY_CALLBACK, cancellation.isCancelled { return .cancelled }
                guard code == CURLE_OK else {
                    return .failed(Self.error(for: code, handle: handle, url: request.url))
                }
                // REQUEST_SIZE counts the request headers, and also the body when libcurl sent it in
                // the same buffer (small POSTs); headers alone are always over 100 bytes here.
                let requestSize = handle.info(long: CURLINFO_REQUEST_SIZE)
                let uploaded = Int(handle.info(offT: CURLINFO_SIZE_UPLOAD_T))
                let sent = requestSize > uploaded + 100 ? requestSize : requestSize + uploaded
                let received = handle.info(long: CURLINFO_HEADER_SIZE) + Int(handle.info(offT: CURLINFO_SIZE_DOWNLOAD_T))
                return .completed(HubResponse(status: handle.info(long: CURLINFO_RESPONSE_CODE),
                                               headers: sink.headers, body: sink.body,
                                               bytesSent: sent, bytesReceived: received))
            }
        }
    }

    private static func configure(_ handle: CurlEasyHandle, request: PreparedRequest,
                                  configuration: HubClientConfiguration,
                                  headers: UnsafeMutablePointer<curl_slist>?,
                                  context: UnsafeMutableRawPointer,
                                  body: (UnsafeRawPointer?, Int)?) throws(HubClientError) {
        try handle.set(CURLOPT_URL, request.url)
        try handle.restrictToHTTP()
        try handle.set(CURLOPT_FOLLOWLOCATION, 0)
        // Required in multi-threaded programs: no SIGALRM-based DNS timeouts.
        try handle.set(CURLOPT_NOSIGNAL, 1)
        try handle.set(CURLOPT_TCP_KEEPALIVE, 1)

        // TLS verification is never disabled; a custom CA is the supported way to trust the hub.
        try handle.set(CURLOPT_SSL_VERIFYPEER, 1)
        try handle.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile = configuration.caFile { try handle.set(CURLOPT_CAINFO, caFile) }

        try handle.set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds(configuration.connectTimeout))
        try handle.set(CURLOPT_TIMEOUT_MS, milliseconds(configuration.totalTimeout))
        if configuration.lowSpeedLimit > 0, configuration.lowSpeedTime > 0 {
            try handle.set(CURLOPT_LOW_SPEED_LIMIT, configuration.lowSpeedLimit)
            try handle.set(CURLOPT_LOW_SPEED_TIME, configuration.lowSpeedTime)
        }
        if let cap = configuration.maxSendBytesPerSecond {
            try handle.set(CURLOPT_MAX_SEND_SPEED_LARGE, offT: Int64(cap))
        }
        if let cap = configuration.maxReceiveBytesPerSecond {
            try handle.set(CURLOPT_MAX_RECV_SPEED_LARGE, offT: Int64(cap))
        }

        // "" = advertise every encoding this libcurl can decode, and decode transparently.
        try handle.set(CURLOPT_ACCEPT_ENCODING, "")
        try handle.set(CURLOPT_USERAGENT, configuration.userAgent)
        try handle.set(CURLOPT_HTTPHEADER, list: headers)

        switch (request.method, body) {
        case ("GET", nil):
            try handle.set(CURLOPT_HTTPGET, 1)
        case ("HEAD", nil):
            try handle.set(CURLOPT_NOBODY, 1)
        case (let method, nil):
            try handle.set(CURLOPT_CUSTOMREQUEST, method)
        case (let method, let (pointer, size)?):
            try handle.set(CURLOPT_POST, 1)
            try handle.set(CURLOPT_POSTFIELDSIZE_LARGE, offT: Int64(size))
            try handle.set(CURLOPT_POSTFIELDS, pointer: UnsafeMutableRawPointer(mutating: pointer))
            if method != "POST" { try handle.set(CURLOPT_CUSTOMREQUEST, method) }
        }

        try handle.setWriteCallback { TransferSink.receiveBody($0, $1, $2, $3) }
        try handle.set(CURLOPT_WRITEDATA, pointer: context)
        try handle.setHeaderCallback { TransferSink.receiveHeader($0, $1, $2, $3) }
        try handle.set(CURLOPT_HEADERDATA, pointer: context)
        try handle.set(CURLOPT_NOPROGRESS, 0)
        try handle.setTransferInfoCallback { TransferSink.progress($0, $1, $2, $3, $4) }
        try handle.set(CURLOPT_XFERINFODATA, pointer: context)
    }

    private static func milliseconds(_ seconds: Double) -> Int {
        Int(min(max(seconds * 1000, 1), Double(Int32.max)))
    }

    /// Maps a libcurl failure to the error kinds callers act on.
    static func error(for code: CURLcode, handle: CurlEasyHandle, url: String) -> HubClientError {
        let curlText = String(cString: curl_easy_strerror(code))
        let buffer = handle.errorMessage
        let detail = buffer.isEmpty ? curlText : buffer
        let osErrno = Int32(truncatingIfNeeded: handle.info(long: CURLINFO_OS_ERRNO))

        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return HubClientError(kind: .connect, url: url, detail: "cannot resolve host name (\(detail))")
        case CURLE_COULDNT_CONNECT:
            // errno names the real reason: refused, unreachable, …; libcurl's text is generic.
            let reason = osErrno != 0 ? systemErrorText(osErrno) : detail
            return HubClientError(kind: .connect, url: url, detail: reason)
        case CURLE_OPERATION_TIMEDOUT:
            return HubClientError(kind: .timeout, url: url, detail: detail)
        case CURLE_SSL_CONNECT_ERROR where osErrno != 0:
            // The TCP connection broke during the handshake: a network problem, not a certificate one.
            return HubClientError(kind: .transport(curlCode: Int(code.rawValue), message: curlText),
                                  url: url, detail: detail)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE,
             CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED:
            return HubClientError(kind: .tls(message: detail), url: url, detail: detail)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return HubClientError(kind: .invalidConfiguration(reason: "\(detail) (URL \(url))"), url: url, detail: detail)
        default:
            return HubClientError(kind: .transport(curlCode: Int(code.rawValue), message: curlText),
                                  url: url, detail: detail)
        }
    }

    /// `strerror`, with a lowercase first letter to read well mid-sentence ("connection refused").
    private static func systemErrorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "system error \(code)" }
        let message = String(cString: text)
        guard let first = message.first else { return "system error \(code)" }
        return first.lowercased() + message.dropFirst()
    }
}
