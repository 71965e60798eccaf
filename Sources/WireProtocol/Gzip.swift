import CompressNIO
import NIOCore

/// gzip for bodies and exchange files.
public enum Gzip {
    /// Whether `bytes` start with the gzip magic number.
    public static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    public static func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        var buffer = ByteBuffer(bytes: bytes)
        let compressed = try buffer.compress(with: .gzip())
        return Array(compressed.readableBytesView)
    }

    /// Decompresses, refusing to produce more than `limit` bytes (a zip bomb stops there).
    public static func decompress(_ bytes: [UInt8], limit: Int = 256 << 20) throws(WireError) -> [UInt8] {
        var buffer = ByteBuffer(bytes: bytes)
        do {
            let output = try buffer.decompress(with: .gzip(), maxSize: limit)
            return Array(output.readableBytesView)
        } catch {
            throw WireError("gzip data cannot be decompressed (\(error)); the file or body is truncated or not gzip, or larger than \(limit) bytes")
        }
    }
}
