import CompressNIO
import NIOCore

/// gzip for bodies and exchange files.
public enum Gzip {
    /// Why decompression stopped.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The data would expand beyond the limit (a zip bomb stops here).
        case tooLarge(limit: Int)
        /// Not gzip, or truncated.
        case corrupt(String)

        public var description: String {
            switch self {
            case .tooLarge(let limit): return "gzip data expands beyond \(limit) bytes"
            case .corrupt(let detail): return "gzip data cannot be decompressed (\(detail)): truncated or not gzip"
            }
        }
    }

    /// Whether `bytes` start with the gzip magic number.
    public static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    public static func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        var buffer = ByteBuffer(bytes: bytes)
        let compressed = try buffer.compress(with: .gzip())
        return Array(compressed.readableBytesView)
    }

    /// Decompresses, refusing to produce more than `limit` bytes.
    public static func decompress(_ bytes: [UInt8], limit: Int = 256 << 20) throws(Failure) -> [UInt8] {
        var buffer = ByteBuffer(bytes: bytes)
        do {
            let output = try buffer.decompress(with: .gzip(), maxSize: limit)
            return Array(output.readableBytesView)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw .tooLarge(limit: limit)
        } catch {
            throw .corrupt("\(error)")
        }
    }
}
