import CRDT
import Foundation
import GRDB
import ReformData

/// What ``Replica/continueAs(_:)`` did.
public struct Continuation: Sendable, Equatable {
    public var predecessor: String
    public var successor: String
    public var kind: SuccessionKind
    public var effectiveOn: String
    public var decision: String?
    public var previousSite: SiteID
    public var site: SiteID
}

extension Replica {
    /// The live rows of `unit_successions` as a graph (empty when the schema has no such table).
    public func successionGraph(_ db: Database) throws -> SuccessionGraph {
        try SuccessionGraph.load(db)
    }

    public func successionGraph() throws -> SuccessionGraph {
        try writer.read { db in try successionGraph(db) }
    }

    /// Makes this node carry on as `successor` after a reorganisation (Protocol/README.md §19.4),
    /// in one transaction: the node takes a new site id bound to the successor (its old site
    /// stays the predecessor's in every audit trail), forgets the hub's acknowledgement of the
    /// old site, and pulls again from the start so the rows of every unit it now succeeds
    /// arrive. The predecessor's rows stay in the replica, readable, and no longer writable
    /// (their owner is still the predecessor).
    ///
    /// The succession must be recorded by the hub in `unit_successions` and have reached this
    /// node; the caller checks that every local change was pushed first (the old site's changes
    /// are not pushed once the site changes).
    public func continueAs(_ successor: String) throws -> Continuation {
        let successor = successor.nfc
        guard role == .node else {
            throw ReplicaError.localWrite("continue-as is for a unit's node; the hub keeps its unit (\(unit)) and records successions in unit_successions")
        }
        return try writer.write { db in
            let state = try ReplicaState.load(db)
            guard state.unit != successor else {
                throw ReplicaError.localWrite("this replica already serves \(successor)")
            }
            let graph = try successionGraph(db)
            guard let succession = graph.succession(from: state.unit, to: successor) else {
                let known = graph.successions.filter { $0.predecessor == state.unit }
                    .map { "\($0.kind.rawValue) \($0.successor ?? "—") from \($0.effectiveOn)" }
                throw ReplicaError.localWrite(
                    "no succession from \(state.unit) to \(successor) in unit_successions"
                        + (known.isEmpty ? "" : " (this replica knows: \(known.joined(separator: "; ")))")
                        + ": the hub records it first (README \"Reorganisation\"), then run `reformsync sync --once` here and try again")
            }
            let site = SiteID.random()
            try db.execute(sql: "INSERT INTO _rs_sites(site, unit) VALUES (?, ?)", arguments: [site.rawValue, successor])
            try db.execute(sql: "UPDATE _rs_state SET site = ?, unit = ? WHERE id = 1", arguments: [site.rawValue, successor])
            try setCursor("pull", .start, db)
            try setMeta([
                "hub_acknowledged_through": nil,
                "continued_from_unit": state.unit,
                "continued_from_site": state.site.rawValue,
                "continued_at": Timestamp.string(),
                "continued_by": "\(succession.kind.rawValue) from \(succession.effectiveOn)" + (succession.decision.map { " (\($0))" } ?? ""),
            ], db)
            return Continuation(predecessor: state.unit, successor: successor, kind: succession.kind, effectiveOn: succession.effectiveOn,
                                decision: succession.decision, previousSite: state.site, site: site)
        }
    }
}

extension SuccessionGraph {
    /// The live rows of `unit_successions` (none in a replica older than schema 2); rows with an
    /// unknown kind are left out.
    public static func load(_ db: Database) throws -> SuccessionGraph {
        guard try db.tableExists("unit_successions") else { return SuccessionGraph([]) }
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT predecessor, successor, kind, effective_on, decision FROM unit_successions WHERE _cl % 2 = 1 ORDER BY id
            """))
        return SuccessionGraph(rows.compactMap { row in
            guard let predecessor: String = row[0], let kind = (row[2] as String?).flatMap(SuccessionKind.init(rawValue:)) else { return nil }
            return UnitSuccession(predecessor: predecessor, successor: row[1], kind: kind, effectiveOn: row[3] ?? "", decision: row[4])
        })
    }
}
