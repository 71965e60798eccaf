/// The identity of one replica: 16 lowercase hexadecimal digits (64 random bits).
///
/// Site ids break ties between writes stamped with the same ``HLC`` and name the origin of every
/// change in the audit trail. They are compared as strings, so every replica orders them alike.
public struct SiteID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 64 bits the 16 digits spell. Held as a number, a site id costs no allocation or
    /// reference counting in the millions of changes that carry one, and hashes in one step;
    /// the numeric order of fixed-width hex digits is their text order.
    public let bits: UInt64

    /// Accepts exactly 16 characters from `0-9a-f`; returns nil otherwise.
    public init?(_ text: String) {
        var bits: UInt64 = 0
        var count = 0
        for byte in text.utf8 {
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            count += 1
            guard count <= 16 else { return nil }
            bits = bits << 4 | UInt64(digit)
        }
        guard count == 16 else { return nil }
        self.bits = bits
    }

    public init(bits: UInt64) {
        self.bits = bits
    }

    /// The 16 lowercase hexadecimal digits.
    public var rawValue: String {
        let hex = String(bits, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// A fresh random site id.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> SiteID {
        SiteID(bits: generator.next())
    }

    public static func random() -> SiteID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func < (lhs: SiteID, rhs: SiteID) -> Bool { lhs.bits < rhs.bits }

    public var description: String { rawValue }
}
