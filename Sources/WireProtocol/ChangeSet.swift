import CRDT
import Foundation
import ReformData

/// A set of changes as it travels: in a push or pull body, or in an exchange file.
///
/// Changes are grouped by row. Each row names a default stamp (`h`, `s`) that its marker and
/// most of its fields share; fields written at another time carry their own. Sites are listed
/// once, with their unit, and referred to by position; HLCs are offsets from `hlc0`. With gzip
/// this keeps a change to a few bytes on the wire. See `Protocol/README.md`, "Change sets".
///
/// ```json
/// {"format":"reformsync.changes","protocol":1,"schema":1,"hlc0":108500000000000000,
///  "sites":[["3f2a9c0d5e6b7a81","SONDUONG"]],
///  "rows":[{"t":"initiatives","k":"SD-2022-1","l":1,"h":0,"s":0,"m":1,"c":{"title":"Một cửa"}}]}
/// ```
public struct ChangeSet: Codable, Sendable, Equatable {
    public static let formatName = "reformsync.changes"

    public var format: String
    public var `protocol`: Int
    public var schema: Int
    /// The smallest HLC in the set; row and field HLCs are offsets from it.
    public var hlc0: UInt64
    /// Site id and unit (null when unknown), referred to by position.
    public var sites: [SiteEntry]
    public var rows: [RowChanges]
    /// Where the changes come from and up to which version (exchange files only).
    public var source: Source?

    public init(format: String = ChangeSet.formatName, protocol: Int, schema: Int, hlc0: UInt64, sites: [SiteEntry], rows: [RowChanges],
                source: Source? = nil) {
        self.format = format
        self.protocol = `protocol`
        self.schema = schema
        self.hlc0 = hlc0
        self.sites = sites
        self.rows = rows
        self.source = source
    }

    public struct Source: Codable, Sendable, Equatable {
        public var site: String
        public var unit: String
        /// The sender's cursor after these changes: pass it as `--since` for the next export.
        public var version: Int64
        public var since: Int64?

        public init(site: String, unit: String, version: Int64, since: Int64? = nil) {
            self.site = site
            self.unit = unit
            self.version = version
            self.since = since
        }
    }

    /// The changes of one row.
    public struct RowChanges: Codable, Sendable, Equatable {
        /// Table.
        public var t: String
        /// Row key.
        public var k: String
        /// Causal length.
        public var l: UInt64
        /// Default stamp: HLC offset from `hlc0`, and site position.
        public var h: UInt64
        public var s: Int
        /// Row marker: 1 when it carries the default stamp, or `[hlc offset, site]`.
        public var m: Stamped?
        /// Fields written with the default stamp.
        public var c: [String: JSONValue]?
        /// Fields written with another stamp: `[value, hlc offset, site]`.
        public var x: [String: [JSONValue]]?

        public init(t: String, k: String, l: UInt64, h: UInt64, s: Int, m: Stamped?, c: [String: JSONValue]?, x: [String: [JSONValue]]?) {
            self.t = t
            self.k = k
            self.l = l
            self.h = h
            self.s = s
            self.m = m
            self.c = c
            self.x = x
        }
    }

    /// A row marker: present with the row's default stamp, or with its own.
    public enum Stamped: Codable, Sendable, Equatable {
        case defaultStamp
        case own(hlc: UInt64, site: Int)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Int.self) {
                guard flag == 1 else { throw WireError("a row marker must be 1 or [hlc, site], got \(flag)") }
                self = .defaultStamp
            } else {
                let pair = try container.decode([UInt64].self)
                guard pair.count == 2, pair[1] <= UInt64(Int.max) else { throw WireError("a row marker must be 1 or [hlc, site]") }
                self = .own(hlc: pair[0], site: Int(pair[1]))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .defaultStamp: try container.encode(1)
            case let .own(hlc, site): try container.encode([hlc, UInt64(site)])
            }
        }
    }

    /// A site and its unit, encoded as `["site id", "UNIT"]`.
    public struct SiteEntry: Codable, Sendable, Equatable {
        public var site: String
        public var unit: String?

        public init(site: String, unit: String?) {
            self.site = site
            self.unit = unit
        }

        public init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            site = try container.decode(String.self)
            unit = container.isAtEnd ? nil : try container.decodeNil() ? nil : try container.decode(String.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            try container.encode(site)
            if let unit { try container.encode(unit) } else { try container.encodeNil() }
        }
    }
}
