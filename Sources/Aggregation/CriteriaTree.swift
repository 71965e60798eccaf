import GRDB
import ReformData

/// The criteria tree of one method, as the index formula reads it.
///
/// Only LEAVES are scored: criteria without sub-criteria, and sub-criteria. A node inherits from
/// its ancestors: it applies to a group only when it and every ancestor apply to it (applies_to
/// empty or "all", or that group), and it is a survey criterion when it or an ancestor is flagged
/// `survey`. Maxima of inner nodes are informative; the maximum of a unit is the sum of its
/// applicable leaves' maxima.
struct CriteriaTree {
    struct Node {
        var id: String
        var parent: String?
        var code: String
        var maxPoints: Double
        var appliesTo: String?
        var survey: Bool
    }

    struct Leaf {
        var id: String
        var code: String
        var maxPoints: Double
        var survey: Bool
        /// Group restrictions met on the way to the root (empty: applies to every group).
        var restrictions: Set<String>
        /// Ids from the leaf up to its field, the leaf first.
        var path: [String]

        func applies(to group: String) -> Bool { restrictions.isEmpty || restrictions == [group] }
    }

    let nodes: [String: Node]
    let leaves: [Leaf]
    let leafByID: [String: Int]
    /// Tells trees apart (years sharing a method share its tree).
    let identity = Identity()

    final class Identity: Sendable {}

    init(nodes list: [Node]) {
        var nodes: [String: Node] = [:]
        for node in list { nodes[node.id] = node }
        let parents = Set(list.compactMap(\.parent))
        var leaves: [Leaf] = []
        for node in list where !parents.contains(node.id) {
            var path = [node.id]
            var restrictions = Set<String>()
            var survey = false
            var current: Node? = node
            while let step = current {
                if let applies = step.appliesTo, !applies.isEmpty, applies != "all" { restrictions.insert(applies) }
                survey = survey || step.survey
                guard let parent = step.parent, let next = nodes[parent], !path.contains(parent) else { break }
                path.append(parent)
                current = next
            }
            leaves.append(Leaf(id: node.id, code: node.code, maxPoints: node.maxPoints, survey: survey,
                               restrictions: restrictions, path: path))
        }
        self.nodes = nodes
        self.leaves = leaves.sorted { $0.code != $1.code ? $0.code.numericallyBefore($1.code) : $0.id < $1.id }
        self.leafByID = Dictionary(self.leaves.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    static func load(_ db: Database, methodology: String) throws -> CriteriaTree {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, parent, code, max_points, applies_to, survey FROM criteria
            WHERE _cl % 2 = 1 AND methodology = ?
            """, arguments: [methodology])
        return CriteriaTree(nodes: rows.map { row in
            Node(id: row[0], parent: row[1], code: row[2] ?? row[0], maxPoints: row[3] ?? 0, appliesTo: row[4],
                 survey: (row[5] as Int64?) == 1)
        })
    }

    /// The leaf with this id, if the criterion is a leaf of the tree.
    func leaf(_ id: String) -> Leaf? { leafByID[id].map { leaves[$0] } }

    /// The leaves applying to a group.
    func leaves(for group: String) -> [Leaf] { leaves.filter { $0.applies(to: group) } }

    /// The leaves an exclusion of criterion `id` removes: the node itself if a leaf, else its leaves.
    func leaves(under id: String) -> [Leaf] { leaves.filter { $0.path.contains(id) } }

    /// The display code of a criterion id (the id itself when the tree does not hold it).
    func code(of id: String) -> String { nodes[id]?.code ?? id }
}
