import CRDT
import ReformData

// Hand-written JSON for the messages that carry change sets (push requests, pull pages, exchange
// files). `WireJSON` uses it instead of `JSONEncoder`/`JSONDecoder` for these types; the output
// is byte for byte what `JSONEncoder` writes, and the tests decode every vector both ways.

/// A message that writes its own JSON (members in sorted order, as ``WireJSON`` promises).
protocol JSONWritable {
    func write(to writer: inout JSONWriter)
}

/// A message that reads itself from JSON; `path` names where it sits, for error messages.
protocol JSONReadable {
    static func read(from scanner: inout JSONScanner, path: String) throws(WireError) -> Self
}

/// `"a.b"` for member `b` under path `a`; the bare name at the top level.
@inline(__always)
func member(_ path: String, _ name: String) -> String { path.isEmpty ? name : path + "." + name }

extension ChangeSet: JSONWritable, JSONReadable {
    func write(to writer: inout JSONWriter) {
        writer.byte(UInt8(ascii: "{"))
        writer.key("format")
        writer.string(format)
        writer.raw(",")
        writer.key("hlc0")
        writer.unsigned(hlc0)
        writer.raw(",")
        writer.key("protocol")
        writer.integer(Int64(self.protocol))
        writer.raw(",")
        writer.key("rows")
        writer.byte(UInt8(ascii: "["))
        for (i, row) in rows.enumerated() {
            if i > 0 { writer.byte(UInt8(ascii: ",")) }
            row.write(to: &writer)
        }
        writer.byte(UInt8(ascii: "]"))
        writer.raw(",")
        writer.key("schema")
        writer.integer(Int64(schema))
        writer.raw(",")
        writer.key("sites")
        writer.byte(UInt8(ascii: "["))
        for (i, entry) in sites.enumerated() {
            if i > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.byte(UInt8(ascii: "["))
            writer.string(entry.site)
            writer.byte(UInt8(ascii: ","))
            if let unit = entry.unit { writer.string(unit) } else { writer.raw("null") }
            writer.byte(UInt8(ascii: "]"))
        }
        writer.byte(UInt8(ascii: "]"))
        if let source {
            writer.raw(",")
            writer.key("source")
            source.write(to: &writer)
        }
        writer.byte(UInt8(ascii: "}"))
    }

    static func read(from scanner: inout JSONScanner, path: String) throws(WireError) -> ChangeSet {
        var rows: [RowChanges] = []
        let header = try Header.read(from: &scanner, path: path) { scanner, rowsPath, index throws(WireError) in
            if index == 0 { rows.removeAll() }
            rows.append(try RowChanges.read(from: &scanner, in: rowsPath, at: index))
        }
        return ChangeSet(format: header.format, protocol: header.protocol, schema: header.schema, hlc0: header.hlc0,
                         sites: header.sites, rows: rows, source: header.source)
    }

    /// The members of a change set other than its rows, which `readRow` reads one by one.
    struct Header {
        var format: String
        var `protocol`: Int
        var schema: Int
        var hlc0: UInt64
        var sites: [SiteEntry]
        var source: Source?

        static func read(from scanner: inout JSONScanner, path: String,
                         readRow: (inout JSONScanner, String, Int) throws(WireError) -> Void) throws(WireError) -> Header {
            var format: String?, version: Int?, schema: Int?, hlc0: UInt64?
            var sites: [SiteEntry]?, source: Source?
            var sawRows = false
            try scanner.beginObject(path)
            var first = true
            while let key = try scanner.nextKey(first: &first, path) {
                switch key {
                case "format": format = try scanner.readString(member(path, key))
                case "protocol": version = Int(try scanner.readInt(in: Int64(Int.min)...Int64(Int.max), member(path, key)))
                case "schema": schema = Int(try scanner.readInt(in: Int64(Int.min)...Int64(Int.max), member(path, key)))
                case "hlc0": hlc0 = try scanner.readUInt64(member(path, key))
                case "sites": sites = try ChangeSet.readSites(from: &scanner, path: member(path, key))
                case "rows":
                    // (The scanner refuses a repeated member name, so `rows` comes once and `readRow` starts at 0.)
                    let rowsPath = member(path, key)
                    try scanner.beginArray(rowsPath)
                    var firstRow = true
                    var index = 0
                    while try scanner.nextElement(first: &firstRow, rowsPath) {
                        try readRow(&scanner, rowsPath, index)
                        index += 1
                    }
                    sawRows = true
                case "source":
                    source = scanner.readNull() ? nil : try Source.read(from: &scanner, path: member(path, key))
                default:
                    _ = try scanner.readValue(member(path, key))
                }
            }
            func required<T>(_ value: T?, _ name: String) throws(WireError) -> T {
                guard let value else { throw WireError("missing field \(member(path, name))") }
                return value
            }
            let header = Header(format: try required(format, "format"), protocol: try required(version, "protocol"),
                                schema: try required(schema, "schema"), hlc0: try required(hlc0, "hlc0"),
                                sites: try required(sites, "sites"), source: source)
            _ = try required(sawRows ? true : nil, "rows")
            return header
        }

