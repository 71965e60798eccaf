import ReformsyncTestSupport
import Testing
import WireProtocol

/// `Gzip.decompress(_:limit:)` guards every gzip body (hub push, local API) and compressed
/// exchange file. Its limit is exact; CompressNIO's `maxSize` alone let up to about twice the
/// limit through (found by the `FuzzGzip` fuzz target; Protocol/vectors/messages/
/// push-413-gzip-just-over-limit.json shows it at the hub).
@Suite("Gzip: the decompression limit")
struct GzipLimitTests {
    @Test("limit bytes come out; limit + 1 (or 70,000 under 65,536) are refused as too large", arguments: [1024, 4096, 65536])
    func exactLimit(limit: Int) throws {
        var random = SeededRandom(seed: UInt64(limit))
        for pattern in ["spaces", "random"] {
            for size in [limit - 1, limit, limit + 1, limit + limit / 16, 70_000, 2 * limit + 5] {
                let data = pattern == "spaces" ? [UInt8](repeating: 0x20, count: size) : (0..<size).map { _ in UInt8.random(in: 0...255, using: &random) }
                let compressed = try Gzip.compress(data)
                // The outcome as a word, so that a failure does not print the bytes.
                let outcome: String
                do throws(Gzip.Failure) {
                    outcome = try Gzip.decompress(compressed, limit: limit) == data ? "the data" : "other bytes"
                } catch {
                    outcome = error == .tooLarge(limit: limit) ? "too large" : "\(error)"
                }
                #expect(outcome == (size <= limit ? "the data" : "too large"), "\(pattern), \(size) bytes under a limit of \(limit)")
            }
        }
    }
}
