import Testing
@testable import HubClient

/// The response cap (`hub.max_response_bytes`, Protocol §13.4): the real libcurl client against a
/// real server on 127.0.0.1 that sends too much in each of the three ways a response can — a body
/// without announced length that never ends, a `Content-Length` beyond the cap, a gzip bomb —
/// is stopped while receiving, and the error names the count that passed, the limit and the key.
@Suite("HubHTTPClient response cap")
struct ResponseCapTests {
    static let limit = 1 << 20

    func capped(_ server: TestServer) throws -> HubHTTPClient {
        try makeClient(server.baseURL) {
            $0.maxResponseBytes = Self.limit
            $0.retry = .none
            // Generous: under `make test` the in-process server shares two cores with every suite.
            $0.totalTimeout = 120
        }
    }

    @Test("a body that never ends is aborted once the bytes received pass the cap")
    func endlessBody() async throws {
        try await TestServer.with { server in
            let client = try capped(server)
            let error = await hubError { _ = try await client.send(.get("/endless/e1")) }
            let caught = try #require(error, "an endless body was accepted")
            guard case let .responseTooLarge(count, limit, bytes) = caught.kind else {
                Issue.record("wrong error: \(caught)")
                return
            }
            #expect(count == .decompressed || count == .compressed, "\(caught)")
            #expect(limit == Self.limit)
            #expect(bytes > Int64(Self.limit) && bytes < Int64(Self.limit) + (2 << 20), "stopped at \(bytes) bytes")
            #expect(caught.description.contains("hub.max_response_bytes"), "\(caught.description)")
            #expect(caught.description.contains("\(Self.limit) bytes"), "\(caught.description)")
            #expect(!caught.isRetryable)
            // The server stops before its 256 MiB end: the client hung up rather than reading on.
            // (How much it produced meanwhile depends on the machine's load: the test server queues
            // chunks without back-pressure, so only the end not being reached is asserted.)
            try await Task.sleep(for: .milliseconds(500))
            let written = server.hits.count("e1") * (64 << 10)
            #expect(written < 256 << 20, "the server could write \(written) bytes: the transfer was not aborted")
            // The pooled handle still works for the next request.
            let next = try await client.send(.get("/bytes/1000"))
            #expect(next.body.count == 1000)
        }
    }

    @Test("a Content-Length beyond the cap is refused on the header, before the body")
    func announcedLength() async throws {
        try await TestServer.with { server in
            let client = try capped(server)
            let error = await hubError { _ = try await client.send(.get("/announce-huge/a1")) }
            let caught = try #require(error, "a 1 GB announced body was accepted")
            guard case let .responseTooLarge(count, limit, bytes) = caught.kind else {
                Issue.record("wrong error: \(caught)")
                return
            }
            #expect(count == .announced, "\(caught)")
            #expect(limit == Self.limit)
            #expect(bytes == 1_000_000_000)
            #expect(caught.description.contains("announced by Content-Length"), "\(caught.description)")
            // The body trickles in 1 kB chunks: reading up to the cap would take 1,024 of them.
            try await Task.sleep(for: .milliseconds(200))
            let chunks = server.hits.count("a1")
            #expect(chunks < 300, "the server wrote \(chunks) kB before the client hung up: it read the body instead of refusing the header")
        }
    }

    @Test("a gzip bomb is stopped on the decompressed count, though its compressed size is small")
    func gzipBomb() async throws {
        try await TestServer.with { server in
            let client = try capped(server)
            let error = await hubError { _ = try await client.send(.get("/gzip-bomb")) }
            let caught = try #require(error, "a 64 MiB gzip bomb was accepted under a 1 MiB cap")
            guard case let .responseTooLarge(count, limit, bytes) = caught.kind else {
                Issue.record("wrong error: \(caught)")
                return
            }
            #expect(count == .decompressed, "\(caught)")
            #expect(limit == Self.limit)
            #expect(bytes > Int64(Self.limit) && bytes <= Int64(Self.limit) + (1 << 20), "stopped at \(bytes)")
            #expect(caught.description.contains("decompressed"), "\(caught.description)")
            // Under the cap, the same client reads a compressed body whole.
            let fine = try await client.send(.get("/large-gzip"))
            #expect(fine.body.count == 200_000)
        }
    }

    @Test("the default cap reads a 64 MiB gzip body but not more; maxResponseBytes must be positive")
    func defaults() async throws {
        #expect(HubClientConfiguration(baseURL: "http://x").maxResponseBytes == 64 << 20)
        var bad = HubClientConfiguration(baseURL: "http://127.0.0.1:1")
        bad.maxResponseBytes = 0
        #expect(throws: HubClientError.self) { try bad.validate() }
        try await TestServer.with { server in
            let client = try makeClient(server.baseURL) { $0.retry = .none }
            let response = try await client.send(.get("/gzip-bomb"))
            #expect(response.body.count == 64 << 20, "exactly at the default limit is allowed")
        }
    }
}
