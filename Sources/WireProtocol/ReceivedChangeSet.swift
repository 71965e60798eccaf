import CRDT
import ReformData

/// A change set read straight into ``Change``s: what a hub merges from a push and a node from a
/// pull, without building the row model (``ChangeSet/RowChanges``) first.
///
/// Reading happens in two steps, as with the row model: ``read(from:path:)`` checks the JSON's
/// shape (its errors are the body's), ``resolved()`` checks the content — format, protocol, site
/// ids, stamps, values, well-formed changes — and throws the same ``WireError`` that
/// ``ChangeSet/decodedChanges()`` throws for the same set. The tests hold the two paths together.
public struct ReceivedChangeSet: Sendable {
    var header: ChangeSet.Header
    /// The changes, stamped with their HLC offset and site position until ``resolved()``.
    var pending: [Change]
    var rows: [ReceivedRow]

    public var schema: Int { header.schema }
    public var source: ChangeSet.Source? { header.source }

    /// What ``resolved()`` needs of each row: its default stamp, where its changes are, and the
    /// first problem found in them (at the position it would have been found by the row model).
    struct ReceivedRow {
        var table: String
        var key: String
        var h: UInt64
        var s: Int64
        var changes: Range<Int>
        var problem: (position: Int, error: WireError)?
    }

    /// The changes with their stamps, and the unit of each listed site (NFC).
    public func resolved() throws(WireError) -> (changes: [Change], siteUnits: [SiteID: String]) {
        let (siteIDs, siteUnits) = try header.resolvedSites()
        let hlc0 = header.hlc0
        func stamp(_ offset: UInt64, _ site: Int64, _ row: Int) throws(WireError) -> Stamp {
            guard site >= 0 && site < siteIDs.count else {
                throw WireError("rows[\(row)] (\(rows[row].table) \(rows[row].key)): site \(site) is not in sites (\(siteIDs.count) listed)")
            }
            let (hlc, overflow) = hlc0.addingReportingOverflow(offset)
            guard !overflow else { throw WireError("rows[\(row)] (\(rows[row].table) \(rows[row].key)): hlc offset \(offset) overflows") }
            return Stamp(hlc: HLC(rawValue: hlc), site: siteIDs[Int(site)])
        }
        var changes = pending
        for (r, row) in rows.enumerated() {
            _ = try stamp(row.h, row.s, r)
            for i in row.changes {
                if let problem = row.problem, problem.position == i - row.changes.lowerBound { throw problem.error }
                let placeholder = changes[i].stamp
                changes[i].stamp = try stamp(placeholder.hlc.rawValue, Int64(bitPattern: placeholder.site.bits), r)
            }
            if let problem = row.problem { throw problem.error }
        }
        return (changes, siteUnits)
    }

    // MARK: Reading

    static func read(from scanner: inout JSONScanner, path: String) throws(WireError) -> ReceivedChangeSet {
        var pending: [Change] = []
        var rows: [ReceivedRow] = []
        var scratch = RowScratch()
        let header = try ChangeSet.Header.read(from: &scanner, path: path) { scanner, rowsPath, index throws(WireError) in
            if index == 0 {
                pending.removeAll(keepingCapacity: true)
                rows.removeAll(keepingCapacity: true)
            }
            try readRow(from: &scanner, in: rowsPath, at: index, scratch: &scratch, into: &pending, rows: &rows)
        }
        return ReceivedChangeSet(header: header, pending: pending, rows: rows)
    }

