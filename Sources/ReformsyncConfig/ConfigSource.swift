import Foundation
import Yams

/// Typed access to a YAML configuration with environment overrides and unknown-key detection.
///
/// Every key `a.b` can be overridden by the environment variable `REFORMSYNC_A_B`. Errors name
/// the file and line (or the variable) so a district IT officer can fix them directly.
struct ConfigSource {
    let file: String
    let root: Node.Mapping?
    let environment: [String: String]
    private(set) var known: Set<String> = []
    /// Where each key found came from: `FILE:LINE` or `environment REFORMSYNC_…`.
    private(set) var origins: [String: String] = [:]

    init(file: String, yaml: String?, environment: [String: String]) throws(ConfigError) {
        self.file = file
        self.environment = environment
        guard let yaml, !yaml.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            root = nil
            return
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigError(file: file, message: "not valid YAML: \(error)")
        } catch {
            throw ConfigError(file: file, message: "not valid YAML: \(error)")
        }
        guard let node else { root = nil; return }
        guard let mapping = node.mapping else {
            throw ConfigError(file: file, line: node.mark?.line, message: "the top level must be a mapping of keys to values")
        }
        root = mapping
    }

    static func environmentName(_ key: String) -> String {
        "REFORMSYNC_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// The raw text of `key` (dotted path), from the environment first, then the file.
    mutating func text(_ key: String) throws(ConfigError) -> (value: String, line: Int?, fromEnvironment: Bool)? {
        known.insert(key)
        if let value = environment[Self.environmentName(key)] {
            origins[key] = "environment \(Self.environmentName(key))"
            return (value, nil, true)
        }
        var mapping = root
        let parts = key.split(separator: ".").map(String.init)
        for (i, part) in parts.enumerated() {
            guard let current = mapping, let node = current[part] else { return nil }
            if i == parts.count - 1 {
                guard let scalar = node.scalar else {
                    throw ConfigError(file: file, line: node.mark?.line, key: key, message: "expected a single value, not a list or section")
                }
                if scalar.string == "~" || scalar.string == "null" || scalar.string.isEmpty { return nil }
                origins[key] = node.mark.map { "\(file):\($0.line)" } ?? file
                return (scalar.string, node.mark?.line, false)
            }
            guard let next = node.mapping else {
                throw ConfigError(file: file, line: node.mark?.line, key: parts[...i].joined(separator: "."), message: "expected a section of keys")
            }
            mapping = next
        }
        return nil
    }

    func error(_ key: String, _ found: (value: String, line: Int?, fromEnvironment: Bool), _ message: String) -> ConfigError {
        if found.fromEnvironment {
            return ConfigError(file: "environment", key: Self.environmentName(key), message: message)
        }
        return ConfigError(file: file, line: found.line, key: key, message: message)
    }

    mutating func string(_ key: String, allowed: [String]? = nil) throws(ConfigError) -> String? {
        guard let found = try text(key) else { return nil }
        if let allowed, !allowed.contains(found.value) {
            throw error(key, found, "\"\(found.value)\" is not one of \(allowed.joined(separator: ", "))")
        }
        return found.value
    }

    mutating func int(_ key: String, range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let found = try text(key) else { return nil }
        guard let value = Int(found.value.replacingOccurrences(of: "_", with: "")) else {
            throw error(key, found, "expected a whole number, got \"\(found.value)\"")
        }
        guard range.contains(value) else { throw error(key, found, "\(value) is outside \(range.lowerBound)…\(range.upperBound)") }
        return value
    }

    mutating func double(_ key: String, range: ClosedRange<Double>) throws(ConfigError) -> Double? {
        guard let found = try text(key) else { return nil }
        guard let value = Double(found.value), value.isFinite else {
            throw error(key, found, "expected a number, got \"\(found.value)\"")
        }
        guard range.contains(value) else { throw error(key, found, "\(found.value) is outside \(range.lowerBound)…\(range.upperBound)") }
        return value
    }

    mutating func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let found = try text(key) else { return nil }
        switch found.value.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw error(key, found, "expected true or false, got \"\(found.value)\"")
        }
    }

    /// A list of host names or addresses (optionally `:port`): a YAML sequence, or a
    /// comma-separated value (the form an environment variable takes). Each item is checked: no
    /// spaces, slashes or other characters a Host header cannot carry.
    mutating func hostList(_ key: String) throws(ConfigError) -> [String]? {
        known.insert(key)
        var items: [(String, Int?)] = []
        if let value = environment[Self.environmentName(key)] {
            items = value.split(separator: ",").map { (String($0).trimmingCharacters(in: .whitespaces), nil) }
        } else {
            var mapping = root
            let parts = key.split(separator: ".").map(String.init)
            for part in parts.dropLast() { mapping = mapping?[part]?.mapping }
            guard let node = mapping?[parts.last ?? ""] else { return nil }
            if let sequence = node.sequence {
                for item in sequence {
                    guard let scalar = item.scalar else {
                        throw ConfigError(file: file, line: item.mark?.line, key: key, message: "expected a list of host names, e.g. [\"reformsync.sonduong.local\"]")
                    }
                    items.append((scalar.string, item.mark?.line))
                }
            } else if let scalar = node.scalar {
                items = scalar.string.split(separator: ",").map { (String($0).trimmingCharacters(in: .whitespaces), node.mark?.line) }
            } else {
                throw ConfigError(file: file, line: node.mark?.line, key: key, message: "expected a list of host names")
            }
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]_")
        for (item, line) in items {
            guard !item.isEmpty, item.count <= 255, item.allSatisfy({ allowed.contains($0) }) else {
                if line == nil, environment[Self.environmentName(key)] != nil {
                    throw ConfigError(file: "environment", key: Self.environmentName(key), message: "\"\(item)\" is not a host name or address (letters, digits, '.', '-', ':', '[', ']')")
                }
                throw ConfigError(file: file, line: line, key: key, message: "\"\(item)\" is not a host name or address (letters, digits, '.', '-', ':', '[', ']')")
            }
        }
        return items.map { $0.0.lowercased() }
    }

    /// Fails on the first key in the file that no reader asked for (typos, misplaced keys).
    func checkUnknownKeys() throws(ConfigError) {
        guard let root else { return }
        try checkUnknown(root, prefix: "")
    }

    private func checkUnknown(_ mapping: Node.Mapping, prefix: String) throws(ConfigError) {
        for (keyNode, value) in mapping {
            let name = prefix + (keyNode.string ?? "?")
            if let section = value.mapping, known.contains(where: { $0.hasPrefix(name + ".") }) {
                try checkUnknown(section, prefix: name + ".")
            } else if !known.contains(name) {
                let siblings = known.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)).split(separator: ".").first.map(String.init) ?? "" }
                throw ConfigError(file: file, line: keyNode.mark?.line, key: name,
                                  message: "unknown key; known keys here: \(Set(siblings).sorted().joined(separator: ", "))")
            }
        }
    }
}
