import Hummingbird

/// Who a request is, once the guard of its route group has let it in.
public enum HubIdentity: Sendable, Equatable {
    /// A node token of `unit` (the protocol routes).
    case node(unit: String, tokenID: String)
    /// An operator token (the dashboard, the report, the metrics).
    case `operator`(tokenID: String)
}

/// The hub's request context: Hummingbird's core storage plus the identity the group's guard
/// established (Protocol/README.md §7.3).
///
/// Handlers never authenticate: they read ``nodeUnit()``, which only the node guard can have set.
public struct HubRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``NodeGuard`` or ``OperatorGuard``; nil on the anonymous route.
    public var identity: HubIdentity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
    }

    /// The unit of the node token the node guard accepted.
    ///
    /// Throws (401) only if a protocol handler were registered outside the node group, which the
    /// route-table test forbids: a second line of defence, not the guard itself.
    public func nodeUnit() throws -> String {
        guard case .node(let unit, _)? = identity else {
            throw HubError.unauthorized("this route needs a node token: send Authorization: Bearer <token> (issued by `reformsync hub token create --unit CODE`)")
        }
        return unit
    }
}
