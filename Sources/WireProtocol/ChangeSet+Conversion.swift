import CRDT
import Foundation
import ReformData

extension ChangeSet {
    /// Encodes changes (grouped by row as `Replica.changes(after:)` returns them).
    public init(changes: [Change], siteUnits: [SiteID: String], schemaVersion: Int, source: Source? = nil) {
        format = Self.formatName
        self.protocol = ProtocolVersion.current
        schema = schemaVersion
        hlc0 = changes.map(\.hlc.rawValue).min() ?? 0
        self.source = source
        var siteIndex: [SiteID: Int] = [:]
        var sites: [SiteEntry] = []
        func index(_ site: SiteID) -> Int {
            if let i = siteIndex[site] { return i }
            siteIndex[site] = sites.count
            sites.append(SiteEntry(site: site.rawValue, unit: siteUnits[site]))
            return sites.count - 1
        }
        var rows: [RowChanges] = []
        var start = changes.startIndex
        while start < changes.endIndex {
            var end = start + 1
            while end < changes.endIndex && changes[end].key == changes[start].key && changes[end].table == changes[start].table
                && changes[end].causalLength == changes[start].causalLength { end += 1 }
            let group = changes[start..<end]
            // The most common stamp of the row becomes its default.
            var counts: [Stamp: Int] = [:]
            for change in group { counts[change.stamp, default: 0] += 1 }
            let common = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }!.key
            var row = RowChanges(t: group.first!.table, k: group.first!.key, l: group.first!.causalLength,
                                 h: common.hlc.rawValue - hlc0, s: index(common.site), m: nil, c: nil, x: nil)
            for change in group {
                let json = Self.json(change.value)
                if let column = change.column {
                    if change.stamp == common {
                        row.c = row.c ?? [:]
                        row.c![column] = json
                    } else {
                        row.x = row.x ?? [:]
                        row.x![column] = [json, .integer(Int64(change.hlc.rawValue - hlc0)), .integer(Int64(index(change.site)))]
                    }
                } else {
                    row.m = change.stamp == common ? .defaultStamp : .own(hlc: change.hlc.rawValue - hlc0, site: index(change.site))
                }
            }
            rows.append(row)
            start = end
        }
        self.sites = sites
        self.rows = rows
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

    /// The number of changes the set carries.
    public var changeCount: Int {
        rows.reduce(0) { $0 + ($1.m == nil ? 0 : 1) + ($1.c?.count ?? 0) + ($1.x?.count ?? 0) }
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
