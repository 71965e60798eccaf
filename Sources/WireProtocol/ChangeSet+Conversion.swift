import CRDT
import Foundation
import ReformData

extension ChangeSet {
    /// Encodes changes (grouped by row as `Replica.changes(after:)` returns them).
    public init(changes: [Change], siteUnits: [SiteID: String], schemaVersion: Int, source: Source? = nil) {
        format = Self.formatName
        self.protocol = ProtocolVersion.current
        schema = schemaVersion
        var layout = RowLayout(changes)
        let hlc0 = layout.hlc0
        var rows: [RowChanges] = []
        layout.forEachRow { group, common, position in
            let first = changes[group.lowerBound]
            var row = RowChanges(t: first.table, k: first.key, l: first.causalLength, h: common.hlc.rawValue - hlc0, s: position[common.site]!,
                                 m: nil, c: nil, x: nil)
            for i in group {
                let change = changes[i]
                let json = Self.json(change.value)
                if let column = change.column {
                    if change.stamp == common {
                        row.c = row.c ?? [:]
                        row.c![column] = json
                    } else {
                        row.x = row.x ?? [:]
                        row.x![column] = [json, .integer(Int64(change.hlc.rawValue - hlc0)), .integer(Int64(position[change.site]!))]
                    }
                } else {
                    row.m = change.stamp == common ? .defaultStamp : .own(hlc: change.hlc.rawValue - hlc0, site: position[change.site]!)
                }
            }
            rows.append(row)
        }
        self.hlc0 = hlc0
        self.source = source
        self.sites = layout.sites.map { SiteEntry(site: $0.rawValue, unit: siteUnits[$0]) }
        self.rows = rows
    }

    /// The JSON of `ChangeSet(changes:siteUnits:schemaVersion:source:)`, written straight from
    /// the changes (see ``write(changes:siteUnits:schemaVersion:source:to:)``).
    public static func json(changes: [Change], siteUnits: [SiteID: String], schemaVersion: Int, source: Source? = nil) -> [UInt8] {
        var writer = JSONWriter()
        write(changes: changes, siteUnits: siteUnits, schemaVersion: schemaVersion, source: source, to: &writer)
        return writer.bytes
    }

