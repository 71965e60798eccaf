/// The identity of one replica: 16 lowercase hexadecimal digits (64 random bits).
///
/// Site ids break ties between writes stamped with the same ``HLC`` and name the origin of every
/// change in the audit trail. They are compared as strings, so every replica orders them alike.
public struct SiteID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// Accepts exactly 16 characters from `0-9a-f`; returns nil otherwise.
    public init?(_ text: String) {
        let utf8 = text.utf8
        guard utf8.count == 16,
              utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        self.rawValue = text
    }

    /// A fresh random site id.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> SiteID {
        let bits = generator.next()
        let hex = String(bits, radix: 16)
        return SiteID(String(repeating: "0", count: 16 - hex.count) + hex)!
    }

    public static func random() -> SiteID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func < (lhs: SiteID, rhs: SiteID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }
}
