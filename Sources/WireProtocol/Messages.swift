import Foundation

// The v1 messages, exactly as Protocol/README.md documents them. Field names are the JSON keys.

/// `POST /v1/handshake` request: who the node is and what it speaks.
public struct HandshakeRequest: Codable, Sendable, Equatable {
    /// Lowest and highest protocol version the node speaks.
    public var protocolMin: Int
    public var protocolMax: Int
    public var schema: Int
    public var site: String
    public var unit: String
    /// The node's wall clock, milliseconds since the Unix epoch.
    public var nodeTimeMs: Int64
    public var software: String?
    /// The `hub_epoch` the node last saw, and how far (its `through.position`) the hub has
    /// acknowledged its pushes under that epoch: a hub that acknowledged more than it now holds
    /// was restored from a copy and takes a new epoch (§6.4). Optional; absent before 0.3.0.
    public var hubEpoch: String?
    public var pushedThrough: Int64?
    /// The node's hybrid logical clock (`last`, §3.1) as a decimal string: every change the node
    /// has written so far is stamped at or below it. The hub keeps the lowest it sees per day to
    /// refuse back-dated season changes (§17.4). Optional; absent before 0.4.0.
    public var nodeClock: String?

    public init(protocolMin: Int = ProtocolVersion.supported.lowerBound, protocolMax: Int = ProtocolVersion.supported.upperBound,
                schema: Int, site: String, unit: String, nodeTimeMs: Int64, software: String? = nil,
                hubEpoch: String? = nil, pushedThrough: Int64? = nil, nodeClock: String? = nil) {
        self.nodeClock = nodeClock
        self.hubEpoch = hubEpoch
        self.pushedThrough = pushedThrough
        self.protocolMin = protocolMin
        self.protocolMax = protocolMax
        self.schema = schema
        self.site = site
        self.unit = unit
        self.nodeTimeMs = nodeTimeMs
        self.software = software
    }

    enum CodingKeys: String, CodingKey {
        case protocolMin = "protocol_min", protocolMax = "protocol_max", schema, site, unit
        case nodeTimeMs = "node_time_ms", software
        case hubEpoch = "hub_epoch", pushedThrough = "pushed_through", nodeClock = "node_clock"
    }
}

/// `POST /v1/handshake` response: the version to use, the hub's identity, time and limits.
public struct HandshakeResponse: Codable, Sendable, Equatable {
    public var `protocol`: Int
    public var schema: Int
    public var hubSite: String
    public var hubUnit: String
    public var hubTimeMs: Int64
    /// Hub time minus node time, in milliseconds (positive: the node's clock is behind).
    public var clockOffsetMs: Int64
    /// Set when the offset exceeds the hub's allowed skew: the node should fix its clock.
    public var clockWarning: String?
    public var hubVersion: Int64
    public var limits: Limits
    /// The hub replica's epoch: it changes when the hub is restored from a backup, and then the
    /// node starts its push and pull cursors again (§6.4). Absent from hubs before 0.3.0.
    public var hubEpoch: String?
    /// What the hub offers beyond protocol 1 as first published (Protocol/README.md §18):
    /// `recheck`, `push_pull`, `live_pull`. Absent from older hubs: then none.
    public var features: [String]?

    public struct Limits: Codable, Sendable, Equatable {
        public var maxBodyBytes: Int
        public var maxBatchChanges: Int
        public var maxClockSkewMs: Int64

        public init(maxBodyBytes: Int, maxBatchChanges: Int, maxClockSkewMs: Int64) {
            self.maxBodyBytes = maxBodyBytes
            self.maxBatchChanges = maxBatchChanges
            self.maxClockSkewMs = maxClockSkewMs
        }

        enum CodingKeys: String, CodingKey {
            case maxBodyBytes = "max_body_bytes", maxBatchChanges = "max_batch_changes", maxClockSkewMs = "max_clock_skew_ms"
        }
    }

    public init(protocol: Int, schema: Int, hubSite: String, hubUnit: String, hubTimeMs: Int64, clockOffsetMs: Int64,
                clockWarning: String?, hubVersion: Int64, limits: Limits, hubEpoch: String? = nil, features: [String]? = nil) {
        self.hubEpoch = hubEpoch
        self.features = features
        self.protocol = `protocol`
        self.schema = schema
        self.hubSite = hubSite
        self.hubUnit = hubUnit
        self.hubTimeMs = hubTimeMs
        self.clockOffsetMs = clockOffsetMs
        self.clockWarning = clockWarning
        self.hubVersion = hubVersion
        self.limits = limits
    }

    enum CodingKeys: String, CodingKey {
        case `protocol`, schema, hubSite = "hub_site", hubUnit = "hub_unit", hubTimeMs = "hub_time_ms"
        case clockOffsetMs = "clock_offset_ms", clockWarning = "clock_warning", hubVersion = "hub_version", limits
        case hubEpoch = "hub_epoch", features
    }
}

/// A position in a replica's change stream, on the wire.
public struct WireCursor: Codable, Sendable, Equatable {
    public var baseline: Int64
    public var position: Int64

    public init(baseline: Int64, position: Int64) {
        self.baseline = baseline
        self.position = position
    }
}

/// `POST /v1/push` request: one bounded batch of the node's changes.
public struct PushRequest: Codable, Sendable, Equatable {
    /// The node's own cursor after this batch; the hub echoes it once the batch is merged.
    public var through: WireCursor
    public var changes: ChangeSet

    public init(through: WireCursor, changes: ChangeSet) {
        self.through = through
        self.changes = changes
    }
}

