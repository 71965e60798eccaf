import CompressNIO
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Counts requests per key, so tests can assert how often the client really called.
final class HitCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// Records one hit and returns the new count.
    func hit(_ key: String) -> Int {
        counts.withLock { counts in
            counts[key, default: 0] += 1
            return counts[key, default: 0]
        }
    }

    func count(_ key: String) -> Int {
        counts.withLock { $0[key, default: 0] }
    }
}

/// The gzip bomb, compressed once per test process.
private let bomb = Mutex<ByteBuffer?>(nil)

/// A real Hummingbird 2 server on 127.0.0.1 with an ephemeral port, one per test.
struct TestServer: Sendable {
    let port: Int
    let hits: HitCounter

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Deterministic, very compressible text (what change sets look like), `length` bytes long.
    static func compressibleText(length: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(length + 100)
        var i = 0
        while out.count < length {
            out.append(contentsOf: Array(#"{"table":"thu_tuc","key":"TQ-\#(i % 97)","field":"trang_thai","value":"da_xu_ly"},"#.utf8))
            i += 1
        }
        return Array(out.prefix(length))
    }

    /// Runs `body` against a fresh server and shuts the server down afterwards.
    static func with<T: Sendable>(_ body: @Sendable (TestServer) async throws -> T) async throws -> T {
        let hits = HitCounter()
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "hubclient-tests.server")
        logger.logLevel = .critical
        let app = Application(
            router: makeRouter(hits: hits),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            },
            logger: logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                group.cancelAll()
                throw TestServerError.didNotStart
            }
            do {
                let result = try await body(TestServer(port: port, hits: hits))
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    enum TestServerError: Error { case didNotStart }

    private static func makeRouter(hits: HitCounter) -> Router<BasicRequestContext> {
        let router = Router()

        // Echo: the request body back, request headers as x-echo-<name>, the method as x-echo-method.
        @Sendable func echo(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
            let body = try await request.body.collect(upTo: 16 << 20)
            var headers: HTTPFields = [.contentType: "application/octet-stream"]
            headers[echoName("method")] = request.method.rawValue
            for field in request.headers {
                headers.append(HTTPField(name: echoName(field.name.canonicalName), value: field.value))
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }
        router.get("echo", use: echo)
        router.post("echo", use: echo)
        router.put("echo", use: echo)

        // Decompresses a gzip body with CompressNIO; reports what arrived on the wire.
        router.post("gunzip") { request, _ -> Response in
            var body = try await request.body.collect(upTo: 16 << 20)
            let wireLength = body.readableBytes
            let encoding = request.headers[.contentEncoding] ?? "identity"
            let decoded = encoding == "gzip" ? try body.decompress(with: .gzip()) : body
            let headers: HTTPFields = [
                echoName("wire-length"): "\(wireLength)",
                echoName("content-encoding"): encoding,
                .contentType: "application/octet-stream",
            ]
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: decoded))
        }

        // A large, compressible body sent gzip-encoded (compressed with CompressNIO).
        router.get("large-gzip") { _, _ -> Response in
            var plain = ByteBuffer(bytes: compressibleText(length: 200_000))
            let packed = try plain.compress(with: .gzip())
            let headers: HTTPFields = [.contentEncoding: "gzip", .contentType: "application/json"]
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: packed))
        }

        // `count` bytes, to measure download caps (no compression is applied to them).
        router.get("bytes/:count") { _, context -> Response in
            let count = try context.parameters.require("count", as: Int.self)
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: 0x61, count: count)))
        }

        // An endless body in 64 kB chunks without Content-Length (chunked); each chunk is counted,
        // so the test can see how many were written before the client hung up.
        router.get("endless/:key") { _, context -> Response in
            let key = try context.parameters.require("key")
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                let chunk = ByteBuffer(repeating: 0x61, count: 64 << 10)
                for _ in 0..<4096 {  // 256 MiB at most
                    _ = hits.hit(key)
                    try await writer.write(chunk)
                }
                try await writer.finish(nil)
            })
        }

        // Announces a 1 GB body, then trickles it out: the client must refuse it on the header.
        router.get("announce-huge/:key") { _, context -> Response in
            let key = try context.parameters.require("key")
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(contentLength: 1_000_000_000) { writer in
                                let chunk = ByteBuffer(repeating: 0x62, count: 1024)
                                for _ in 0..<1_000 {
                                    _ = hits.hit(key)
                                    try await writer.write(chunk)
                                    try await Task.sleep(for: .milliseconds(10))
                                }
                                try await writer.finish(nil)
                            })
        }

        // A gzip bomb: 64 MiB of zeros, gzip-compressed to about 64 kB, sent Content-Encoding: gzip.
        router.get("gzip-bomb") { _, _ -> Response in
            let packed = try bomb.withLock { cached -> ByteBuffer in
                if let cached { return cached }
                var zeros = ByteBuffer(repeating: 0, count: 64 << 20)
                let packed = try zeros.compress(with: .gzip())
                cached = packed
                return packed
            }
            return Response(status: .ok, headers: [.contentEncoding: "gzip", .contentType: "application/json"],
                            body: .init(byteBuffer: packed))
        }

        // Swallows an upload and reports its size, to measure upload caps.
        router.post("sink") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 << 20)
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "\(body.readableBytes)")))
        }

        // The hub's JSON error envelope.
        router.get("bad-request") { _, _ -> Response in
            _ = hits.hit("bad-request")
            return jsonError(.badRequest, code: "invalid_change", message: "change 17 has no table")
        }

        // A plain-text error, as a proxy or an old hub would send.
        router.get("plain-error") { _, _ -> Response in
            Response(status: .forbidden, headers: [.contentType: "text/plain"],
                     body: .init(byteBuffer: ByteBuffer(string: "district 07 token\nrevoked\n")))
        }

        // 503 for the first `failures` hits of `key`, then 200 "ok after N".
        router.get("flaky/:key/:failures") { _, context -> Response in
            let key = try context.parameters.require("key")
            let failures = try context.parameters.require("failures", as: Int.self)
            let hit = hits.hit(key)
            if hit <= failures {
                return jsonError(.serviceUnavailable, code: "restarting", message: "hub is restarting")
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok after \(hit)")))
        }

        // 429 with Retry-After: 1 on the first hit, 200 afterwards.
        router.get("rate-limited/:key") { _, context -> Response in
            let key = try context.parameters.require("key")
            if hits.hit(key) == 1 {
                var response = jsonError(.tooManyRequests, code: "slow_down", message: "too many syncs")
                response.headers[.retryAfter] = "1"
                return response
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }

        // Answers only after `ms` milliseconds.
        router.get("slow/:ms") { _, context -> Response in
            let ms = try context.parameters.require("ms", as: Int.self)
            try await Task.sleep(for: .milliseconds(ms))
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "finally")))
        }
        return router
    }

    private static func echoName(_ suffix: String) -> HTTPField.Name {
        // Every name built here is a valid token; fall back to a fixed one rather than trap.
        HTTPField.Name("x-echo-" + suffix) ?? HTTPField.Name("x-echo-invalid")!
    }

    private static func jsonError(_ status: HTTPResponse.Status, code: String, message: String) -> Response {
        let json = #"{"error":{"code":"\#(code)","message":"\#(message)"}}"#
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
