/// A message or file that does not follow the protocol: says what and where.
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
