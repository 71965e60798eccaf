/// Quoting for identifiers that come from the declared schema (never from the wire unchecked).
enum SQL {
    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