    /// Reads one row object and appends its changes in the row model's order: the marker, the
    /// fields of `c` by name, then those of `x` by name.
    static func readRow(from scanner: inout JSONScanner, in rowsPath: String, at index: Int, scratch: inout RowScratch,
                        into pending: inout [Change], rows: inout [ReceivedRow]) throws(WireError) {
        try scratch.read(from: &scanner, in: rowsPath, at: index)
        let table = scratch.t, rawKey = scratch.k, life = scratch.l, rowHLC = scratch.h, rowSite = Int64(scratch.s)
        let marker = scratch.m
        let key = rawKey.nfc
        // Content problems are kept, not thrown: ``resolved()`` reports them in the row model's order.
        var place: String { "rows[\(index)] (\(table) \(rawKey))" }
        let start = pending.count
        var problem: (position: Int, error: WireError)?
        func placeholder(_ offset: UInt64, _ site: Int64) -> Stamp { Stamp(hlc: HLC(rawValue: offset), site: SiteID(bits: UInt64(bitPattern: site))) }
        switch marker {
        case .defaultStamp?:
            pending.append(Change(table: table, key: key, column: nil, value: .null, stamp: placeholder(rowHLC, rowSite), causalLength: life))
        case let .own(hlc, site)?:
            pending.append(Change(table: table, key: key, column: nil, value: .null, stamp: placeholder(hlc, Int64(site)), causalLength: life))
        case nil:
            break
        }
        scratch.fields.sort { $0.name < $1.name }
        for (name, json) in scratch.fields where problem == nil {
            do throws(WireError) {
                pending.append(Change(table: table, key: key, column: name.nfc, value: try ChangeSet.value(json, "\(place).\(name)"),
                                      stamp: placeholder(rowHLC, rowSite), causalLength: life))
            } catch {
                problem = (pending.count - start, error)
            }
        }
        scratch.stamped.sort { $0.name < $1.name }
        for (name, triple) in scratch.stamped where problem == nil {
            guard triple.count == 3, case .integer(let hlc) = triple[1], case .integer(let site) = triple[2], hlc >= 0 else {
                problem = (pending.count - start, WireError("\(place).\(name): expected [value, hlc offset, site]"))
                break
            }
            do throws(WireError) {
                pending.append(Change(table: table, key: key, column: name.nfc, value: try ChangeSet.value(triple[0], "\(place).\(name)"),
                                      stamp: placeholder(UInt64(hlc), site), causalLength: life))
            } catch {
                problem = (pending.count - start, error)
            }
        }
        if problem == nil {
            for change in pending[start...] {
                if let structural = change.structuralProblem {
                    problem = (pending.count - start, WireError("\(place): \(structural)"))
                    break
                }
            }
        }
        rows.append(ReceivedRow(table: table, key: rawKey, h: rowHLC, s: rowSite, changes: start..<pending.count, problem: problem))
    }
}

extension ChangeSet {
    /// `[["site id", "UNIT"], ...]` (the unit may be null or absent).
    static func readSites(from scanner: inout JSONScanner, path: String) throws(WireError) -> [SiteEntry] {
        try scanner.beginArray(path)
        var list: [SiteEntry] = []
        var firstSite = true
        while try scanner.nextElement(first: &firstSite, path) {
            let place = "\(path)[\(list.count)]"
            try scanner.beginArray(place)
            var firstPart = true
            guard try scanner.nextElement(first: &firstPart, place) else { throw WireError("\(place): expected [\"site id\", \"UNIT\"]") }
            let site = try scanner.readString(place + "[0]")
            var unit: String?
            if try scanner.nextElement(first: &firstPart, place) {
                unit = scanner.readNull() ? nil : try scanner.readString(place + "[1]")
                // Like `JSONDecoder`, members after the unit are not read: skip them.
                while try scanner.nextElement(first: &firstPart, place) { _ = try scanner.readValue(place) }
            }
            list.append(SiteEntry(site: site, unit: unit))
        }
        return list
    }

    /// A row marker: `1`, `[hlc offset, site]`, or null (no marker).
    static func readMarker(from scanner: inout JSONScanner, path: String) throws(WireError) -> Stamped? {
        if scanner.readNull() { return nil }
        switch try scanner.readValue(path) {
        case .integer(1): return .defaultStamp
        case .integer(let flag): throw WireError("\(path): a row marker must be 1 or [hlc, site], got \(flag)")
        case .array(let pair):
            guard pair.count == 2, case .integer(let hlc) = pair[0], hlc >= 0, case .integer(let site) = pair[1], site >= 0 else {
                throw WireError("\(path): a row marker must be 1 or [hlc, site]")
            }
            return .own(hlc: UInt64(hlc), site: Int(site))
        default: throw WireError("\(path): a row marker must be 1 or [hlc, site]")
        }
    }
}

/// `POST /v1/push` as the hub reads it: the change set straight into changes.
public struct ReceivedPush: Sendable, JSONReadable {
    public var through: WireCursor
    public var changes: ReceivedChangeSet