    /// Writes the JSON of `ChangeSet(changes:siteUnits:schemaVersion:source:)` straight from the
    /// changes, without building the row model: the same bytes (the tests compare them).
    static func write(changes: [Change], siteUnits: [SiteID: String], schemaVersion: Int, source: Source? = nil, to writer: inout JSONWriter) {
        var layout = RowLayout(changes)
        let hlc0 = layout.hlc0
        writer.raw("{\"format\":")
        writer.string(formatName)
        writer.raw(",\"hlc0\":")
        writer.unsigned(hlc0)
        writer.raw(",\"protocol\":")
        writer.integer(Int64(ProtocolVersion.current))
        writer.raw(",\"rows\":[")
        var fields: [(name: String, index: Int)] = []
        var stamped: [(name: String, index: Int)] = []
        var firstRow = true
        layout.forEachRow { group, common, position in
            if !firstRow { writer.byte(UInt8(ascii: ",")) }
            firstRow = false
            let first = changes[group.lowerBound]
            fields.removeAll(keepingCapacity: true)
            stamped.removeAll(keepingCapacity: true)
            var marker: Int?
            for i in group {
                if let column = changes[i].column {
                    if changes[i].stamp == common { fields.append((column, i)) } else { stamped.append((column, i)) }
                } else {
                    marker = i
                }
            }
            writer.byte(UInt8(ascii: "{"))
            if !fields.isEmpty {
                writer.raw("\"c\":{")
                for (n, (name, i)) in Self.lastByName(&fields).enumerated() {
                    if n > 0 { writer.byte(UInt8(ascii: ",")) }
                    writer.string(name)
                    writer.byte(UInt8(ascii: ":"))
                    writer.value(json(changes[i].value))
                }
                writer.raw("},")
            }
            writer.raw("\"h\":")
            writer.unsigned(common.hlc.rawValue - hlc0)
            writer.raw(",\"k\":")
            writer.string(first.key)
            writer.raw(",\"l\":")
            writer.unsigned(first.causalLength)
            if let marker {
                if changes[marker].stamp == common {
                    writer.raw(",\"m\":1")
                } else {
                    writer.raw(",\"m\":[")
                    writer.unsigned(changes[marker].hlc.rawValue - hlc0)
                    writer.byte(UInt8(ascii: ","))
                    writer.integer(Int64(position[changes[marker].site]!))
                    writer.byte(UInt8(ascii: "]"))
                }
            }
            writer.raw(",\"s\":")
            writer.integer(Int64(position[common.site]!))
            writer.raw(",\"t\":")
            writer.string(first.table)
            if !stamped.isEmpty {
                writer.raw(",\"x\":{")
                for (n, (name, i)) in Self.lastByName(&stamped).enumerated() {
                    if n > 0 { writer.byte(UInt8(ascii: ",")) }
                    writer.string(name)
                    writer.raw(":[")
                    writer.value(json(changes[i].value))
                    writer.byte(UInt8(ascii: ","))
                    writer.unsigned(changes[i].hlc.rawValue - hlc0)
                    writer.byte(UInt8(ascii: ","))
                    writer.integer(Int64(position[changes[i].site]!))
                    writer.byte(UInt8(ascii: "]"))
                }
                writer.byte(UInt8(ascii: "}"))
            }
            writer.byte(UInt8(ascii: "}"))
        }
        writer.raw("],\"schema\":")
        writer.integer(Int64(schemaVersion))
        writer.raw(",\"sites\":[")
        for (n, site) in layout.sites.enumerated() {
            if n > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.byte(UInt8(ascii: "["))
            writer.string(site.rawValue)
            writer.byte(UInt8(ascii: ","))
            if let unit = siteUnits[site] { writer.string(unit) } else { writer.raw("null") }
            writer.byte(UInt8(ascii: "]"))
        }
        writer.byte(UInt8(ascii: "]"))
        if let source {
            writer.raw(",\"source\":")
            source.write(to: &writer)
        }
        writer.byte(UInt8(ascii: "}"))
    }

    /// Fields sorted as `.sortedKeys` writes them, the last of each name winning (a dictionary's rule).
    private static func lastByName(_ list: inout [(name: String, index: Int)]) -> [(name: String, index: Int)] {
        list.sort { JSONWriter.keyOrder($0.name, $1.name) || ($0.name == $1.name && $0.index < $1.index) }
        var result: [(name: String, index: Int)] = []
        for entry in list {
            if let last = result.last, last.name == entry.name { result[result.count - 1] = entry } else { result.append(entry) }
        }
        return result
    }

