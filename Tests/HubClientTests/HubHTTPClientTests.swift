import Testing
@testable import HubClient

@Suite("HubHTTPClient against a real Hummingbird server")
struct HubHTTPClientTests {
    @Test("POST echoes body and headers, with bearer token, user agent and Accept-Encoding")
    func echoPost() async throws {
        try await TestServer.with { server in
            let client = try makeClient(server.baseURL) {
                $0.bearerToken = "district-07-token"
                $0.userAgent = "reformsync-test/9"
            }
            let body: [UInt8] = [0, 1, 2, 0xFF, 0x7F]
            let response = try await client.send(
                .post("/echo", body: body, contentType: "application/x-test", headers: [("X-Change-Count", "3")]))
            #expect(response.status == 200)
            #expect(response.body == body)
            #expect(response.headers["x-echo-method"] == "POST")
            #expect(response.headers["x-echo-authorization"] == "Bearer district-07-token")
            #expect(response.headers["x-echo-user-agent"] == "reformsync-test/9")
            #expect(response.headers["x-echo-content-type"] == "application/x-test")
            #expect(response.headers["x-echo-x-change-count"] == "3")
            #expect(response.headers["x-echo-accept-encoding"]?.contains("gzip") == true)
            #expect(response.headers["x-echo-expect"] == nil)
            #expect(response.headers["x-echo-content-encoding"] == nil, "5 bytes is below the gzip threshold")
            #expect(response.bytesSent > body.count)
            #expect(response.bytesReceived > body.count)
        }
    }

    @Test("GET, empty POST and PUT use the right method and body")
    func methods() async throws {
        try await TestServer.with { server in
            let client = try makeClient(server.baseURL)
            let get = try await client.send(.get("echo"))  // path without leading slash
            #expect(get.headers["x-echo-method"] == "GET")
            #expect(get.body.isEmpty)

            let emptyPost = try await client.send(HubRequest(method: "POST", path: "/echo", body: []))
            #expect(emptyPost.headers["x-echo-method"] == "POST")
            #expect(emptyPost.headers["x-echo-content-length"] == "0")
            #expect(emptyPost.body.isEmpty)

            let put = try await client.send(HubRequest(method: "put", path: "/echo", body: Array("hello".utf8)))
            #expect(put.headers["x-echo-method"] == "PUT")
            #expect(put.text == "hello")
        }
    }

    @Test("request bodies above the threshold are gzipped and fewer bytes cross the wire")
    func gzipRequestBody() async throws {
        try await TestServer.with { server in
            let raw = TestServer.compressibleText(length: 64_000)
            let client = try makeClient(server.baseURL)
            let response = try await client.send(.post("/gunzip", body: raw))
            #expect(response.headers["x-echo-content-encoding"] == "gzip")
            #expect(response.body == raw, "the server must decompress exactly what was sent")
            let wire = try #require(response.headers["x-echo-wire-length"].flatMap { Int($0) })
            #expect(wire < raw.count / 4)
            #expect(response.bytesSent > wire, "bytesSent includes the request line and headers")
            #expect(response.bytesSent < raw.count / 4)

            let plainClient = try makeClient(server.baseURL) { $0.compressRequestsAbove = nil }
            let plain = try await plainClient.send(.post("/gunzip", body: raw))
            #expect(plain.headers["x-echo-content-encoding"] == "identity")
            #expect(plain.body == raw)
            #expect(plain.bytesSent > raw.count)
            #expect(response.bytesSent < plain.bytesSent)

            let small = try await client.send(.post("/gunzip", body: Array(raw.prefix(500))))
            #expect(small.headers["x-echo-content-encoding"] == "identity", "500 bytes is below the 1024 default")
        }
    }

    @Test("gzip responses are decoded; bytesReceived counts the compressed bytes")
    func gzipResponse() async throws {
        try await TestServer.with { server in
            let client = try makeClient(server.baseURL)
            let response = try await client.send(.get("/large-gzip"))
            let expected = TestServer.compressibleText(length: 200_000)
            #expect(response.headers["content-encoding"] == "gzip")
            #expect(response.body.count == expected.count)
            #expect(response.body == expected)
            #expect(response.bytesReceived > 0)
            #expect(response.bytesReceived < expected.count / 4)
        }
    }

