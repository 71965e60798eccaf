/// Why a replica operation failed, with a message a district IT officer can act on.
public enum ReplicaError: Error, Equatable, Sendable, CustomStringConvertible {
    case notInitialized(path: String)
    case alreadyInitialized(path: String)
    case schemaTooNew(path: String, found: Int, supported: Int)
    /// The file's own tables were upgraded by a newer reformsync (steps of the ladder this build lacks).
    case formatTooNew(path: String, steps: [String])
    case unknownTable(String)
    case unknownColumn(table: String, column: String)
    case notFound(table: String, key: String)
    case appendOnly(table: String, key: String)
    case missingRequired(table: String, key: String, field: String)
    case invalidChange(String)
    case clockAhead(table: String, key: String, aheadMillis: UInt64, limitMillis: UInt64)
    case localWrite(String)
    /// A node's local write that the hub's write policy refuses (Protocol §10), refused at once.
    case refused(table: String, key: String, column: String?, code: String, reason: String)
    case corrupt(String)
    /// The replica file or its folder cannot be written by this process (e.g. created by root).
    case notWritable(path: String, detail: String, fix: String)

    public var description: String {
        switch self {
        case .notInitialized(let path):
            return "no replica at \(path): run `reformsync init --unit CODE` first (or pass the right --data-dir/--config)"
        case .alreadyInitialized(let path):
            return "a replica already exists at \(path); it was left untouched"
        case let .schemaTooNew(path, found, supported):
            return "the replica at \(path) uses schema version \(found) but this reformsync supports up to \(supported): upgrade reformsync"
        case let .formatTooNew(path, steps):
            return "the replica at \(path) was upgraded by a newer reformsync (replica format steps \(steps.joined(separator: ", ")) are unknown to this one): "
                + "install that release again (or a later one); nothing was changed"
        case .unknownTable(let name):
            return "unknown table '\(name)'; run `reformsync schema` to list the tables"
        case let .unknownColumn(table, column):
            return "table '\(table)' has no field '\(column)'; run `reformsync schema \(table)` to list its fields"
        case let .notFound(table, key):
            return "no record '\(key)' in \(table)"
        case let .appendOnly(table, key):
            return "\(table) rows are append-only: '\(key)' was already written and cannot be changed or deleted; write a new report instead"
        case let .missingRequired(table, key, field):
            return "\(table).\(field): required to create record '\(key)'"
        case .invalidChange(let message):
            return "invalid change: \(message)"
        case let .clockAhead(table, key, ahead, limit):
            return "\(table) '\(key)' is stamped \(ahead / 1000) s ahead of this server's clock (at most \(limit / 1000) s allowed): "
                + "the clock of the replica that wrote it, or this server's, is wrong; fix it (NTP). Nothing was merged"
        case .localWrite(let message):
            return message
        case let .refused(table, key, column, code, reason):
            return "\(table) '\(key)'\(column.map { ".\($0)" } ?? ""): \(reason) [\(code)] — the hub would refuse this write, so this node does not store it"

        case .corrupt(let message):
            return "replica data is damaged: \(message)"
        case let .notWritable(path, detail, fix):
            return "cannot write \(path) (\(detail)): \(fix)"
        }
    }
}
