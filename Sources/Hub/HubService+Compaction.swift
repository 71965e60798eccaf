import Foundation
import GRDB
import ReformData
import Replica
import WireProtocol

/// Compaction at the hub (Protocol/README.md §19.2): the watermark every node seen within the
/// retention has acknowledged, and the refusal of a node that was away longer.
extension HubService {
    /// What `compact` found and did.
    public struct CompactionOutcome: Sendable, Codable {
        public var retentionDays: Double
        /// The hub's version when the watermark was read.
        public var hubVersion: Int64
        public var nodes: [NodeRegistry.Acknowledgement]
        public var report: CompactionReport

        enum CodingKeys: String, CodingKey { case retentionDays = "retention_days", hubVersion = "hub_version", nodes, report }
    }

    /// Compacts below the lowest acknowledged position of the nodes seen in the last
    /// `retentionDays` (the hub's version when none was); a dry run unless `apply`.
    public func compact(retentionDays: Double, apply: Bool, now: Date = Date()) throws -> CompactionOutcome {
        let since = Timestamp.string(now.addingTimeInterval(-retentionDays * 86_400))
        let (nodes, version) = try replica.writer.read { db in
            (try self.nodes.acknowledgements(db, since: since), try Int64.fetchOne(db, sql: "SELECT version FROM _rs_state") ?? 0)
        }
        // Read before the compaction's own transaction: acknowledgements only grow meanwhile.
        let watermark = nodes.filter(\.active).map(\.acknowledged).min() ?? version
        let report = try replica.compact(through: watermark, tombstones: true, apply: apply)
        if apply {
            logger.notice("compacted", metadata: ["watermark": "\(watermark)", "tombstones": "\(report.tombstones)",
                                                  "history_entries": "\(report.historyEntries)"])
        }
        return CompactionOutcome(retentionDays: retentionDays, hubVersion: version, nodes: nodes, report: report)
    }

    /// 410 `snapshot_required` when `site` last acknowledged a version below what was compacted.
    func requireUncompacted(site: String, _ db: Database) throws {
        let horizon = try replica.compactedThrough(db)
        // A site that never pulled has nothing of the hub's past to bring back; its first pull is
        // checked by its cursor (a node started from a snapshot pulls from the snapshot's version).
        guard horizon > 0, let acknowledged = try nodes.acknowledged(db, site: site), acknowledged < horizon else { return }
        throw Self.snapshotRequired(acknowledged: acknowledged, horizon: horizon)
    }

    /// 410 `snapshot_required` for a pull from below what was compacted, unless its site had
    /// already acknowledged past it (a node pulling everything again after an upgrade holds the
    /// tombstones it received).
    func requireUncompacted(cursor: ChangeCursor, site: String?, _ db: Database) throws {
        let horizon = try replica.compactedThrough(db)
        guard horizon > 0, cursor.position < horizon else { return }
        if let site, let acknowledged = try nodes.acknowledged(db, site: site), acknowledged >= horizon { return }
        throw Self.snapshotRequired(acknowledged: cursor.position, horizon: horizon)
    }

    static func snapshotRequired(acknowledged: Int64, horizon: Int64) -> HubError {
        HubError(status: 410, code: "snapshot_required", message: """
            this replica has hub history only through version \(acknowledged), but the hub compacted deleted rows through \(horizon) \
            (the node was away longer than the hub's retention, or is new): syncing would bring deleted rows back. \
            Start it again from the hub's snapshot: stop the daemon, run `reformsync init --from-hub --replace` \
            (the old replica is kept beside it; export its unpushed changes with `reformsync export-changes --data-dir`)
            """)
    }
}
