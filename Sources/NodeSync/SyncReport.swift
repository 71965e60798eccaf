/// What one sync round did.
public struct SyncReport: Sendable, Equatable, Codable {
    public var pushedChanges = 0
    public var pushBatches = 0
    public var refusedChanges = 0
    public var pulledChanges = 0
    public var pullPages = 0
    public var appliedChanges = 0
    public var bytesSent = 0
    public var bytesReceived = 0
    public var hubVersion: Int64 = 0
    public var clockOffsetMs: Int64 = 0
    public var clockWarning: String?
    /// Local changes still waiting for the hub after the round.
    public var pendingChanges = 0
    /// The handshake found a restored or replaced hub, and the round started its cursors again
    /// (Protocol/README.md §6.4): it pushed everything of this node's and pulled everything.
    public var cursorsRestarted = false
    /// The file step after the rows (Protocol §16); nil when it did not run.
    public var files: FileSyncReport?

    public init() {}

    /// Nothing left to push or pull, and nothing refused in this round.
    public var inSync: Bool { pendingChanges == 0 }
}

/// Why a sync round stopped: one line an operator can act on.
public struct SyncError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
