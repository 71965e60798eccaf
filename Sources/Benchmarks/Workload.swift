import CRDT
import GRDB
import ReformData

/// The rows of the merge benchmark: self-assessment scores created at one remote site, in a
/// fixed pseudo-random order (a hub's change stream interleaves units, years and criteria).
struct Workload {
    struct ScoreRow {
        var key: String
        var unit: String
        var year: Int64
        var criterion: String
        var selfScore: Double
        var evidence: String
        var selfNote: String
        /// How many of ``MergeBenchmark/columnsPerRow`` this row carries (fewer only for the last row).
        var columns: Int
        var hlc: HLC
    }

    static let units = [
        "SONDUONG", "YENSON", "HAMYEN", "CHIEMHOA", "NAHANG", "LAMBINH", "TPTUYENQUANG", "SNV", "STC", "SKHDT",
        "SYT", "SGDDT", "SXD", "SGTVT", "SCT", "STNMT", "SNNPTNT", "SLDTBXH", "SVHTTDL", "STTTT",
        "SKHCN", "STP", "SNGV", "TTRA", "BQLKCN", "VPUBND", "BDT", "DAIPTTH", "SOTC", "SNOIVU2",
        "XA001", "XA002", "XA003", "XA004", "XA005", "XA006", "XA007", "XA008", "XA009", "XA010",
    ]

    static let notes = [
        "Đạt",
        "Đã ban hành kế hoạch đúng thời hạn",
        "Hoàn thành 100% chỉ tiêu được giao trong năm",
        "Chưa có văn bản kiểm chứng, đơn vị bổ sung sau",
        "Thực hiện đầy đủ, kịp thời theo hướng dẫn của Sở Nội vụ",
        "Tự đánh giá theo Quyết định 876/QĐ-BNV",
    ]

    let site = SiteID("5e0a11ce0000b001")!
    let rows: [ScoreRow]
    /// Row ranges, one per transaction; a batch ends at the first row that reaches the batch size.
    let batches: [Range<Int>]
    let columnChanges: Int

    init(changes: Int, batch: Int) {
        let perRow = MergeBenchmark.columnsPerRow.count
        let rowCount = (changes + perRow - 1) / perRow
        var random = SplitMix64(seed: 2022)
        var order = Array(0..<rowCount)
        order.shuffle(using: &random)
        let baseMillis: UInt64 = 1_700_000_000_000
        var rows: [ScoreRow] = []
        rows.reserveCapacity(rowCount)
        var remaining = changes
        for (position, n) in order.enumerated() {
            // Every n gives a different (unit, criterion, year).
            let unit = Self.units[n % Self.units.count]
            let c = (n / Self.units.count) % 240
            let criterion = c % 5 == 0 ? "\(c / 30 + 1).\(c % 30 / 5 + 1)" : "\(c / 30 + 1).\(c % 30 / 5 + 1).\(c % 5)"
            let year = 2010 + Int64(n / (Self.units.count * 240))
            let day = Int(random.next() % 28) + 1, month = Int(random.next() % 12) + 1
            let columns = min(perRow, remaining)
            remaining -= columns
            rows.append(ScoreRow(
                key: "\(unit)/\(year)/\(criterion)", unit: unit, year: year, criterion: criterion,
                selfScore: Double(random.next() % 401) / 4,
                evidence: "Báo cáo số \(100 + n % 900)/BC-UBND ngày \(day)/\(month)/\(year) về kết quả tiêu chí \(criterion)",
                selfNote: Self.notes[Int(random.next() % UInt64(Self.notes.count))],
                columns: columns, hlc: HLC(millis: baseMillis + UInt64(position))))
        }
        self.rows = rows
        self.columnChanges = changes
        var batches: [Range<Int>] = []
        var start = 0, count = 0
        for (index, row) in rows.enumerated() {
            count += row.columns
            if count >= batch {
                batches.append(start..<(index + 1))
                start = index + 1
                count = 0
            }
        }
        if start < rows.count { batches.append(start..<rows.count) }
        self.batches = batches
    }

    /// The values of a row in ``MergeBenchmark/columnsPerRow`` order; missing ones are null.
    func values(_ row: ScoreRow) -> [Value] {
        let all: [Value] = [.text(row.unit), .integer(row.year), .text(row.criterion), .real(row.selfScore),
                            .text(row.evidence), .text(row.selfNote)]
        return all.enumerated().map { $0.offset < row.columns ? $0.element : .null }
    }

    /// The remote changes that create the rows of `batch`: a row marker, then one change per column.
    func changes(of batch: Range<Int>) -> [Change] {
        var changes: [Change] = []
        changes.reserveCapacity(batch.count * (MergeBenchmark.columnsPerRow.count + 1))
        for row in rows[batch] {
            let stamp = Stamp(hlc: row.hlc, site: site)
            changes.append(Change(table: MergeBenchmark.table, key: row.key, column: nil, value: .null, stamp: stamp, causalLength: 1))
            for (column, value) in zip(MergeBenchmark.columnsPerRow, values(row)).prefix(row.columns) {
                changes.append(Change(table: MergeBenchmark.table, key: row.key, column: column, value: value, stamp: stamp, causalLength: 1))
            }
        }
        return changes
    }

    /// The arguments of the plain upsert for the rows of `batch`: id, then the columns.
    func plainArguments(of batch: Range<Int>) -> [[DatabaseValue]] {
        rows[batch].map { row in
            [row.key.databaseValue] + values(row).map { value -> DatabaseValue in
                switch value {
                case .null: return .null
                case .integer(let i): return i.databaseValue
                case .real(let d): return d.databaseValue
                case .text(let s): return s.databaseValue
                }
            }
        }
    }
}

/// The baseline: a plain table with the same columns and affinities, no CRDT bookkeeping.
struct PlainTable {
    let pool: DatabasePool
    let upsertSQL: String

    init(path: String, schema: TableSchema, columns: [String]) throws {
        // The replica's own configuration (see `Replica.open`): WAL pool, SQLite's default durability.
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "reformsync.bench.plain"
        pool = try DatabasePool(path: path, configuration: configuration)
        let declared = schema.columns.map { column -> String in
            let affinity: String
            switch column.type {
            case .text, .date: affinity = "TEXT"
            case .integer, .boolean: affinity = "INTEGER"
            case .real: affinity = "REAL"
            }
            return "\(Self.quote(column.name)) \(affinity)"
        }
        try pool.write { db in
            try db.execute(sql: "CREATE TABLE plain (id TEXT PRIMARY KEY NOT NULL, \(declared.joined(separator: ", ")))")
        }
        let names = columns.map(Self.quote)
        upsertSQL = "INSERT INTO plain (id, \(names.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: names.count + 1).joined(separator: ", "))) "
            + "ON CONFLICT(id) DO UPDATE SET \(names.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))"
    }

    /// Upserts the rows in one transaction with one cached statement.
    ///
    /// Arguments are bound straight to the prepared statement, as the replica's merge does:
    /// `execute(arguments: StatementArguments(values))` would spend more time building arguments
    /// than SQLite spends on the row, and flatter the replica.
    func upsert(_ rows: [[DatabaseValue]]) throws {
        try pool.write { db in
            let statement = try db.cachedStatement(sql: upsertSQL)
            let sqlite = statement.sqliteStatement
            for values in rows {
                statement.setUncheckedArguments(StatementArguments())  // reset, clear bindings
                for (index, value) in values.enumerated() {
                    let code = value.bind(to: sqlite, at: CInt(index + 1))
                    guard code == 0 else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot bind argument \(index + 1)") }
                }
                try statement.execute()
            }
        }
    }

    static func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
