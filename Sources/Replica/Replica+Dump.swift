import CRDT
import GRDB
import ReformData

extension Replica {
    /// A canonical text form of the replicated state: two replicas hold the same data exactly
    /// when their dumps are equal. Local bookkeeping (versions, history, site numbering) is left out.
    public func canonicalDump() throws -> String {
        try writer.read { db in
            let sites = try SiteTable.load(db)
            var lines: [String] = []
            for table in schema.tables {
                let store = stores[table.name]!
                let columns = (table.columns.map { SQL.quote($0.name) } + ["_cl", "_hlc", "_v", "_clk"]).joined(separator: ", ")
                for row in try Row.fetchAll(db, sql: "SELECT id, \(columns) FROM \(SQL.quote(table.name)) ORDER BY id") {
                    let key: String = row[0]
                    let stored = try store.decode(row, key: key, sites: sites, offset: 1)
                    var line = "\(table.name)\t\(key)\tcl=\(stored.state.causalLength)"
                    if let marker = stored.state.marker { line += "\tmarker@\(marker)" }
                    for name in stored.state.cells.keys.sorted() {
                        let cell = stored.state.cells[name]!
                        line += "\t\(name)=\(Self.tagged(cell.value))@\(cell.stamp)"
                    }
                    lines.append(line)
                }
            }
            return lines.joined(separator: "\n")
        }
    }

    static func tagged(_ value: Value) -> String {
        switch value {
        case .null: return "null"
        case .integer(let i): return "i:\(i)"
        case .real(let d): return "r:\(d)"
        case .text(let s): return "t:\(s.debugDescription)"
        }
    }
}
