/// Which schema versions talk to each other (Protocol/README.md §19.1).
///
/// A hub of schema N serves nodes of N − 1, N and N + 1: an older node receives only the tables
/// and fields its schema has (the hub keeps the rest, and sends it once the node is upgraded and
/// pulls again); a newer node's changes to tables or fields the hub lacks are refused
/// `schema_ahead` and wait in the node's quarantine until the hub is upgraded. Further apart, the
/// handshake is refused `schema_mismatch`, naming the side to upgrade.
public enum SchemaCompatibility {
    /// How many versions behind or ahead of the hub a node may be.
    public static let reach = 1

    public static func served(byHub version: Int) -> ClosedRange<Int> {
        (version - reach)...(version + reach)
    }

    /// The refusal of a node of `node` by a hub of `hub`, or nil when they talk.
    public static func refusal(node: Int, hub: Int) -> String? {
        guard !served(byHub: hub).contains(node) else { return nil }
        let range = served(byHub: hub)
        if node < hub {
            return "this node runs schema \(node), too old for the hub's schema \(hub) (it serves \(range.lowerBound)–\(range.upperBound)): upgrade reformsync on this node"
        }
        return "this node runs schema \(node), too new for the hub's schema \(hub) (it serves \(range.lowerBound)–\(range.upperBound)): upgrade reformsync on the hub"
    }
}
