import Hummingbird
import Replica

/// The query parameters of `POST /v1/push` and `GET /v1/pull`, each range-checked: a bad one is
/// 400 `bad_request` naming it (Protocol/README.md §8.4, §18).
enum RoundQuery {
    /// A decimal integer ≥ 0, or `value` when absent.
    static func number(_ query: Parameters, _ name: String, default value: Int64) throws(HubError) -> Int64 {
        guard let text = query[Substring(name)] else { return value }
        guard let number = Int64(String(text)), number >= 0 else {
            throw HubError.badRequest("query parameter \(name)=\(text) is not a version number")
        }
        return number
    }

    /// `<prefix>baseline` and `<prefix>position`, or nil when neither is given.
    static func pullCursor(_ query: Parameters, prefix: String) throws(HubError) -> ChangeCursor? {
        guard query[Substring(prefix + "baseline")] != nil || query[Substring(prefix + "position")] != nil else { return nil }
        let baseline = try number(query, prefix + "baseline", default: 0)
        let position = try number(query, prefix + "position", default: baseline)
        return ChangeCursor(baseline: baseline, position: position)
    }

    /// `hub_epoch` and `schema`: what the node agreed in its last handshake (§18.2), to re-check.
    static func agreed(_ query: Parameters) throws(HubError) -> (epoch: String?, schema: Int?) {
        let epoch = query["hub_epoch"].map(String.init)
        if let epoch, epoch.count != 16 || !epoch.allSatisfy(\.isHexDigit) {
            throw HubError.badRequest("query parameter hub_epoch=\(epoch) is not a hub epoch (16 hex digits, from the handshake)")
        }
        guard let text = query["hub_schema"] else { return (epoch, nil) }
        guard let schema = Int(String(text)), (1...1_000).contains(schema) else {
            throw HubError.badRequest("query parameter hub_schema=\(text) is not a schema version (1–1000)")
        }
        return (epoch, schema)
    }

    /// `schema`: the schema version of the node's own build (§19.1), so that a newer hub sends an
    /// older node only the tables and fields it has. Not `hub_schema`, the hub's version the node
    /// agreed at its last handshake (§18.2).
    static func nodeSchema(_ query: Parameters) throws(HubError) -> Int? {
        guard let text = query["schema"] else { return nil }
        guard let version = Int(String(text)), (1...10_000).contains(version) else {
            throw HubError.badRequest("query parameter schema=\(text) is not a schema version (1–10000)")
        }
        return version
    }

    /// `wait`: seconds a pull may wait for something readable (§18.3), 0…``HubService/maxWaitSeconds``.
    static func wait(_ query: Parameters) throws(HubError) -> Int? {
        guard let text = query["wait"] else { return nil }
        guard let seconds = Int(String(text)), (0...HubService.maxWaitSeconds).contains(seconds) else {
            throw HubError.badRequest("query parameter wait=\(text) must be a whole number of seconds from 0 to \(HubService.maxWaitSeconds)")
        }
        return seconds == 0 ? nil : seconds
    }
}
