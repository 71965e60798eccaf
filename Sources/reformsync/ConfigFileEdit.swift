import Foundation

/// Sets values in a commented YAML configuration file, line by line, keeping its comments.
///
/// Why: the package ships /etc/reformsync/district.yaml and hub.yaml with a comment on every key;
/// `reformsync setup` fills in the unit, the hub's address and the token file without losing them
/// (a YAML round trip would). Only the two levels the configuration uses (`key:` and
/// `block:\n  key:`) are handled; a commented-out key (`# key: …`) is uncommented.
struct ConfigFileEdit {
    var path: String
    var lines: [String]

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ReportableError.input("cannot read \(path): the package installs it (reinstall reformsync), or pass --config PATH")
        }
        self.path = path
        lines = text.components(separatedBy: "\n")
    }

    var text: String { lines.joined(separator: "\n") }

    /// Sets `key` ("unit", "hub.url") to `value`, keeping the line's comment; nil comments the line out.
    mutating func set(_ key: String, _ value: String?) throws {
        let parts = key.split(separator: ".").map(String.init)
        let index: Int
        if parts.count == 1 {
            index = try find(parts[0], indent: "", in: 0..<lines.count)
        } else {
            let block = try find(parts[0], indent: "", in: 0..<lines.count)
            var end = block + 1
            while end < lines.count, lines[end].isEmpty || lines[end].hasPrefix(" ") || lines[end].hasPrefix("#") { end += 1 }
            index = try find(parts[1], indent: "  ", in: (block + 1)..<end)
        }
        lines[index] = Self.rewrite(lines[index], key: parts.last!, value: value)
    }

    /// The line of `key:` at `indent` (or of `# key:` when the key is commented out).
    private func find(_ key: String, indent: String, in range: Range<Int>) throws -> Int {
        if let line = range.first(where: { lines[$0].hasPrefix(indent + key + ":") }) { return line }
        if let line = range.first(where: { lines[$0].hasPrefix(indent + "# " + key + ":") }) { return line }
        throw ReportableError.input("\(path): no `\(key):` line to set; add it (see the commented file the package installs, /usr/share/doc/reformsync/examples)")
    }

    /// `  url: OLD   # comment` → `  url: NEW   # comment`, the comment kept in its column.
    static func rewrite(_ line: String, key: String, value: String?) -> String {
        let indent = String(line.prefix { $0 == " " })
        var body = String(line.dropFirst(indent.count))
        if body.hasPrefix("# ") { body.removeFirst(2) }
        var setting = body
        var comment = ""
        if let hash = body.range(of: " #") {
            setting = String(body[..<hash.lowerBound]).trimmingCharacters(in: .whitespaces)
            comment = String(body[hash.lowerBound...]).trimmingCharacters(in: .whitespaces)
        }
        let content = value.map { "\(key): " + quoted($0) } ?? "# " + setting  // nil: comment the old setting out
        guard !comment.isEmpty, let column = line.range(of: " " + comment).map({ line.distance(from: line.startIndex, to: $0.lowerBound) + 1 }) else {
            return indent + content
        }
        let width = max(column - indent.count, content.count + 1)
        return indent + content.padding(toLength: width, withPad: " ", startingAt: 0) + comment
    }

    /// Plain when YAML reads it back unchanged, double-quoted (JSON escapes) otherwise.
    static func quoted(_ value: String) -> String {
        let plain = value.range(of: "^[A-Za-z0-9_./@:+-]+$", options: .regularExpression) != nil && !value.contains(": ")
        // …but not what YAML would read as a number, a boolean or null (a unit code "2024", "no").
        let retyped = value.range(of: "^[-+.0-9]+$", options: .regularExpression) != nil
            || ["true", "false", "yes", "no", "on", "off", "null", "y", "n"].contains(value.lowercased())
        if plain, !retyped { return value }
        let data = (try? JSONSerialization.data(withJSONObject: [value])) ?? Data("[\"\"]".utf8)
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }
}
