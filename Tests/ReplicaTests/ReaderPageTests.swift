import CRDT
import Foundation
import GRDB
import ReformData
@testable import Replica
import Testing

/// A hub's pull reads a unit's rows through the index on (owner, `_v`)
/// (`Replica.changes(after:limit:readableBy:…)`): its pages must be the very pages of the sweep
/// over every row with the read policy as the filter (Protocol/README.md §8.4, §18.1).
@Suite("pages read by reader")
struct ReaderPageTests {
    static let units = ["U0", "U1", "U2", "U3", "U4", "U5"]

    /// A hub replica file with rows of every read scope written by four sites: units (everyone),
    /// initiatives of several units (deleted, re-owned), tasks with assignees (assigned).
    static func province(_ directory: TemporaryDirectory, seed: UInt64) throws -> (hub: Replica, sites: [SiteID]) {
        var rng = SeededRandom(seed: seed)
        let clock = TestClock()
        let hub = try Replica.create(path: directory.path("hub.sqlite"), unit: "SNV", role: .hub, wallClock: { clock.now() })
        let writers = try (0..<4).map { i in
            try Replica.create(writer: DatabaseQueue(), unit: "W\(i)", role: .hub, site: SiteID("00000000000000a\(i)")!, wallClock: { clock.now() })
        }
        for writer in writers {
            for unit in units { try writer.put("units", json: ["id": .string(unit), "name": .string("Đơn vị \(unit)"), "group": .string("commune")]) }
        }
        var cursors = [ChangeCursor](repeating: .start, count: writers.count)
        for step in 0..<600 {
            clock.advance(7)
            let w = Int.random(in: 0..<writers.count, using: &rng)
            let writer = writers[w]
            let unit = units.randomElement(using: &rng)!
            switch Int.random(in: 0..<10, using: &rng) {
            case 0...4:
                let id = "I\(Int.random(in: 0..<40, using: &rng))"
                if try writer.get("initiatives", key: id) != nil, Int.random(in: 0..<5, using: &rng) == 0 {
                    try writer.delete("initiatives", key: id)
                } else {
                    // A put may hand the initiative to another unit: the row is then new to that unit.
                    try writer.put("initiatives", json: ["id": .string(id), "unit": .string(unit), "year": .integer(2025),
                                                         "title": .string("Sáng kiến \(step)")])
                }
            case 5, 6:
                let task = "T\(Int.random(in: 0..<12, using: &rng))"
                try writer.put("tasks", json: ["id": .string(task), "title": .string("Nhiệm vụ \(step)"), "responsible_unit": .string(unit)])
            case 7:
                let task = "T\(Int.random(in: 0..<12, using: &rng))"
                guard try writer.get("tasks", key: task) != nil else { continue }
                try writer.put("task_assignees", json: ["task": .string(task), "unit": .string(units.randomElement(using: &rng)!)])
            case 8:
                try writer.put("units", json: ["id": .string(unit), "name": .string("Đơn vị \(unit) \(step)"), "group": .string("commune")])
            default:
                // Gossip to the hub now and then, so that rows move ahead while others stay behind.
                cursors[w] = try sync(from: writer, to: hub, cursor: cursors[w], pageSize: Int.random(in: 5...60, using: &rng))
            }
        }
        for (w, writer) in writers.enumerated() { cursors[w] = try sync(from: writer, to: hub, cursor: cursors[w]) }
        return (hub, writers.map(\.site))
    }

    static func policies(_ hub: Replica) throws -> [ReadPolicy] {
        try hub.writer.read { db in
            try (units + ["NOBODY"]).map { unit in
                let assigned = try String.fetchAll(db, sql: "SELECT task FROM task_assignees WHERE unit = ? AND _cl % 2 = 1", arguments: [unit])
                return ReadPolicy(unit: unit, assignedTasks: Set(assigned), predecessors: unit == "U5" ? ["U1", "U2"] : [])
            }
        }
    }

