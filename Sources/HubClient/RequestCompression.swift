import CompressNIO
import NIOCore

/// Gzip for request bodies, via CompressNIO (zlib).
enum RequestCompression {
    /// Returns `bytes` gzipped.
    /// - Throws: CompressNIO's error if zlib fails (it does not for in-memory input in practice).
    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        let output = try input.compress(with: .gzip())
        return Array(output.readableBytesView)
    }
}
