import Foundation
import ReformData

/// JSON for standard output: sorted keys, readable, Vietnamese unescaped.
///
/// Every `--json` output goes through here and uses one key style, snake_case, as the wire
/// protocol does: property names are converted (`pendingChanges` → `pending_changes`); the
/// fields of records (dictionaries) are printed as the schema names them.
enum JSONOutput {
    static func string<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        // Foundation prints an empty array or object as "[", a blank line, "]": print `[]` / `{}`.
        // (A line break never occurs inside a JSON string, so only structure matches.)
        return text.replacingOccurrences(of: #"\[\n\s*\]"#, with: "[]", options: .regularExpression)
            .replacingOccurrences(of: #"\{\n\s*\}"#, with: "{}", options: .regularExpression)
    }

    static func print<T: Encodable>(_ value: T, pretty: Bool = true) throws {
        Swift.print(try string(value, pretty: pretty))
    }

    /// Parses JSON text from an argument or standard input.
    static func parse(_ text: String, what: String) throws -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch let error as DecodingError {
            throw ReportableError.input("\(what) is not valid JSON: \(describe(error))")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return [path.isEmpty ? nil : "at \(path)", context.debugDescription, underlying].compactMap { $0 }.joined(separator: ": ")
        @unknown default:
            return "\(error)"
        }
    }

    static func readStandardInput() -> String {
        String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }
}

/// The bytes of an input file named on the command line, or of standard input for `-`.
func readInput(_ file: String) throws -> Data {
    if file == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    guard let contents = FileManager.default.contents(atPath: file) else { throw ReportableError.failure("cannot read \(file)") }
    return contents
}
