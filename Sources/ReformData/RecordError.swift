/// A record that does not fit the schema: names the table, the field and what is wrong.
///
/// The command line maps it to exit code 2; the hub to HTTP 400/422.
public struct RecordError: Error, Equatable, Sendable, CustomStringConvertible {
    public var table: String
    /// The offending field (nil when the problem is the whole record, e.g. an unknown table).
    public var field: String?
    public var message: String

    public init(table: String, field: String?, message: String) {
        self.table = table
        self.field = field
        self.message = message
    }

    public var description: String {
        if let field { return "\(table).\(field): \(message)" }
        return "\(table): \(message)"
    }
}
