/// Who wrote a value and when: the order of last-writer-wins registers.
///
/// Stamps compare by ``HLC`` first and by ``SiteID`` second, so two concurrent writes of the
/// same field resolve the same way on every replica.
public struct Stamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let hlc: HLC
    public let site: SiteID

    public init(hlc: HLC, site: SiteID) {
        self.hlc = hlc
        self.site = site
    }

    public static func < (lhs: Stamp, rhs: Stamp) -> Bool {
        if lhs.hlc != rhs.hlc { return lhs.hlc < rhs.hlc }
        return lhs.site < rhs.site
    }

    public var description: String { "\(hlc)@\(site)" }
}