    /// Decodes and checks the changes; text and keys are normalised to NFC.
    ///
    /// Table and field names are returned as sent: the replica checks them against the schema
    /// before they come near SQL.
    public func decodedChanges() throws(WireError) -> (changes: [Change], siteUnits: [SiteID: String]) {
        let (siteIDs, siteUnits) = try Header(format: format, protocol: self.protocol, schema: schema, hlc0: hlc0, sites: sites, source: source)
            .resolvedSites()
        func stamp(_ offset: UInt64, _ site: Int, _ where: @autoclosure () -> String) throws(WireError) -> Stamp {
            guard site >= 0 && site < siteIDs.count else { throw WireError("\(`where`()): site \(site) is not in sites (\(siteIDs.count) listed)") }
            let (hlc, overflow) = hlc0.addingReportingOverflow(offset)
            guard !overflow else { throw WireError("\(`where`()): hlc offset \(offset) overflows") }
            return Stamp(hlc: HLC(rawValue: hlc), site: siteIDs[site])
        }
        var changes: [Change] = []
        changes.reserveCapacity(rows.count * 4)
        for (i, row) in rows.enumerated() {
            // Only built for an error message.
            func place() -> String { "rows[\(i)] (\(row.t) \(row.k))" }
            let key = row.k.nfc
            let rowStamp = try stamp(row.h, row.s, place())
            switch row.m {
            case .defaultStamp?:
                changes.append(Change(table: row.t, key: key, column: nil, value: .null, stamp: rowStamp, causalLength: row.l))
            case let .own(hlc, site)?:
                changes.append(Change(table: row.t, key: key, column: nil, value: .null, stamp: try stamp(hlc, site, place()), causalLength: row.l))
            case nil:
                break
            }
            for (column, json) in (row.c ?? [:]).sorted(by: { $0.key < $1.key }) {
                changes.append(Change(table: row.t, key: key, column: column.nfc, value: try Self.value(json, "\(place()).\(column)"),
                                      stamp: rowStamp, causalLength: row.l))
            }
            for (column, triple) in (row.x ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard triple.count == 3, case .integer(let hlc) = triple[1], case .integer(let site) = triple[2], hlc >= 0 else {
                    throw WireError("\(place()).\(column): expected [value, hlc offset, site]")
                }
                changes.append(Change(table: row.t, key: key, column: column.nfc, value: try Self.value(triple[0], "\(place()).\(column)"),
                                      stamp: try stamp(UInt64(hlc), Int(site), place()), causalLength: row.l))
            }
            for change in changes.suffix(from: changes.count - ((row.m == nil ? 0 : 1) + (row.c?.count ?? 0) + (row.x?.count ?? 0))) {
                if let problem = change.structuralProblem { throw WireError("\(place()): \(problem)") }
            }
        }
        return (changes, siteUnits)
    }

    static func json(_ value: Value) -> JSONValue {
        switch value {
        case .null: return .null
        case .integer(let i): return .integer(i)
        case .real(let d): return .double(d)
        case .text(let s): return .string(s)
        }
    }

    static func value(_ json: JSONValue, _ place: @autoclosure () -> String) throws(WireError) -> Value {
        switch json {
        case .null: return .null
        case .integer(let i): return .integer(i)
        case .double(let d):
            guard d.isFinite else { throw WireError("\(place()): number is not finite") }
            return .real(d)
        case .string(let s): return .text(s.nfc)
        case .bool(let b): return .integer(b ? 1 : 0)
        case .array, .object: throw WireError("\(place()): a field value must be null, a number or text")
        }
    }
}

/// How a list of changes becomes rows: runs of changes with the same table, key and causal
/// length; each row's default stamp (the one most of its changes carry); site positions in
/// order of first use. Shared by the row model and the direct writer, so both number alike.
struct RowLayout {
    let changes: [Change]
    let hlc0: UInt64
    private(set) var sites: [SiteID] = []
    private var siteIndex: [SiteID: Int] = [:]

    init(_ changes: [Change]) {
        self.changes = changes
        var hlc0 = UInt64.max
        for change in changes { hlc0 = min(hlc0, change.hlc.rawValue) }
        self.hlc0 = changes.isEmpty ? 0 : hlc0
    }

    private mutating func index(_ site: SiteID) {
        guard siteIndex[site] == nil else { return }
        siteIndex[site] = sites.count
        sites.append(site)
    }

    /// Calls `body` with each row's range, its default stamp, and the position of every site
    /// seen so far. Positions are given in order of first use: a row's default stamp's site first,
    /// then the sites of its other changes in order.
    mutating func forEachRow(_ body: (Range<Int>, Stamp, _ position: [SiteID: Int]) -> Void) {
        var start = changes.startIndex
        var counts: [Stamp: Int] = [:]
        while start < changes.endIndex {
            var end = start + 1
            while end < changes.endIndex && changes[end].key == changes[start].key && changes[end].table == changes[start].table
                && changes[end].causalLength == changes[start].causalLength { end += 1 }
            counts.removeAll(keepingCapacity: true)
            for i in start..<end { counts[changes[i].stamp, default: 0] += 1 }
            let common = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }!.key
            index(common.site)
            for i in start..<end where changes[i].stamp != common { index(changes[i].site) }
            body(start..<end, common, siteIndex)
            start = end
        }
    }
}
