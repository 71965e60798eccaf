import Foundation

/// The provincial hub's link to the national hub (`uplink.*`, Protocol/README.md §20).
///
/// A provincial hub with an uplink is also a node of the national hub: it keeps the province's
/// own records as a unit of the national methodology in a second, ordinary node replica
/// (`DATA_DIR/uplink/replica.sqlite`) and syncs it exactly as a daemon does. Keeping them apart
/// from the hub's replica is what makes "districts' rows never go up" structural: the uplink
/// replica holds only what the province writes as its national unit and what the national hub
/// lets that unit read.
public struct UplinkSettings: Sendable, Equatable {
    /// The national hub, e.g. `https://hub.moha.gov.vn:8443`.
    public var url: String
    /// The province's unit code at the national hub, e.g. `tuyen-quang`.
    public var unit: String
    /// The token the national hub issued for `unit`, or (preferred) a file holding it.
    public var token: String?
    public var tokenFile: String?
    /// CA bundle that signed the national hub's certificate.
    public var caFile: String?
    /// Seconds between uplink rounds when nothing happens.
    public var intervalSeconds: Double = 300
    /// Keep a long-poll pull open at the national hub between rounds (Protocol §18.3).
    public var live: Bool = true
    /// Which external index the province's national rank is recorded as (`external_indices.index`).
    public var index: String = "PAR_INDEX"

    public init(url: String, unit: String, token: String? = nil, tokenFile: String? = nil, caFile: String? = nil,
                intervalSeconds: Double = 300, live: Bool = true, index: String = "PAR_INDEX") {
        self.url = url
        self.unit = unit
        self.token = token
        self.tokenFile = tokenFile
        self.caFile = caFile
        self.intervalSeconds = intervalSeconds
        self.live = live
        self.index = index
    }
}

extension ReformsyncConfiguration {
    /// The uplink's own data folder inside the hub's: its node replica and evidence files.
    public var uplinkDataDirectory: String { (dataDirectory as NSString).appendingPathComponent("uplink") }

    /// The configuration of the uplink as a node of the national hub: what `--uplink` gives every
    /// node command (`record`, `files`, `sync --once`, `status`, `quarantine`) and what the hub
    /// runs its uplink loop with. Nil without an `uplink:` section.
    public func uplinkConfiguration() -> ReformsyncConfiguration? {
        guard let uplink else { return nil }
        var node = ReformsyncConfiguration(role: "node", unit: uplink.unit, dataDirectory: uplinkDataDirectory, logLevel: logLevel,
                                           hub: HubSettings(url: uplink.url, token: uplink.token, tokenFile: uplink.tokenFile,
                                                            caFile: uplink.caFile),
                                           sync: sync, api: APISettings(enabled: false), status: status)
        node.sync.intervalSeconds = uplink.intervalSeconds
        node.sync.live = uplink.live
        node.files = files
        node.origins = origins
        return node
    }

    /// Reads the `uplink:` section (only a hub may have one).
    static func loadUplink(_ source: inout ConfigSource, role: String, path: String?) throws(ConfigError) -> UplinkSettings? {
        let file = path ?? "environment"
        let url = try source.string("uplink.url")
        let unit = try source.string("uplink.unit")?.precomposedStringWithCanonicalMapping
        let token = try source.string("uplink.token")
        let tokenFile = try source.string("uplink.token_file")
        let caFile = try source.string("uplink.ca_file")
        let interval = try source.double("uplink.interval", range: 1...86_400)
        let live = try source.bool("uplink.live")
        let index = try source.string("uplink.index", allowed: ["PAR_INDEX", "SIPAS", "PAPI", "PCI"])
        let given = [url, unit, token, tokenFile, caFile, index].contains { $0 != nil } || interval != nil || live != nil
        guard given else { return nil }
        guard role == "hub" else {
            throw ConfigError(file: file, key: "uplink", message: "only a hub (role: hub) has an uplink to the national hub; a node syncs with its hub (hub.url)")
        }
        guard let url else {
            throw ConfigError(file: file, key: "uplink.url", message: "missing: the national hub's address, e.g. https://hub.moha.gov.vn:8443 (or remove the uplink section)")
        }
        guard url.hasPrefix("https://") || url.hasPrefix("http://"), URL(string: url)?.host.map({ !$0.isEmpty }) == true else {
            throw ConfigError(file: file, key: "uplink.url", message: "\"\(url)\" is not an address: it must start with https:// (or http:// on a trusted network) and name a host")
        }
        guard let unit, !unit.isEmpty else {
            throw ConfigError(file: file, key: "uplink.unit", message: "missing: the province's unit code at the national hub, e.g. tuyen-quang")
        }
        guard unit.range(of: "^[A-Za-z0-9_.-]{1,40}$", options: .regularExpression) != nil else {
            throw ConfigError(file: file, key: "uplink.unit", message: "\"\(unit)\" must be 1–40 letters, digits, '_', '.' or '-' (e.g. tuyen-quang)")
        }
        if token != nil, tokenFile != nil {
            throw ConfigError(file: file, key: "uplink.token", message: "give either uplink.token or uplink.token_file, not both")
        }
        if token == nil, tokenFile == nil {
            throw ConfigError(file: file, key: "uplink.token_file",
                              message: "missing: the file holding the token the national hub issued for \(unit) (`reformsync hub token create --unit \(unit)` there)")
        }
        return UplinkSettings(url: url, unit: unit, token: token, tokenFile: tokenFile, caFile: caFile,
                              intervalSeconds: interval ?? 300, live: live ?? true, index: index ?? "PAR_INDEX")
    }

    /// The uplink's token, read from `uplink.token_file` when given; errors name `uplink.*` keys.
    public func uplinkToken() throws(ConfigError) -> String? {
        guard let node = uplinkConfiguration() else { return nil }
        do {
            return try node.hubToken()
        } catch {
            var renamed = error
            renamed.key = error.key.map { $0.replacingOccurrences(of: "hub.", with: "uplink.") }
            renamed.message = renamed.message.replacingOccurrences(of: "hub.token_file", with: "uplink.token_file")
            throw renamed
        }
    }
}
