/// What the account store refuses, in words an IT officer (or the CLI's user) can act on.
public struct OfficeError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case badName = "bad_name", badPassword = "bad_password", badRole = "bad_role"
        case exists, notFound = "not_found", storage
    }
    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}
