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

    /// Decompresses, refusing to produce more than `limit` bytes (exactly: `limit` bytes pass,
    /// `limit + 1` do not).
    public static func decompress(_ bytes: [UInt8], limit: Int = 256 << 20) throws(Failure) -> [UInt8] {
        guard bytes.count >= 18, isCompressed(bytes) else { throw .corrupt("too short or no gzip header") }
        var buffer = ByteBuffer(bytes: bytes)
        do {
            let output = Array(try buffer.decompress(with: .gzip(), maxSize: limit).readableBytesView)
            // CompressNIO's `maxSize` bounds what it asks for, not what it gets: the buffers it
            // allocates are rounded up, and zlib fills them, so up to about twice the limit can
            // come out (found by fuzzing: 70,000 bytes under a limit of 65,536). The limit is ours.
            guard output.count <= limit else { throw Failure.tooLarge(limit: limit) }
            // zlib stops at the end of the deflate data; the trailer (CRC-32 and length) proves the
            // file is whole: a truncated or altered file is refused rather than half-read.
            let trailer = bytes.suffix(8)
            let crc = trailer.prefix(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let size = trailer.suffix(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard size == UInt32(truncatingIfNeeded: output.count), crc == CRC32.checksum(output) else {
                throw Failure.corrupt("the gzip trailer does not match the data: the file is truncated or damaged")
            }
            return output
        } catch let failure as Failure {
            throw failure
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw .tooLarge(limit: limit)
        } catch {
            throw .corrupt("\(error)")
        }
    }
}

/// CRC-32 (IEEE 802.3), as in the gzip trailer.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
