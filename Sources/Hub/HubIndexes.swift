import GRDB
import ReformData
import Replica

/// Indexes only the hub needs: its snapshots select one unit's rows out of every unit's
/// (Protocol/README.md §19.3), which without an index on the owner column means reading every
/// row of the province. Nodes hold their own rows only and do without them.
enum HubIndexes {
    /// Creates the owner-column index of every table with an owner (`IF NOT EXISTS`: at the first
    /// start after an upgrade this reads each table once).
    static func ensure(_ replica: Replica) throws {
        try replica.writer.write { db in
            for table in replica.schema.tables {
                guard let owner = table.ownerColumn, try db.tableExists(table.name) else { continue }
                try db.execute(sql: "CREATE INDEX IF NOT EXISTS \(quote(table.name + "__owner")) ON \(quote(table.name))(\(quote(owner)))")
            }
        }
    }

    static func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
