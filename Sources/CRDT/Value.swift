/// A column value as replicated: the four SQLite storage classes the schema uses.
///
/// Booleans and dates are carried as `.integer` and `.text` by the schema layer.
/// The total order (null < numbers < text; numbers by magnitude; text by UTF-8 bytes) is only a
/// last-resort tie-breaker for the merge, so that even two different writes with the same stamp
/// resolve identically on every replica.
public enum Value: Hashable, Sendable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    public var description: String {
        switch self {
        case .null: return "null"
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let v): return v
        }
    }

    private var rank: Int {
        switch self {
        case .null: return 0
        case .integer, .real: return 1
        case .text: return 2
        }
    }

    /// Deterministic total order used to break exact stamp ties.
    public static func precedes(_ lhs: Value, _ rhs: Value) -> Bool {
        if lhs.rank != rhs.rank { return lhs.rank < rhs.rank }
        switch (lhs, rhs) {
        case let (.integer(a), .integer(b)): return a < b
        case let (.real(a), .real(b)): return a < b
        case let (.integer(a), .real(b)): return Double(a) < b || (Double(a) == b)
        case let (.real(a), .integer(b)): return a < Double(b)
        case let (.text(a), .text(b)): return a.utf8.lexicographicallyPrecedes(b.utf8)
        default: return false
        }
    }
}