    @Test("a 400 with the hub's JSON error body becomes .http with code and message")
    func httpErrorJSON() async throws {
        try await TestServer.with { server in
            let client = try makeClient(server.baseURL)
            let error = try #require(await hubError { _ = try await client.send(.get("/bad-request")) })
            #expect(error.kind == .http(status: 400, code: "invalid_change", message: "change 17 has no table"))
            #expect(error.url == "\(server.baseURL)/bad-request")
            #expect(!error.isRetryable)
            #expect(error.description.contains("HTTP 400"))
            #expect(error.description.contains("invalid_change"))
            #expect(error.description.contains("change 17 has no table"))
            #expect(error.description.contains(error.url))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("a plain-text error body becomes the message, on one line")
    func httpErrorPlainText() async throws {
        try await TestServer.with { server in
            let client = try makeClient(server.baseURL)
            let error = try #require(await hubError { _ = try await client.send(.get("/plain-error")) })
            #expect(error.kind == .http(status: 403, code: nil, message: "district 07 token revoked"))
            #expect(error.description.contains("administrator"))
        }
    }

    @Test("sendWithRetry retries 503 until the hub recovers")
    func retriesUntilSuccess() async throws {
        try await TestServer.with { server in
            let client = try makeClient(server.baseURL)
            let response = try await client.sendWithRetry(.get("/flaky/recover/2"))
            #expect(response.text == "ok after 3")
            #expect(server.hits.count("recover") == 3)
        }
    }

    @Test("sendWithRetry gives up after maxAttempts with .tooManyRetries wrapping the last 503")
    func givesUp() async throws {
        try await TestServer.with { server in
            let client = try makeClient(server.baseURL) { $0.retry.maxAttempts = 3 }
            let error = try #require(await hubError { _ = try await client.sendWithRetry(.get("/flaky/down/100")) })
            guard case .tooManyRetries(let attempts, let last) = error.kind else {
                Issue.record("expected tooManyRetries, got \(error)")
                return
            }
            #expect(attempts == 3)
            #expect(last.kind == .http(status: 503, code: "restarting", message: "hub is restarting"))
            #expect(error.rootCause == last)
            #expect(error.description.hasPrefix("gave up after 3 attempts"))
            #expect(server.hits.count("down") == 3)
        }
    }

    @Test("sendWithRetry never retries other 4xx")
    func noRetryOn4xx() async throws {
        try await TestServer.with { server in
            let client = try makeClient(server.baseURL)
            let error = try #require(await hubError { _ = try await client.sendWithRetry(.get("/bad-request")) })
            #expect(error.kind == .http(status: 400, code: "invalid_change", message: "change 17 has no table"))
            #expect(server.hits.count("bad-request") == 1)
        }
    }

    @Test("sendWithRetry honours Retry-After on 429")
    func honoursRetryAfter() async throws {
        try await TestServer.with { server in
            let client = try makeClient(server.baseURL) { $0.retry.maxDelay = 5 }
            let clock = ContinuousClock()
            let start = clock.now
            let response = try await client.sendWithRetry(.get("/rate-limited/district07"))
            let elapsed = clock.now - start
            #expect(response.text == "ok")
            #expect(server.hits.count("district07") == 2)
            #expect(elapsed >= .milliseconds(950), "Retry-After: 1 must be honoured (own backoff is ≤ 15 ms)")
        }
    }

    @Test("connection refused on a closed port is .connect with an actionable message")
    func connectionRefused() async throws {
        let port = try Sockets.unusedPort()
        let client = try makeClient("http://127.0.0.1:\(port)") { $0.retry = .none }
        let error = try #require(await hubError { _ = try await client.sendWithRetry(.get("/v1/handshake")) })
        #expect(error.kind == .connect)
        #expect(error.isRetryable)
        #expect(error.description.contains("http://127.0.0.1:\(port)/v1/handshake"))
        #expect(error.description.lowercased().contains("connection refused"))
        #expect(error.description.contains("is the hub running"))
    }

    @Test("retrying a refused connection ends in tooManyRetries with a .connect root cause")
    func connectionRefusedRetried() async throws {
        try await Sockets.refusingPort { port in
            let client = try makeClient("http://127.0.0.1:\(port)") { $0.retry.maxAttempts = 2 }
            let error = try #require(await hubError { _ = try await client.sendWithRetry(.get("/")) })
            #expect(error.kind != .connect)
            #expect(error.rootCause.kind == .connect)
        }
    }

    @Test("a response slower than totalTimeout is .timeout")
    func timeout() async throws {
        try await TestServer.with { server in
            let client = try makeClient(server.baseURL) { $0.totalTimeout = 0.5 }
            let clock = ContinuousClock()
            let start = clock.now
            let error = try #require(await hubError { _ = try await client.send(.get("/slow/20000")) })
            #expect(error.kind == .timeout)
            #expect(error.isRetryable)
            #expect(error.description.contains("timed out"))
            // Not a speed test: the timeout, not the server's answer after 20 s, ended the request.
            #expect(clock.now - start < .seconds(15))
        }
    }

    @Test("cancelling the task aborts the transfer promptly")
    func cancellation() async throws {
        try await TestServer.with { server in
            let client = try makeClient(server.baseURL) { $0.totalTimeout = 30 }
            let task = Task { try await client.send(.get("/slow/60000")) }
            try await Task.sleep(for: .milliseconds(300))
            let clock = ContinuousClock()
            let start = clock.now
            task.cancel()
            let result = await task.result
            let elapsed = clock.now - start
            #expect(throws: CancellationError.self) { try result.get() }
            // Not a speed test: the cancellation, not the server's answer after 60 s, ended the
            // transfer (libcurl's progress callback runs about once a second; a loaded CI machine
            // may take longer).
            #expect(elapsed < .seconds(30), "the transfer was not aborted by the cancellation")
        }
    }

    // On loopback libcurl drains up to ~1.6 MB per poll before checking the rate, so the
    // transfers must be a few MB for the caps to show.
    @Test("maxReceiveBytesPerSecond caps the download rate")
    func receiveCap() async throws {
        try await TestServer.with { server in
            let size = 4_000_000
            let client = try makeClient(server.baseURL) { $0.maxReceiveBytesPerSecond = 1_000_000 }
            let clock = ContinuousClock()
            let start = clock.now
            let response = try await client.send(.get("/bytes/\(size)"))
            let elapsed = clock.now - start
            #expect(response.body.count == size)
            #expect(response.bytesReceived > size)
            #expect(elapsed >= .seconds(1.5), "4 MB at 1 MB/s cannot arrive in under 1.5 s")
        }
    }

    @Test("maxSendBytesPerSecond caps the upload rate")
    func sendCap() async throws {
        try await TestServer.with { server in
            let size = 4_000_000
            let client = try makeClient(server.baseURL) {
                $0.maxSendBytesPerSecond = 1_000_000
                $0.compressRequestsAbove = nil
            }
            let clock = ContinuousClock()
            let start = clock.now
            let response = try await client.send(.post("/sink", body: [UInt8](repeating: 0x62, count: size)))
            let elapsed = clock.now - start
            #expect(response.text == "\(size)")
            #expect(response.bytesSent > size)
            #expect(elapsed >= .seconds(1.5), "4 MB at 1 MB/s cannot be sent in under 1.5 s")
        }
    }

    @Test("concurrent requests all complete and reuse pooled handles safely")
    func concurrentRequests() async throws {
        try await TestServer.with { server in
            let client = try makeClient(server.baseURL)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<16 {
                    group.addTask {
                        let body = Array("request \(i)".utf8)
                        let response = try await client.send(.post("/echo", body: body))
                        return response.body == body
                    }
                }
                var ok = 0
                for try await matched in group where matched { ok += 1 }
                #expect(ok == 16)
            }
        }
    }
}