    /// Both reads from the same cursor, in one read transaction; records any difference.
    static func compare(_ hub: Replica, _ policy: ReadPolicy, after cursor: ChangeCursor, limit: Int, maxRows: Int?,
                        excluding: SiteID?, _ label: String) throws -> ChangePage {
        try hub.writer.read { db in
            let swept = try hub.changes(after: cursor, limit: limit, filter: { policy.mayRead($0, key: $1, owner: $2) },
                                        excludingSite: excluding, maxRows: maxRows, db)
            let read = try hub.changes(after: cursor, limit: limit, readableBy: policy, excludingSite: excluding, maxRows: maxRows, db)
            #expect(read.changes == swept.changes, "\(label) \(policy.unit) after \(cursor) limit \(limit) maxRows \(maxRows.map(String.init) ?? "-"): changes differ")
            #expect(read.siteUnits == swept.siteUnits, "\(label) \(policy.unit) after \(cursor): site units differ")
            #expect(read.next == swept.next && read.hasMore == swept.hasMore,
                    "\(label) \(policy.unit) after \(cursor) limit \(limit) maxRows \(maxRows.map(String.init) ?? "-"): next \(read.next)/\(read.hasMore), sweep \(swept.next)/\(swept.hasMore)")
            return swept
        }
    }

    @Test("a unit's pages through the owner index are the sweep's pages: changes, site units, next and more", arguments: [1 as UInt64, 2, 3])
    func sameAsTheSweep(seed: UInt64) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (hub, sites) = try Self.province(directory, seed: seed)
        var rng = SeededRandom(seed: seed &+ 100)
        let current = try hub.writer.read { db in try hub.version(db) }
        var nonEmpty = 0, cutByRows = 0
        for policy in try Self.policies(hub) {
            // Whole pulls, page after page, with small pages and small row bounds (the cut of §8.4).
            for _ in 0..<4 {
                var cursor = ChangeCursor.start
                let limit = Int.random(in: 1...25, using: &rng)
                let maxRows: Int? = Bool.random(using: &rng) ? nil : limit * Int.random(in: 1...4, using: &rng)
                let excluding = Bool.random(using: &rng) ? sites.randomElement(using: &rng) : nil
                for _ in 0..<2_000 {
                    let page = try Self.compare(hub, policy, after: cursor, limit: limit, maxRows: maxRows, excluding: excluding, "seed \(seed)")
                    if !page.changes.isEmpty { nonEmpty += 1 }
                    if page.hasMore && page.changes.count < limit { cutByRows += 1 }
                    cursor = page.next
                    if !page.hasMore { break }
                }
            }
            // Cursors anywhere, with a baseline behind the position (a pull interrupted mid-sweep).
            for _ in 0..<60 {
                let position = Int64.random(in: 0...current + 2, using: &rng)
                let cursor = ChangeCursor(baseline: Int64.random(in: 0...position, using: &rng), position: position)
                let limit = Int.random(in: 1...40, using: &rng)
                _ = try Self.compare(hub, policy, after: cursor, limit: limit, maxRows: Bool.random(using: &rng) ? nil : limit * 2,
                                     excluding: nil, "seed \(seed)")
            }
        }
        // The workload is what the comparison needs: pages with rows, pages cut by the row bound.
        #expect(nonEmpty > 50 && cutByRows > 20, "pages with changes \(nonEmpty), cut by the row bound \(cutByRows)")
    }

    /// A hub file from before step 004 has no (owner, `_v`) index; opening it adds the index,
    /// drops the owner-only one hubs made at start before, and the pages of rows written before
    /// the upgrade stay what they were.
    @Test("a hub file from before the reader index: opening it builds the index; pages of rows written before are unchanged")
    func rowsWrittenBeforeTheIndex() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (built, _) = try Self.province(directory, seed: 7)
        let path = built.location
        let tables = ReformSchema.v1.tables.filter { $0.ownerColumn != nil }
        // As the previous release left it: the step not run, the index on the owner alone.
        try built.writer.write { db in
            for table in tables {
                try db.execute(sql: "DROP INDEX \(SQL.quote(table.name + "__owner_v"))")
                try db.execute(sql: "CREATE INDEX \(SQL.quote(table.name + "__owner")) ON \(SQL.quote(table.name))(\(SQL.quote(table.ownerColumn!)))")
            }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = '004-hub-reader-indexes'")
        }
        let policies = try Self.policies(built)
        var before: [String: [ChangePage]] = [:]
        for policy in policies {
            var cursor = ChangeCursor.start
            while true {
                let page = try built.writer.read { db in
                    try built.changes(after: cursor, limit: 7, filter: { policy.mayRead($0, key: $1, owner: $2) }, excludingSite: nil, maxRows: 21, db)
                }
                before[policy.unit, default: []].append(page)
                cursor = page.next
                if !page.hasMore { break }
            }
        }
        try (built.writer as? DatabasePool)?.close()

        let hub = try Replica.open(path: path)
        let indexes = try hub.writer.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'") }
        for table in tables {
            #expect(indexes.contains(table.name + "__owner_v"), "no reader index on \(table.name)")
            #expect(!indexes.contains(table.name + "__owner"), "the owner-only index of \(table.name) was kept")
        }
        #expect(try hub.writer.read { db in try Migrations.ladderState(db) }.isCurrent)
        for policy in policies {
            var cursor = ChangeCursor.start
            var pages: [ChangePage] = []
            while true {
                let page = try hub.writer.read { db in try hub.changes(after: cursor, limit: 7, readableBy: policy, excludingSite: nil, maxRows: 21, db) }
                pages.append(page)
                cursor = page.next
                if !page.hasMore { break }
            }
            let old = before[policy.unit] ?? []
            #expect(pages.count == old.count, "\(policy.unit): \(pages.count) pages, \(old.count) before")
            for (a, b) in zip(pages, old) {
                #expect(a.changes == b.changes && a.next == b.next && a.hasMore == b.hasMore && a.siteUnits == b.siteUnits,
                        "\(policy.unit): a page differs from before the index")
            }
        }
    }

    @Test("the reader index is a hub's: a node's replica has none, a new hub's has one per table with an owner")
    func onlyHubsHaveTheIndex() throws {
        let node = try Replica.create(writer: DatabaseQueue(), unit: "U1", role: .node)
        let hub = try Replica.create(writer: DatabaseQueue(), unit: "SNV", role: .hub)
        func readerIndexes(_ replica: Replica) throws -> Set<String> {
            Set(try replica.writer.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%\\_\\_owner\\_v' ESCAPE '\\'") })
        }
        #expect(try readerIndexes(node).isEmpty)
        #expect(try readerIndexes(hub) == Set(ReformSchema.v1.tables.compactMap { $0.ownerColumn == nil ? nil : $0.name + "__owner_v" }))
    }

    /// The point of the index: SQLite walks the unit's own rows in version order, neither every
    /// row of the table nor a sort of them.
    @Test("a unit's rows are read through the (owner, _v) index, in its order")
    func theQueryUsesTheIndex() throws {
        let hub = try Replica.create(writer: DatabaseQueue(), unit: "SNV", role: .hub)
        let store = try hub.store("assessment_scores")
        let plan = try hub.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + store.readableChangesSQL(owners: 1, keys: 0), arguments: ["U1", 0, 10])
                .map { $0["detail"] as String }
        }.joined(separator: "\n")
        #expect(plan.contains("assessment_scores__owner_v") && !plan.contains("TEMP B-TREE"), "\(plan)")
    }
}

private extension Migrations.LadderState {
    var isCurrent: Bool { if case .current = self { return true } else { return false } }
}
