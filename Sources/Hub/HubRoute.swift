/// Who may call a route of the hub: the three route groups of Protocol/README.md §7.3.
public enum RouteAudience: String, Sendable, Codable, CaseIterable {
    /// No credential: liveness only (`GET /v1/health`).
    case anonymous
    /// A node token (the sync protocol).
    case node
    /// An operator token (dashboard, report, metrics).
    case `operator`
    /// An office account's session (the appraisers' app under `/app`, behind the Host allow-list;
    /// `/app/login` is the one page answered without a session, so that one can be opened).
    case office
}

/// One route of the hub's router and the group that guards it.
public struct HubRoute: Sendable, Hashable, Codable, CustomStringConvertible {
    public var method: String
    public var path: String
    public var audience: RouteAudience

    public init(method: String, path: String, audience: RouteAudience) {
        self.method = method
        self.path = path
        self.audience = audience
    }

    public var description: String { "\(method) \(path) (\(audience.rawValue))" }
}
