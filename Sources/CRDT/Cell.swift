/// The current value of one field of a row, with the stamp of the write that set it.
public struct Cell: Hashable, Sendable {
    public var value: Value
    public var stamp: Stamp

    public init(value: Value, stamp: Stamp) {
        self.value = value
        self.stamp = stamp
    }

    /// Last-writer-wins order: by stamp, then by value so exact stamp ties still resolve alike.
    public func isOverridden(by other: Cell) -> Bool {
        if stamp != other.stamp { return stamp < other.stamp }
        return Value.precedes(value, other.value)
    }
}
