/// The version of this build of reformsync, kept in this one place.
///
/// `reformsync --version` prints it, `reformsync status` shows it (node and hub), and the
/// handshake sends it as `software` (Protocol/README.md §8.2) so the hub's node registry shows
/// which version each district runs — what an operator checks during an upgrade (README
/// "Upgrading"). The wire protocol and the schema have their own numbers (``ProtocolVersion``,
/// the schema's `version`), negotiated in the handshake; this one is for people.
public enum ReformsyncVersion {
    /// The release, e.g. `0.3.0`.
    public static let current = "0.3.0"
    /// What the handshake's `software` carries and the registry shows: `reformsync/0.3.0`.
    public static let software = "reformsync/\(current)"
}
