import CRDT
import ReformData

// `POST /v1/push?pull_position=…` (Protocol/README.md §18.2): the push's answer with the first
// pull page in member `pull`. Written and read by hand like the other messages that carry change
// sets; the row model (``PushPullResponse``) writes the same bytes through `JSONEncoder`.

/// The hub's answer to a push that carried a pull request.
public struct OutgoingPushPull: Encodable, Sendable, JSONWritable {
    public var push: PushResponse
    public var pull: OutgoingPullPage?

    public init(push: PushResponse, pull: OutgoingPullPage?) {
        self.push = push
        self.pull = pull
    }

    /// The same message in the row model.
    public var model: PushPullResponse { PushPullResponse(push: push, pull: pull?.model) }

    public func encode(to encoder: any Encoder) throws { try model.encode(to: encoder) }

    /// Members in sorted order, as `JSONEncoder` with `.sortedKeys` writes them.
    func write(to writer: inout JSONWriter) {
        writer.raw("{\"acknowledged\":")
        push.acknowledged.write(to: &writer)
        writer.raw(",\"applied\":")
        writer.integer(Int64(push.applied))
        writer.raw(",\"duplicates\":")
        writer.integer(Int64(push.duplicates))
        writer.raw(",\"hub_version\":")
        writer.integer(push.hubVersion)
        if let pull {
            writer.raw(",\"pull\":")
            pull.write(to: &writer)
        }
        writer.raw(",\"refused\":[")
        for (i, refusal) in push.refused.enumerated() {
            if i > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.raw("{\"code\":")
            writer.string(refusal.code)
            if let column = refusal.column {
                writer.raw(",\"column\":")
                writer.string(column)
            }
            writer.raw(",\"hlc\":")
            writer.string(refusal.hlc)
            writer.raw(",\"key\":")
            writer.string(refusal.key)
            writer.raw(",\"reason\":")
            writer.string(refusal.reason)
            writer.raw(",\"site\":")
            writer.string(refusal.site)
            writer.raw(",\"table\":")
            writer.string(refusal.table)
            writer.byte(UInt8(ascii: "}"))
        }
        writer.raw("],\"superseded\":")
        writer.integer(Int64(push.superseded))
        writer.byte(UInt8(ascii: "}"))
    }
}

/// A push answer as the node reads it: the acknowledgement, and the pull page straight into
/// changes when the hub sent one (a hub without `push_pull` does not: then `pull` is nil).
public struct ReceivedPushPull: Sendable, JSONReadable {
    public var push: PushResponse
    public var pull: ReceivedPullPage?

    static func read(from scanner: inout JSONScanner, path: String) throws(WireError) -> Self {
        var acknowledged: WireCursor?, applied: Int64?, duplicates: Int64?, superseded: Int64?, hubVersion: Int64?
        var refused: [RefusedChange] = []
        var pull: ReceivedPullPage?
        try scanner.beginObject(path)
        var first = true
        let counts: ClosedRange<Int64> = 0...Int64(Int32.max)
        while let key = try scanner.nextKey(first: &first, path) {
            switch key {
            case "acknowledged": acknowledged = try WireCursor.read(from: &scanner, path: member(path, key))
            case "applied": applied = try scanner.readInt(in: counts, member(path, key))
            case "duplicates": duplicates = try scanner.readInt(in: counts, member(path, key))
            case "superseded": superseded = try scanner.readInt(in: counts, member(path, key))
            case "hub_version": hubVersion = try scanner.readInt(in: Int64.min...Int64.max, member(path, key))
            case "pull": pull = scanner.readNull() ? nil : try ReceivedPullPage.read(from: &scanner, path: member(path, key))
            case "refused":
                guard case .array(let items) = try scanner.readValue(member(path, key)) else {
                    throw WireError("\(member(path, key)): expected a list of refused changes")
                }
                refused = try items.enumerated().map { index, item throws(WireError) in
                    try Self.refusal(item, path: "\(member(path, key))[\(index)]")
                }
            default: _ = try scanner.readValue(member(path, key))
            }
        }
        func required<T>(_ value: T?, _ name: String) throws(WireError) -> T {
            guard let value else { throw WireError("missing field \(member(path, name))") }
            return value
        }
        let push = PushResponse(acknowledged: try required(acknowledged, "acknowledged"), applied: Int(try required(applied, "applied")),
                                duplicates: Int(try required(duplicates, "duplicates")), superseded: Int(try required(superseded, "superseded")),
                                refused: refused, hubVersion: try required(hubVersion, "hub_version"))
        return Self(push: push, pull: pull)
    }

    static func refusal(_ value: JSONValue, path: String) throws(WireError) -> RefusedChange {
        guard case .object(let members) = value else { throw WireError("\(path): expected an object") }
        func text(_ name: String) throws(WireError) -> String {
            guard case .string(let text)? = members[name] else { throw WireError("missing field \(path).\(name)") }
            return text
        }
        var column: String?
        if case .string(let name)? = members["column"] { column = name }
        return RefusedChange(table: try text("table"), key: try text("key"), column: column, hlc: try text("hlc"),
                             site: try text("site"), code: try text("code"), reason: try text("reason"))
    }
}
