import Foundation
import GRDB
import ReformData
import Replica
import WireProtocol

/// Nodes one schema version behind or ahead of the hub (Protocol/README.md §19.1).
extension HubService {
    /// The schema a pulling node stores: the version its pull declares (`schema=`), else the one
    /// its site's last handshake said, else the hub's; never newer than the hub's.
    func nodeSchema(declared: Int?, site: String?, _ db: Database) throws -> Schema {
        var version = declared
        if version == nil, let site { version = try nodes.schema(db, site: site) }
        guard let version, version < replica.schema.version else { return replica.schema }
        return replica.schema.asOf(version: version)
    }

    /// The page without the changes of tables and fields `view` lacks: the hub keeps them, and
    /// the node, once upgraded, pulls again from the start and receives them.
    func narrowed(_ page: ChangePage, to view: Schema) -> ChangePage {
        guard view.version < replica.schema.version else { return page }
        var page = page
        page.changes = page.changes.filter { change in
            guard let table = view.table(change.table) else { return false }
            return change.column.map { table.column($0) != nil } ?? true
        }
        return page
    }

    /// A node of a newer schema wrote tables, fields or allowed values this hub does not have yet: `schema_ahead`,
    /// which tells its operator what to do; the changes wait in the node's quarantine.
    func aheadOfHub(_ refused: [RefusedChange], changeSetSchema: Int) -> [RefusedChange] {
        guard changeSetSchema > replica.schema.version else { return refused }
        return refused.map { change in
            // A table or field the hub lacks, or a value its vocabulary lacks (allowed values grow too).
            let vocabulary = change.code == "bad_value"
                && change.column.flatMap { replica.schema.table(change.table)?.column($0)?.allowedValues } != nil
            guard ["unknown_table", "unknown_column"].contains(change.code) || vocabulary else { return change }
            var ahead = change
            ahead.code = "schema_ahead"
            ahead.reason = "\(change.reason): this node's schema \(changeSetSchema) is newer than the hub's \(replica.schema.version); "
                + "the change waits in this node's quarantine: upgrade the hub, then run `reformsync quarantine retry`"
            return ahead
        }
    }
}
