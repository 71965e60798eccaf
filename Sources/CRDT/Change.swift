/// One replicated change: a field of a row set to a value, or a row's existence changed.
///
/// Every local write becomes one or more changes; replicas exchange changes and merge them with
/// ``RowState/merge(_:)``. A change with `column == nil` is a *row marker*: it carries only the
/// row's causal length (odd: the row exists, even: it was deleted).
///
/// See `Protocol/README.md`, section "Changes".
public struct Change: Hashable, Sendable {
    public var table: String
    public var key: String
    /// The column written, or nil for a row marker (create, delete, re-create).
    public var column: String?
    public var value: Value
    public var stamp: Stamp
    /// The row's causal length this change was made at: odd = row exists, even = deleted.
    public var causalLength: UInt64

    public init(table: String, key: String, column: String?, value: Value, stamp: Stamp, causalLength: UInt64) {
        self.table = table
        self.key = key
        self.column = column
        self.value = value
        self.stamp = stamp
        self.causalLength = causalLength
    }

    public var hlc: HLC { stamp.hlc }
    public var site: SiteID { stamp.site }
    public var isRowMarker: Bool { column == nil }

    /// The largest causal length a change may carry (2^62): a row deleted and re-created more
    /// often than that cannot occur, and the bound keeps `causalLength + 1` and its storage as a
    /// signed 64-bit SQLite integer from overflowing.
    public static let maxCausalLength: UInt64 = 1 << 62

    /// Why a change is malformed, independent of any schema; nil when well-formed.
    ///
    /// Column changes must be made while the row exists (odd causal length); markers must have a
    /// causal length of at least 1 and carry no value. Causal lengths are bounded
    /// (``maxCausalLength``), keys and text values hold no control characters other than tab,
    /// line feed and carriage return (SQLite would cut a text at U+0000), and real values are
    /// finite (NaN has no order, so last-writer-wins could not break ties with it).
    public var structuralProblem: String? {
        if causalLength == 0 { return "causal length must be at least 1" }
        if causalLength > Change.maxCausalLength { return "causal length \(causalLength) is above the maximum \(Change.maxCausalLength)" }
        if let problem = TextRules.problem(in: key) { return "row key \(problem)" }
        switch value {
        case .text(let text): if let problem = TextRules.problem(in: text) { return "text value \(problem)" }
        case .real(let real) where !real.isFinite: return "real value \(real) is not a finite number"
        default: break
        }
        if let column {
            if column.isEmpty { return "column name is empty" }
            if causalLength % 2 == 0 { return "a column change needs an odd causal length (row exists), got \(causalLength)" }
        } else if !value.isNull {
            return "a row marker carries no value"
        }
        if key.isEmpty { return "row key is empty" }
        return nil
    }
}
