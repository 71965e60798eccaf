import Foundation
import GRDB
import ReformData
import Replica
import WireProtocol

extension HubService {
    /// What `unit` may read (Protocol/README.md §11, §19.4): its rows, its predecessors' rows,
    /// the tasks it is assigned to, shared data. The one read scope of pulls and snapshots.
    func readPolicy(unit: String, _ db: Database) throws -> ReadPolicy {
        // A cached statement: every pull reads it (compiling it each time cost more than running it).
        let assigned = try String.fetchAll(db.cachedStatement(sql: "SELECT task FROM task_assignees WHERE unit = ? AND _cl % 2 = 1"), arguments: [unit])
        return ReadPolicy(unit: unit, assignedTasks: Set(assigned), predecessors: try replica.successionGraph(db).ancestors(of: unit))
    }

    /// `GET /v1/snapshot`: the manifest of the unit's snapshot, built when needed (§19.3).
    public func snapshot(unit: String) async throws -> SnapshotManifest {
        let policy = try await replica.writer.read { db in try self.readPolicy(unit: unit, db) }
        let epoch = self.epoch
        let replica = self.replica
        return try await Task.detached { try SnapshotStore(replica: replica).manifest(unit: unit, policy: policy, hubEpoch: epoch) }.value
    }

    /// `GET /v1/snapshot/{id}`: the snapshot's bytes, or the range asked for.
    public func snapshotBytes(id: String, unit: String, range: String?) throws -> (bytes: [UInt8], first: Int, total: Int, partial: Bool) {
        try SnapshotStore(replica: replica).read(id: id, unit: unit, range: range)
    }
}
