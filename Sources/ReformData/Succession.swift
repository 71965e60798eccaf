/// How one unit follows another after an administrative reorganisation (`unit_successions`,
/// Protocol/README.md §19.4).
public enum SuccessionKind: String, Sendable, CaseIterable {
    /// The predecessor became part of the successor (Sở KH&ĐT into Sở Tài chính, 2025).
    case mergedInto = "merged_into"
    /// The successor was formed, wholly or in part, from the predecessor (communes from districts, 2025).
    case splitFrom = "split_from"
    /// The same unit under a new code or name.
    case renamed
    /// The predecessor ended with no successor.
    case abolished
}

/// One row of `unit_successions`.
public struct UnitSuccession: Sendable, Equatable {
    public var predecessor: String
    /// nil for ``SuccessionKind/abolished``.
    public var successor: String?
    public var kind: SuccessionKind
    /// `YYYY-MM-DD`, first day the successor stands for the predecessor.
    public var effectiveOn: String
    public var decision: String?

    public init(predecessor: String, successor: String?, kind: SuccessionKind, effectiveOn: String, decision: String? = nil) {
        self.predecessor = predecessor
        self.successor = successor
        self.kind = kind
        self.effectiveOn = effectiveOn
        self.decision = decision
    }
}

/// The successions of a province as a graph: who came before whom.
///
/// Why a type: the hub's read scope (a successor reads its predecessors' rows), the site binding
/// (a predecessor's node may continue as its successor), `continue-as` on the node and the
/// report's year-on-year comparison all ask the same two questions, and must answer alike.
public struct SuccessionGraph: Sendable {
    public let successions: [UnitSuccession]
    private let bySuccessor: [String: [UnitSuccession]]

    public init(_ successions: [UnitSuccession]) {
        self.successions = successions
        var index: [String: [UnitSuccession]] = [:]
        for succession in successions where succession.kind != .abolished {
            guard let successor = succession.successor, successor != succession.predecessor else { continue }
            index[successor, default: []].append(succession)
        }
        bySuccessor = index
    }

    /// The units `unit` directly follows (merged into it, split into it, renamed to it), sorted.
    public func predecessors(of unit: String) -> [String] {
        Array(Set((bySuccessor[unit] ?? []).map(\.predecessor))).sorted()
    }

    /// Every unit `unit` follows, directly or through a chain (renamed, then merged…); never
    /// `unit` itself, and finite even if the rows form a cycle.
    public func ancestors(of unit: String) -> Set<String> {
        var found = Set<String>()
        var queue = predecessors(of: unit)
        while let next = queue.popLast() {
            guard next != unit, found.insert(next).inserted else { continue }
            queue += predecessors(of: next)
        }
        return found
    }

    /// The succession by which a node of `predecessor` may continue as `successor`, if any.
    public func succession(from predecessor: String, to successor: String) -> UnitSuccession? {
        (bySuccessor[successor] ?? []).first { $0.predecessor == predecessor }
    }
}
