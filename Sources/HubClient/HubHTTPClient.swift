import Dispatch
import Logging

/// The district daemon's HTTP client for the hub, built on libcurl.
///
/// libcurl is used rather than URLSession/AsyncHTTPClient because it gives exactly the controls
/// a capped, flaky district link needs — bandwidth caps, low-speed abort, byte counts of what
/// really crossed the wire — and behaves identically on every Linux the districts run.
///
/// Each transfer blocks a thread for its whole duration, so it runs on a dedicated Dispatch
/// queue (never on the Swift cooperative pool, which it would starve) and resumes the caller
/// through a continuation. Idle libcurl handles are pooled so consecutive requests reuse the
/// TCP/TLS connection to the hub. Cancelling the calling task aborts the transfer within about
/// a second.
public final class HubHTTPClient: Sendable {
    /// The configuration this client was created with (already validated).
    public let configuration: HubClientConfiguration
    /// The bearer token sent, re-read from its file on a 401 and when the daemon is asked to (SIGHUP).
    public let credentials: BearerCredentials
    private let logger: Logger
    private let pool = CurlHandlePool()
    /// Under a bandwidth cap, the one queue every transfer runs on: libcurl caps each transfer,
    /// and the cap is for the link, so capped transfers take turns. Nil: each transfer gets its own.
    private let cappedLink: DispatchQueue?

    /// Creates a client after validating `configuration`.
    /// - Throws: ``HubClientError`` of kind ``HubClientError/Kind/invalidConfiguration(reason:)``
    ///   describing the first problem found.
    public init(configuration: HubClientConfiguration, credentials: BearerCredentials? = nil,
                logger: Logger = Logger(label: "reformsync.hubclient")) throws(HubClientError) {
        try configuration.validate()
        self.credentials = credentials ?? BearerCredentials(token: configuration.bearerToken)
        try CurlGlobal.ensureInitialised()
        self.configuration = configuration
        self.logger = logger
        let capped = configuration.maxSendBytesPerSecond != nil || configuration.maxReceiveBytesPerSecond != nil
        self.cappedLink = capped ? DispatchQueue(label: "reformsync.hubclient.capped-link", qos: .utility) : nil
        if configuration.bearerToken != nil, !configuration.usesTLS, !configuration.targetsLoopback {
            logger.warning("the hub URL is plain http: the district's bearer token travels unencrypted",
                           metadata: ["hub.url": "\(configuration.baseURL)"])
        }
    }

    /// The libcurl version in use, for diagnostics (`reformsync --version`).
    public static var libcurlVersion: String { CurlGlobal.version }

    /// Sends `request` once.
    ///
    /// - Returns: the hub's 2xx response, body decoded.
    /// - Throws: ``HubClientError`` for transport failures and for non-2xx answers
    ///   (``HubClientError/Kind/http(status:code:message:)`` with the hub's error code/message);
    ///   ``HubClientError/Kind/responseTooLarge(count:limit:bytes:)`` when the body passed
    ///   ``HubClientConfiguration/maxResponseBytes`` (the transfer is aborted as it happens);
    ///   `CancellationError` if the calling task was cancelled.
    public func send(_ request: HubRequest) async throws -> HubResponse {
        do {
            return try await send(request, token: credentials.token)
        } catch let error as HubClientError {
            // A refused token may have been replaced in its file since: take the new one, try once more.
            guard case .http(status: 401, _, _) = error.kind, credentials.isReloadable else { throw error }
            let changed: Bool
            do { changed = try credentials.reload() } catch let unreadable {
                logger.warning("the hub refused the token, and the token file cannot be read again: \(unreadable)")
                throw error
            }
            guard changed else { throw error }
            logger.notice("the hub refused the token; the token file holds a new one: sending again with it")
            return try await send(request, token: credentials.token)
        }
    }

    /// Sends `request` once with a streamed body and/or a streamed answer (evidence files,
    /// Protocol §16): the body is read from `source` as it goes out (chunked transfer encoding),
    /// a 2xx answer's body is handed to `target` as it arrives; neither is held in memory.
    /// Error answers are read whole, as for ``send(_:)``. Not retried: the caller resumes.
    public func stream(_ request: HubRequest, source: (any UploadSource)? = nil, target: (any DownloadTarget)? = nil) async throws -> HubResponse {
        try await send(request, token: credentials.token, streams: StreamPair(source: source, target: target))
    }

