/// The merged state of one replicated row: a causal-length set element whose fields are
/// last-writer-wins registers.
///
/// The state is a pure function of the *set* of changes merged into it, which is what makes the
/// merge commutative, associative and idempotent:
/// - ``causalLength`` is the largest causal length of any change seen (odd: exists, even: deleted);
/// - ``marker`` is the greatest stamp among row markers at that causal length;
/// - each cell is the greatest (stamp, value) among column changes at that causal length.
///
/// Changes made at a smaller causal length belong to an earlier life of the row: a delete beats
/// the edits it has seen, and a later re-create beats the delete.
public struct RowState: Hashable, Sendable {
    public private(set) var causalLength: UInt64
    public private(set) var marker: Stamp?
    public private(set) var cells: [String: Cell]

    public init(causalLength: UInt64 = 0, marker: Stamp? = nil, cells: [String: Cell] = [:]) {
        self.causalLength = causalLength
        self.marker = marker
        self.cells = cells
    }

    /// Whether the row exists (odd causal length).
    public var exists: Bool { causalLength % 2 == 1 }

    /// Whether any change was ever merged into this row.
    public var isKnown: Bool { causalLength > 0 }

    /// Merges one change and says what happened, so storage can keep an audit trail.
    @discardableResult
    public mutating func merge(_ change: Change) -> MergeOutcome {
        if change.causalLength < causalLength { return .stale }
        var displaced: [String: Cell] = [:]
        var displacedMarker: Stamp?
        if change.causalLength > causalLength {
            displaced = cells
            displacedMarker = marker
            causalLength = change.causalLength
            marker = nil
            cells = [:]
        }
        guard let column = change.column else {
            // After a causal-length increase `marker` is nil, so this only compares equal lives.
            if let marker, change.stamp <= marker {
                return change.stamp == marker ? .duplicate : .lost
            }
            if displacedMarker == nil { displacedMarker = marker }
            marker = change.stamp
            return .applied(displaced: displaced, displacedMarker: displacedMarker)
        }
        let incoming = Cell(value: change.value, stamp: change.stamp)
        if let current = cells[column] {
            if current == incoming { return .duplicate }
            if !current.isOverridden(by: incoming) { return .lost }
            displaced[column] = current
        }
        cells[column] = incoming
        return .applied(displaced: displaced, displacedMarker: displacedMarker)
    }

    /// The visible value of a column: nil when the row does not exist or the field was never set.
    public func value(of column: String) -> Value? {
        guard exists else { return nil }
        return cells[column]?.value
    }

    /// All changes that reproduce this state on an empty replica (the row marker first).
    public func changes(table: String, key: String) -> [Change] {
        var result: [Change] = []
        if let marker {
            result.append(Change(table: table, key: key, column: nil, value: .null, stamp: marker, causalLength: causalLength))
        }
        for column in cells.keys.sorted() {
            let cell = cells[column]!
            result.append(Change(table: table, key: key, column: column, value: cell.value, stamp: cell.stamp, causalLength: causalLength))
        }
        return result
    }
}

/// What merging one change did to a ``RowState``.
public enum MergeOutcome: Hashable, Sendable {
    /// The change took effect; `displaced` holds the cells it replaced or retired (a causal-length
    /// increase retires every cell of the row's previous life) and `displacedMarker` the row
    /// marker it replaced, if any.
    case applied(displaced: [String: Cell], displacedMarker: Stamp?)
    /// Exactly this change was merged before: nothing to do.
    case duplicate
    /// A concurrent or older write with a greater stamp already holds the field.
    case lost
    /// The change belongs to an earlier life of the row (smaller causal length).
    case stale

    public var tookEffect: Bool { if case .applied = self { return true } else { return false } }
}