/// One change the hub refused, and why.
public struct RefusedChange: Codable, Sendable, Equatable, CustomStringConvertible {
    public var table: String
    public var key: String
    /// The field, or nil for the record itself (create, delete).
    public var column: String?
    /// HLC of the refused change (decimal), and its site.
    public var hlc: String
    public var site: String
    /// Machine-readable reason: see Protocol/README.md, "Refusal codes".
    public var code: String
    public var reason: String

    public init(table: String, key: String, column: String?, hlc: String, site: String, code: String, reason: String) {
        self.table = table
        self.key = key
        self.column = column
        self.hlc = hlc
        self.site = site
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(table) '\(key)'\(column.map { ".\($0)" } ?? ""): \(reason) [\(code)]" }
}

/// `POST /v1/push` response.
public struct PushResponse: Codable, Sendable, Equatable {
    /// The `through` cursor of the request: the batch is merged and durable at the hub.
    public var acknowledged: WireCursor
    public var applied: Int
    public var duplicates: Int
    /// Changes that lost to later writes already at the hub (kept in its history).
    public var superseded: Int
    public var refused: [RefusedChange]
    public var hubVersion: Int64

    public init(acknowledged: WireCursor, applied: Int, duplicates: Int, superseded: Int, refused: [RefusedChange], hubVersion: Int64) {
        self.acknowledged = acknowledged
        self.applied = applied
        self.duplicates = duplicates
        self.superseded = superseded
        self.refused = refused
        self.hubVersion = hubVersion
    }

    enum CodingKeys: String, CodingKey {
        case acknowledged, applied, duplicates, superseded, refused, hubVersion = "hub_version"
    }
}

/// `POST /v1/push?pull_position=…` response (Protocol/README.md §18.2): the push's answer and
/// the first pull page, read after the push was merged — a round's push and pull in one exchange.
public struct PushPullResponse: Codable, Sendable, Equatable {
    public var push: PushResponse
    public var pull: PullResponse?

    public init(push: PushResponse, pull: PullResponse?) {
        self.push = push
        self.pull = pull
    }

    public init(from decoder: any Decoder) throws {
        push = try PushResponse(from: decoder)
        pull = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(PullResponse.self, forKey: .pull)
    }

    public func encode(to encoder: any Encoder) throws {
        try push.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(pull, forKey: .pull)
    }

    enum CodingKeys: String, CodingKey { case pull }
}

/// `GET /v1/pull` response: a page of what the node may read.
public struct PullResponse: Codable, Sendable, Equatable {
    public var changes: ChangeSet
    /// Pass as `baseline` and `position` for the next page.
    public var next: WireCursor
    public var more: Bool
    public var hubVersion: Int64

    public init(changes: ChangeSet, next: WireCursor, more: Bool, hubVersion: Int64) {
        self.changes = changes
        self.next = next
        self.more = more
        self.hubVersion = hubVersion
    }

    enum CodingKeys: String, CodingKey {
        case changes, next, more, hubVersion = "hub_version"
    }
}

/// Every error response: `{"error": {"code": "...", "message": "..."}}`.
public struct ErrorResponse: Codable, Sendable, Equatable {
    public struct Body: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
    }

    public var error: Body

    public init(code: String, message: String) { error = Body(code: code, message: message) }
}

/// JSON coding used on the wire: no escaped slashes, keys as declared.
///
/// Change sets and the messages that carry them (push requests, pull pages) are written and read
/// by hand (``JSONWriter``, ``JSONScanner``): the same bytes, several times faster. The other
/// messages go through `JSONEncoder` and `JSONDecoder`.
public enum WireJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        if let value = value as? any JSONWritable {
            var writer = JSONWriter()
            value.write(to: &writer)
            return writer.bytes
        }
        return try encodeWithFoundation(value)
    }

    /// Decodes, turning any decoding failure into a ``WireError`` that says where.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws(WireError) -> T {
        if type is any JSONReadable.Type { return try read(type, from: bytes, what: what) }
        return try decodeWithFoundation(type, from: bytes, what: what)
    }

    /// Reads a message that only the hand-written reader knows (``ReceivedPush``,
    /// ``ReceivedPullPage``, ``ReceivedChangeSet``).
    public static func read<T>(_ type: T.Type, from bytes: [UInt8], what: String) throws(WireError) -> T {
        guard let readable = type as? any JSONReadable.Type else { preconditionFailure("\(type) has no hand-written reader") }
        do {
            return try JSONScanner.scan(bytes) { scanner throws(WireError) in try readable.read(from: &scanner, path: "") } as! T
        } catch {
            throw WireError("\(what): \(error.message)")
        }
    }

    /// `JSONEncoder`, for every type (the tests compare it with the hand-written writer).
    public static func encodeWithFoundation<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return Array(try encoder.encode(value))
    }

    /// `JSONDecoder`, for every type (the tests compare it with the hand-written reader).
    public static func decodeWithFoundation<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws(WireError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as WireError {
            throw error
        } catch let error as DecodingError {
            throw WireError("\(what): \(describe(error))")
        } catch {
            throw WireError("\(what): \(error)")
        }
    }

    public static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            if let wire = context.underlyingError as? WireError { return (path.isEmpty ? "" : "at \(path): ") + wire.message }
            return (path.isEmpty ? "" : "at \(path): ") + "not valid JSON or not the expected shape (\(context.debugDescription))"
        case .keyNotFound(let key, let context):
            let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            return "missing field \(path)"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "field \(path) should be \(type)"
        @unknown default:
            return "\(error)"
        }
    }
}
