/// Versions of the reformsync wire protocol this build speaks.
public enum ProtocolVersion {
    /// The version this build sends.
    public static let current = 1
    /// The versions this build accepts.
    public static let supported: ClosedRange<Int> = 1...1
}
