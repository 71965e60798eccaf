import Synchronization

/// The district's bearer token as the client sends it: the current value, and how to read it
/// again from where it came from (the node's `hub.token_file`).
///
/// Tokens are rotated at the hub (`reformsync hub token rotate`); the operator writes the new one
/// to the node's token file. The daemon takes it without a restart: on a 401 the client re-reads
/// the file and, if the token changed, sends the request again once with it; on SIGHUP
/// (`systemctl reload reformsync-daemon`) the daemon calls ``reload()`` itself.
public final class BearerCredentials: Sendable {
    private let current: Mutex<String?>
    private let source: (@Sendable () throws -> String?)?

    /// - Parameters:
    ///   - token: the token to send now.
    ///   - source: reads the token again (nil: the token never changes, e.g. `hub.token` inline).
    public init(token: String?, source: (@Sendable () throws -> String?)? = nil) {
        self.current = Mutex(token)
        self.source = source
    }

    /// The token sent with the next request.
    public var token: String? { current.withLock { $0 } }

    /// Whether the token can be read again (it came from a file).
    public var isReloadable: Bool { source != nil }

    /// Reads the token again; returns whether it changed. A token that cannot be read (file
    /// missing, empty, unreadable) throws and leaves the current one in use.
    @discardableResult
    public func reload() throws -> Bool {
        guard let source, let fresh = try source() else { return false }
        guard !fresh.isEmpty, !fresh.contains(where: { $0.isNewline || $0 == " " }) else { return false }
        return current.withLock { token in
            guard token != fresh else { return false }
            token = fresh
            return true
        }
    }
}
