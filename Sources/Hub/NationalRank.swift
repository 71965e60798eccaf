import CRDT
import Foundation
import Logging
import ReformData
import Replica

/// Brings the national ranking down into the provincial hub (Protocol/README.md §20.4): the
/// province's rows of `published_results` that its uplink pulled from the national hub become
/// the hub's `external_indices` rows (index `uplink.index`, by default PAR_INDEX), which every
/// district reads and the report and dashboard show as the province's national rank.
///
/// A derived copy, not a replication: the national hub's rows stay in the uplink replica (the
/// province's tables never mix with the nation's: `publications` and `seasons` share keys by
/// year). Each year's row is one ordinary hub write (one transaction, stamped and audited like
/// any), written only when a value differs, so running it again after a crash converges.
public struct NationalRank: Sendable {
    /// The uplink's node replica (unit = the province at the national hub).
    public let uplink: Replica
    /// The provincial hub's replica.
    public let hub: Replica
    /// `external_indices.index` the rank is recorded as.
    public let index: String
    /// Shown in `external_indices.source`, e.g. the national hub's address.
    public let source: String

    public init(uplink: Replica, hub: Replica, index: String = "PAR_INDEX", source: String) {
        self.uplink = uplink
        self.hub = hub
        self.index = index
        self.source = source
    }

    /// Copies what changed; returns the years written.
    @discardableResult
    public func copy(logger: Logger? = nil) throws -> [Int] {
        var written: [Int] = []
        for result in try uplink.list("published_results", where: ["unit": .text(uplink.unit)]) {
            guard case .integer(let year)? = result.values["year"] else { continue }
            guard let value = Self.number(result.values["index_percent"]) else { continue }
            var record: [String: JSONValue] = ["index": .string(index), "year": .integer(year), "value": .double(value), "scale": .string("percent")]
            if case .integer(let rank)? = result.values["rank"] { record["national_rank"] = .integer(rank) }
            if case .integer(let of)? = result.values["ranked_of"] { record["ranked_of"] = .integer(of) }
            let decision: String? = if case .text(let text)? = try uplink.get("publications", key: String(year))?.values["decision"] { text } else { nil }
            record["source"] = .string(source + (decision.map { ", \($0)" } ?? ""))
            let key = "\(index)/\(year)"
            if let existing = try hub.get("external_indices", key: key), Self.same(existing.values, record) { continue }
            do {
                try hub.put("external_indices", json: record)
                written.append(Int(year))
            } catch {
                // A value the provincial schema refuses (a rank beyond 1000): say so, keep the rest.
                logger?.warning("uplink: the national result of \(year) cannot be recorded in external_indices: \(error)")
            }
        }
        return written
    }

    static func number(_ value: Value?) -> Double? {
        switch value {
        case .real(let v)?: return v.isFinite ? v : nil
        case .integer(let v)?: return Double(v)
        default: return nil
        }
    }

    /// Whether the stored row already says what `record` says.
    static func same(_ stored: [String: Value], _ record: [String: JSONValue]) -> Bool {
        record.allSatisfy { name, value in
            switch (value, stored[name]) {
            case (.string(let a), .text(let b)?): return a == b
            case (.integer(let a), .integer(let b)?): return a == b
            case (.double(let a), .real(let b)?): return a == b
            case (.double(let a), .integer(let b)?): return a == Double(b)
            default: return false
            }
        }
    }
}