        /// Checks the format, the protocol version and the site ids; gives the sites by position
        /// and the unit of each (NFC).
        func resolvedSites() throws(WireError) -> (ids: [SiteID], units: [SiteID: String]) {
            guard format == ChangeSet.formatName else { throw WireError("format is \"\(format)\", expected \"\(ChangeSet.formatName)\"") }
            guard ProtocolVersion.supported.contains(self.protocol) else {
                throw WireError("protocol version \(self.protocol) is not supported (this build speaks \(ProtocolVersion.supported.map(String.init).joined(separator: ", ")))")
            }
            var ids: [SiteID] = []
            var units: [SiteID: String] = [:]
            for (i, entry) in sites.enumerated() {
                guard let site = SiteID(entry.site) else { throw WireError("sites[\(i)]: \"\(entry.site)\" is not a site id (16 hex digits)") }
                ids.append(site)
                if let unit = entry.unit { units[site] = unit.nfc }
            }
            return (ids, units)
        }
    }
}

extension ChangeSet.RowChanges {
    func write(to writer: inout JSONWriter) {
        writer.byte(UInt8(ascii: "{"))
        if let c {
            writer.key("c")
            writer.byte(UInt8(ascii: "{"))
            for (i, name) in c.keys.sorted(by: JSONWriter.keyOrder).enumerated() {
                if i > 0 { writer.byte(UInt8(ascii: ",")) }
                writer.string(name)
                writer.byte(UInt8(ascii: ":"))
                writer.value(c[name]!)
            }
            writer.raw("},")
        }
        writer.key("h")
        writer.unsigned(h)
        writer.raw(",")
        writer.key("k")
        writer.string(k)
        writer.raw(",")
        writer.key("l")
        writer.unsigned(l)
        writer.raw(",")
        switch m {
        case .defaultStamp?:
            writer.raw("\"m\":1,")
        case let .own(hlc, site)?:
            writer.raw("\"m\":[")
            writer.unsigned(hlc)
            writer.byte(UInt8(ascii: ","))
            writer.integer(Int64(site))
            writer.raw("],")
        case nil:
            break
        }
        writer.key("s")
        writer.integer(Int64(s))
        writer.raw(",")
        writer.key("t")
        writer.string(t)
        if let x {
            writer.raw(",")
            writer.key("x")
            writer.byte(UInt8(ascii: "{"))
            for (i, name) in x.keys.sorted(by: JSONWriter.keyOrder).enumerated() {
                if i > 0 { writer.byte(UInt8(ascii: ",")) }
                writer.string(name)
                writer.byte(UInt8(ascii: ":"))
                writer.value(.array(x[name]!))
            }
            writer.byte(UInt8(ascii: "}"))
        }
        writer.byte(UInt8(ascii: "}"))
    }

    /// Reads element `index` of the rows array at `rows` (the path is built only for errors).
    static func read(from scanner: inout JSONScanner, in rows: String, at index: Int) throws(WireError) -> Self {
        var row = RowScratch()
        try row.read(from: &scanner, in: rows, at: index)
        return Self(t: row.t, k: row.k, l: row.l, h: row.h, s: row.s, m: row.m,
                    c: row.hasFields ? Dictionary(row.fields, uniquingKeysWith: { _, last in last }) : nil,
                    x: row.hasStamped ? Dictionary(row.stamped, uniquingKeysWith: { _, last in last }) : nil)
    }
}

