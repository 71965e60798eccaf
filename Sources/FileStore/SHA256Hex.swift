import Foundation
import Crypto

/// SHA-256 digests as the protocol spells them: 64 lowercase hex digits (Protocol §16.1).
public enum SHA256Hex {
    /// Whether `text` is 64 lowercase hex digits: the only file names taken from the wire.
    public static func isValid(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The hex spelling of a digest.
    public static func string<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The digest of `bytes` in hex.
    public static func of<B: DataProtocol>(_ bytes: B) -> String { string(SHA256.hash(data: bytes)) }
}

/// A SHA-256 computed piece by piece (for callers that do not import Crypto themselves).
public struct StreamingSHA256 {
    private var hasher = SHA256()
    public init() {}
    public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }
    public func hex() -> String { SHA256Hex.string(hasher.finalize()) }
}