    static func read(from scanner: inout JSONScanner, path: String) throws(WireError) -> Self {
        let (through, changes) = try readPush(from: &scanner, path: path) { scanner, path throws(WireError) in
            try ReceivedChangeSet.read(from: &scanner, path: path)
        }
        return Self(through: through, changes: changes)
    }
}

/// A `GET /v1/pull` page as the node reads it: the change set straight into changes.
public struct ReceivedPullPage: Sendable, JSONReadable {
    public var changes: ReceivedChangeSet
    public var next: WireCursor
    public var more: Bool
    public var hubVersion: Int64

    static func read(from scanner: inout JSONScanner, path: String) throws(WireError) -> Self {
        let page = try readPull(from: &scanner, path: path) { scanner, path throws(WireError) in
            try ReceivedChangeSet.read(from: &scanner, path: path)
        }
        return Self(changes: page.changes, next: page.next, more: page.more, hubVersion: page.hubVersion)
    }
}

extension ReceivedChangeSet: JSONReadable {}

/// The members of one row object of a change set, as both readers need them: the row model
/// (``ChangeSet/RowChanges``) and ``ReceivedChangeSet``. A row's fields may arrive before its
/// table, key and stamp, so they are kept here — in buffers reused from row to row — until the
/// object ends.
struct RowScratch {
    var t = "", k = ""
    var l: UInt64 = 0, h: UInt64 = 0
    var s = 0
    var m: ChangeSet.Stamped?
    /// `c` and `x` as written, a repeated name replacing the first; `hasFields`/`hasStamped`
    /// tell an empty object from an absent (or null) member.
    var fields: [(name: String, value: JSONValue)] = []
    var stamped: [(name: String, value: [JSONValue])] = []
    var hasFields = false, hasStamped = false

    /// Reads element `index` of the rows array at `rows` (the path is built only for errors).
    mutating func read(from scanner: inout JSONScanner, in rows: String, at index: Int) throws(WireError) {
        var path: String { "\(rows)[\(index)]" }
        var t: String?, k: String?, l: UInt64?, h: UInt64?, s: Int?
        m = nil
        fields.removeAll(keepingCapacity: true)
        stamped.removeAll(keepingCapacity: true)
        hasFields = false
        hasStamped = false
        try scanner.beginObject(path)
        var first = true
        while let key = try scanner.nextKey(first: &first, path) {
            switch key {
            case "t": t = try scanner.readString(path + ".t")
            case "k": k = try scanner.readString(path + ".k")
            case "l": l = try scanner.readUInt64(path + ".l")
            case "h": h = try scanner.readUInt64(path + ".h")
            case "s": s = Int(try scanner.readInt(in: Int64(Int.min)...Int64(Int.max), path + ".s"))
            case "m": m = try ChangeSet.readMarker(from: &scanner, path: path + ".m")
            case "c":
                fields.removeAll(keepingCapacity: true)
                hasFields = !scanner.readNull()
                guard hasFields else { continue }
                try scanner.beginObject(path + ".c")
                var firstField = true
                while let name = try scanner.nextKey(first: &firstField, path + ".c") {
                    Self.set(name, try scanner.readValue("\(path).c.\(name)"), in: &fields)
                }
            case "x":
                stamped.removeAll(keepingCapacity: true)
                hasStamped = !scanner.readNull()
                guard hasStamped else { continue }
                try scanner.beginObject(path + ".x")
                var firstField = true
                while let name = try scanner.nextKey(first: &firstField, path + ".x") {
                    guard case .array(let triple) = try scanner.readValue("\(path).x.\(name)") else {
                        throw WireError("\(path).x.\(name): expected [value, hlc offset, site]")
                    }
                    Self.set(name, triple, in: &stamped)
                }
            default:
                _ = try scanner.readValue(member(path, key))
            }
        }
        func required<T>(_ value: T?, _ name: String) throws(WireError) -> T {
            guard let value else { throw WireError("missing field \(path).\(name)") }
            return value
        }
        self.t = try required(t, "t")
        self.k = try required(k, "k")
        self.l = try required(l, "l")
        self.h = try required(h, "h")
        self.s = try required(s, "s")
    }

    /// A repeated name replaces the first, as in a dictionary.
    private static func set<Value>(_ name: String, _ value: Value, in list: inout [(name: String, value: Value)]) {
        if let i = list.firstIndex(where: { $0.name == name }) { list[i].value = value } else { list.append((name, value)) }
    }
}