extension ChangeSet.Source {
    func write(to writer: inout JSONWriter) {
        writer.byte(UInt8(ascii: "{"))
        if let since {
            writer.key("since")
            writer.integer(since)
            writer.raw(",")
        }
        writer.key("site")
        writer.string(site)
        writer.raw(",")
        writer.key("unit")
        writer.string(unit)
        writer.raw(",")
        writer.key("version")
        writer.integer(version)
        writer.byte(UInt8(ascii: "}"))
    }

    static func read(from scanner: inout JSONScanner, path: String) throws(WireError) -> Self {
        var site: String?, unit: String?, version: Int64?, since: Int64?
        try scanner.beginObject(path)
        var first = true
        while let key = try scanner.nextKey(first: &first, path) {
            switch key {
            case "site": site = try scanner.readString(path + ".site")
            case "unit": unit = try scanner.readString(path + ".unit")
            case "version": version = try scanner.readInt(in: Int64.min...Int64.max, path + ".version")
            case "since": since = scanner.readNull() ? nil : try scanner.readInt(in: Int64.min...Int64.max, path + ".since")
            default: _ = try scanner.readValue(member(path, key))
            }
        }
        guard let site else { throw WireError("missing field \(path).site") }
        guard let unit else { throw WireError("missing field \(path).unit") }
        guard let version else { throw WireError("missing field \(path).version") }
        return Self(site: site, unit: unit, version: version, since: since)
    }
}

extension WireCursor {
    func write(to writer: inout JSONWriter) {
        writer.raw("{\"baseline\":")
        writer.integer(baseline)
        writer.raw(",\"position\":")
        writer.integer(position)
        writer.byte(UInt8(ascii: "}"))
    }

    static func read(from scanner: inout JSONScanner, path: String) throws(WireError) -> Self {
        var baseline: Int64?, position: Int64?
        try scanner.beginObject(path)
        var first = true
        while let key = try scanner.nextKey(first: &first, path) {
            switch key {
            case "baseline": baseline = try scanner.readInt(in: Int64.min...Int64.max, path + ".baseline")
            case "position": position = try scanner.readInt(in: Int64.min...Int64.max, path + ".position")
            default: _ = try scanner.readValue(member(path, key))
            }
        }
        guard let baseline else { throw WireError("missing field \(path).baseline") }
        guard let position else { throw WireError("missing field \(path).position") }
        return Self(baseline: baseline, position: position)
    }
}

extension PushRequest: JSONWritable, JSONReadable {
    func write(to writer: inout JSONWriter) {
        writer.raw("{\"changes\":")
        changes.write(to: &writer)
        writer.raw(",\"through\":")
        through.write(to: &writer)
        writer.byte(UInt8(ascii: "}"))
    }

    static func read(from scanner: inout JSONScanner, path: String) throws(WireError) -> Self {
        let (through, changes) = try readPush(from: &scanner, path: path) { scanner, path throws(WireError) in try ChangeSet.read(from: &scanner, path: path) }
        return Self(through: through, changes: changes)
    }
}

/// The members of a push request, with the change set read by `readChanges`.
func readPush<Changes>(from scanner: inout JSONScanner, path: String,
                       _ readChanges: (inout JSONScanner, String) throws(WireError) -> Changes) throws(WireError) -> (WireCursor, Changes) {
    var changes: Changes?, through: WireCursor?
    try scanner.beginObject(path)
    var first = true
    while let key = try scanner.nextKey(first: &first, path) {
        switch key {
        case "changes": changes = try readChanges(&scanner, member(path, key))
        case "through": through = try WireCursor.read(from: &scanner, path: member(path, key))
        default: _ = try scanner.readValue(member(path, key))
        }
    }
    guard let through else { throw WireError("missing field \(member(path, "through"))") }
    guard let changes else { throw WireError("missing field \(member(path, "changes"))") }
    return (through, changes)
}

/// The members of a pull page, with the change set read by `readChanges`.
func readPull<Changes>(from scanner: inout JSONScanner, path: String,
                       _ readChanges: (inout JSONScanner, String) throws(WireError) -> Changes) throws(WireError)
    -> (changes: Changes, next: WireCursor, more: Bool, hubVersion: Int64) {
    var changes: Changes?, next: WireCursor?, more: Bool?, hubVersion: Int64?
    try scanner.beginObject(path)
    var first = true
    while let key = try scanner.nextKey(first: &first, path) {
        switch key {
        case "changes": changes = try readChanges(&scanner, member(path, key))
        case "next": next = try WireCursor.read(from: &scanner, path: member(path, key))
        case "more": more = try scanner.readBool(member(path, key))
        case "hub_version": hubVersion = try scanner.readInt(in: Int64.min...Int64.max, member(path, key))
        default: _ = try scanner.readValue(member(path, key))
        }
    }
    guard let changes else { throw WireError("missing field \(member(path, "changes"))") }
    guard let next else { throw WireError("missing field \(member(path, "next"))") }
    guard let more else { throw WireError("missing field \(member(path, "more"))") }
    guard let hubVersion else { throw WireError("missing field \(member(path, "hub_version"))") }
    return (changes, next, more, hubVersion)
}