    private func send(_ request: HubRequest, token: String?, streams: StreamPair = StreamPair()) async throws -> HubResponse {
        try Task.checkCancellation()
        var configuration = self.configuration
        configuration.bearerToken = token
        let prepared = try PreparedRequest(request, configuration: configuration)
        let started = ContinuousClock.now
        let outcome = await perform(prepared, streams: streams)
        let elapsed = ContinuousClock.now - started

        switch outcome {
        case .cancelled:
            logger.debug("hub request cancelled", metadata: ["http.method": "\(prepared.method)", "http.url": "\(prepared.url)"])
            throw CancellationError()
        case .failed(let error):
            logger.debug("hub request failed", metadata: [
                "http.method": "\(prepared.method)", "http.url": "\(prepared.url)", "error": "\(error)",
            ])
            throw error
        case .completed(let response):
            logger.debug("hub request done", metadata: [
                "http.method": "\(prepared.method)", "http.url": "\(prepared.url)",
                "http.status": "\(response.status)", "bytes.sent": "\(response.bytesSent)",
                "bytes.received": "\(response.bytesReceived)", "body.raw": "\(prepared.uncompressedBodySize)",
                "duration": "\(elapsed)",
            ])
            guard (200...299).contains(response.status) else {
                let parsed = HubErrorBody.parse(response.body, contentType: response.headers["content-type"])
                throw HubClientError(kind: .http(status: response.status, code: parsed.code, message: parsed.message),
                                     url: prepared.url, detail: parsed.message ?? "",
                                     retryAfter: Self.retryAfterSeconds(response.headers["retry-after"]))
            }
            return response
        }
    }

    /// Sends `request`, retrying transient failures according to ``HubClientConfiguration/retry``.
    ///
    /// Retried: connection failures, timeouts, other transport errors, 429 and 5xx — after an
    /// exponential, jittered delay, or the hub's `Retry-After` if longer (capped at
    /// ``RetryPolicy/maxDelay``). Not retried: TLS failures and other 4xx, which would fail the
    /// same way again. Every hub endpoint is idempotent (CRDT merges), so POSTs are retried too.
    ///
    /// - Throws: the non-retryable ``HubClientError`` as is; after the last attempt, a
    ///   ``HubClientError/Kind/tooManyRetries(attempts:last:)`` wrapping the final error (or the
    ///   error itself when the policy allows a single attempt); `CancellationError` if cancelled,
    ///   including while waiting between attempts.
    public func sendWithRetry(_ request: HubRequest) async throws -> HubResponse {
        let policy = configuration.retry
        var generator = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            do {
                return try await send(request)
            } catch let error as HubClientError {
                guard error.isRetryable else { throw error }
                guard attempt < policy.maxAttempts else {
                    if attempt == 1 { throw error }
                    throw HubClientError(kind: .tooManyRetries(attempts: attempt, last: error),
                                         url: error.url, detail: error.detail)
                }
                let unit = Double.random(in: 0..<1, using: &generator)
                let delay = policy.delay(forRetry: attempt, unit: unit, retryAfter: error.retryAfter)
                logger.warning("hub request failed, retrying", metadata: [
                    "attempt": "\(attempt)", "max_attempts": "\(policy.maxAttempts)",
                    "delay_s": "\(delay)", "error": "\(error)",
                ])
                try await Task.sleep(for: .seconds(delay))
                attempt += 1
            }
        }
    }

    // MARK: - Private

    /// Runs the blocking transfer on its own thread and suspends until it finishes.
    private func perform(_ prepared: PreparedRequest, streams: StreamPair) async -> TransferOutcome {
        let cancellation = CancellationFlag()
        let pool = self.pool
        let configuration = self.configuration
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<TransferOutcome, Never>) in
                // A fresh serial queue targets libdispatch's overcommit pool, which always provides
                // a new thread: a blocked transfer can never hold up another one (a shared
                // concurrent queue is width-limited to the CPU count on Linux). Under a cap,
                // transfers queue behind each other on purpose (see `cappedLink`).
                (cappedLink ?? DispatchQueue(label: "reformsync.hubclient.transfer", qos: .utility)).async {
                    let outcome: TransferOutcome
                    do throws(HubClientError) {
                        outcome = try pool.withHandle { handle in
                            CurlTransfer.run(prepared, configuration: configuration,
                                             handle: handle, cancellation: cancellation,
                                             source: streams.source, target: streams.target)
                        }
                    } catch {
                        outcome = .failed(HubClientError(kind: error.kind, url: prepared.url, detail: error.detail))
                    }
                    continuation.resume(returning: outcome)
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// `Retry-After` in its delta-seconds form; the HTTP-date form is ignored (own backoff applies).
    static func retryAfterSeconds(_ value: String?) -> Double? {
        guard let value, let seconds = Double(value.filter { !$0.isWhitespace }),
              seconds.isFinite, seconds >= 0 else { return nil }
        return seconds
    }
}

/// The streams of one transfer, handed to the transfer's thread and used only there.
struct StreamPair: @unchecked Sendable {
    var source: (any UploadSource)?
    var target: (any DownloadTarget)?
}
