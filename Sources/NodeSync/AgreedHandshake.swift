import Foundation
import ReformData
import Replica
import WireProtocol

/// What the node's last handshake agreed with the hub, remembered in the replica, so that a
/// round can skip the handshake and have the hub re-check it cheaply instead
/// (Protocol/README.md §18.2): the push or pull carries `hub_epoch` and `schema`, and the hub
/// answers 409 `handshake_required` only if either changed.
struct AgreedHandshake: Sendable, Equatable {
    var epoch: String
    var schema: Int
    var features: Set<String>
    var limits: HandshakeResponse.Limits
    var software: String
    var at: Date

    /// A full handshake at least this often, even when nothing changed: the hub's registry
    /// (software, clock offset) stays fresh and a clock warning reaches the operator.
    static let maxAge: TimeInterval = 3_600

    static let featuresKey = "hub_features"
    static let limitsKey = "hub_limits"
    static let softwareKey = "handshake_software"
    static let schemaKey = "handshake_schema"

    /// The meta values that record `answer` (written with the handshake's other keys).
    static func meta(_ answer: HandshakeResponse, software: String) -> [String: String?] {
        [featuresKey: (answer.features ?? []).sorted().joined(separator: ","),
         limitsKey: "\(answer.limits.maxBodyBytes),\(answer.limits.maxBatchChanges),\(answer.limits.maxClockSkewMs)",
         softwareKey: software, schemaKey: String(answer.schema)]
    }

    /// The remembered agreement, or nil when there is none usable (never handshaken, an older
    /// build wrote it, or the hub did not offer `recheck`).
    static func load(_ replica: Replica) throws -> AgreedHandshake? {
        guard let epoch = try replica.meta("hub_epoch"),
              let features = try replica.meta(featuresKey).map({ Set($0.split(separator: ",").map(String.init)) }),
              features.contains("recheck"),
              let limitText = try replica.meta(limitsKey),
              let schema = try replica.meta(schemaKey).flatMap({ Int($0) }),
              let software = try replica.meta(softwareKey),
              let at = try replica.meta("last_handshake_at").flatMap(Timestamp.date) else { return nil }
        let numbers = limitText.split(separator: ",").compactMap { Int64($0) }
        guard numbers.count == 3, numbers.allSatisfy({ $0 > 0 && $0 < Int64(Int32.max) }) else { return nil }
        return AgreedHandshake(epoch: epoch, schema: schema, features: features,
                               limits: .init(maxBodyBytes: Int(numbers[0]), maxBatchChanges: Int(numbers[1]), maxClockSkewMs: numbers[2]),
                               software: software, at: at)
    }

    /// Whether a round may go without a handshake on this agreement.
    func stillValid(schema: Int, software: String, now: Date = Date()) -> Bool {
        self.schema == schema && self.software == software && now.timeIntervalSince(at) < Self.maxAge && now >= at
    }

    /// `hub_epoch=…&schema=…`: the re-check the hub makes instead of a handshake.
    var query: String { "hub_epoch=\(epoch)&hub_schema=\(schema)" }
}

/// The hub says the node's agreement no longer holds (409 `handshake_required`), or a page
/// shows the hub went back in time: the round starts again with a handshake. A long-poll pull
/// (``SyncSession/pullLive(wait:)``) passes it on: the daemon then starts a round at once.
public struct HandshakeNeeded: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "the hub asks for a new handshake: \(reason)" }
}