extension PullResponse: JSONWritable, JSONReadable {
    func write(to writer: inout JSONWriter) {
        writer.raw("{\"changes\":")
        changes.write(to: &writer)
        writer.raw(",\"hub_version\":")
        writer.integer(hubVersion)
        writer.raw(",\"more\":")
        writer.bool(more)
        writer.raw(",\"next\":")
        next.write(to: &writer)
        writer.byte(UInt8(ascii: "}"))
    }

    static func read(from scanner: inout JSONScanner, path: String) throws(WireError) -> Self {
        let page = try readPull(from: &scanner, path: path) { scanner, path throws(WireError) in try ChangeSet.read(from: &scanner, path: path) }
        return Self(changes: page.changes, next: page.next, more: page.more, hubVersion: page.hubVersion)
    }
}

/// A push request as the node sends it: written straight from the changes (see
/// ``ChangeSet/write(changes:siteUnits:schemaVersion:source:to:)``); `Encodable` through the
/// row model, which writes the same JSON.
public struct OutgoingPush: Encodable, Sendable, JSONWritable {
    public var through: WireCursor
    public var changes: [Change]
    public var siteUnits: [SiteID: String]
    public var schemaVersion: Int
    public var source: ChangeSet.Source?

    public init(through: WireCursor, changes: [Change], siteUnits: [SiteID: String], schemaVersion: Int, source: ChangeSet.Source?) {
        self.through = through
        self.changes = changes
        self.siteUnits = siteUnits
        self.schemaVersion = schemaVersion
        self.source = source
    }

    /// The same message in the row model.
    public var model: PushRequest {
        PushRequest(through: through, changes: ChangeSet(changes: changes, siteUnits: siteUnits, schemaVersion: schemaVersion, source: source))
    }

    public func encode(to encoder: any Encoder) throws { try model.encode(to: encoder) }

    func write(to writer: inout JSONWriter) {
        writer.raw("{\"changes\":")
        ChangeSet.write(changes: changes, siteUnits: siteUnits, schemaVersion: schemaVersion, source: source, to: &writer)
        writer.raw(",\"through\":")
        through.write(to: &writer)
        writer.byte(UInt8(ascii: "}"))
    }
}

/// A pull page as the hub sends it: written straight from the changes; `Encodable` through the
/// row model, which writes the same JSON.
public struct OutgoingPullPage: Encodable, Sendable, JSONWritable {
    public var changes: [Change]
    public var siteUnits: [SiteID: String]
    public var schemaVersion: Int
    public var next: WireCursor
    public var more: Bool
    public var hubVersion: Int64

    public init(changes: [Change], siteUnits: [SiteID: String], schemaVersion: Int, next: WireCursor, more: Bool, hubVersion: Int64) {
        self.changes = changes
        self.siteUnits = siteUnits
        self.schemaVersion = schemaVersion
        self.next = next
        self.more = more
        self.hubVersion = hubVersion
    }

    /// The same message in the row model.
    public var model: PullResponse {
        PullResponse(changes: ChangeSet(changes: changes, siteUnits: siteUnits, schemaVersion: schemaVersion), next: next, more: more,
                     hubVersion: hubVersion)
    }

    public func encode(to encoder: any Encoder) throws { try model.encode(to: encoder) }

    func write(to writer: inout JSONWriter) {
        writer.raw("{\"changes\":")
        ChangeSet.write(changes: changes, siteUnits: siteUnits, schemaVersion: schemaVersion, to: &writer)
        writer.raw(",\"hub_version\":")
        writer.integer(hubVersion)
        writer.raw(",\"more\":")
        writer.bool(more)
        writer.raw(",\"next\":")
        next.write(to: &writer)
        writer.byte(UInt8(ascii: "}"))
    }
}
