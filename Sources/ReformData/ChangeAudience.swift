/// Who may read the rows a commit changed: what the hub needs to wake only the long polls of
/// units that may read something new (Protocol/README.md §18.3), instead of all of them.
///
/// Built from the changed rows' tables, owners and keys (`Replica.audience(ofRowsAfter:_:)`);
/// ``ReadPolicy/mayReadAny(of:)`` applies the read scopes of §11 to it. It may say more than the
/// truth (``everyone`` when unsure), never less: a unit it leaves out must have nothing new to read.
public struct ChangeAudience: Sendable, Equatable {
    /// A row of an `everyone` table changed, or the changes were too many to sort out.
    public var everyone: Bool
    /// Owners of the changed rows of `owner` and `assigned` tables (tombstones keep theirs).
    public var owners: Set<String>
    /// Keys of the changed rows of `assigned` tables (tasks), read by the units assigned to them.
    public var assignedKeys: Set<String>

    public init(everyone: Bool = false, owners: Set<String> = [], assignedKeys: Set<String> = []) {
        self.everyone = everyone
        self.owners = owners
        self.assignedKeys = assignedKeys
    }

    /// Every unit (shared data changed, or nobody knows what changed).
    public static let everyone = ChangeAudience(everyone: true)
    /// No unit: nothing readable changed.
    public static let nobody = ChangeAudience()

    public var isNobody: Bool { !everyone && owners.isEmpty && assignedKeys.isEmpty }
}

extension ReadPolicy {
    /// Whether the unit may read at least one of the rows `audience` describes: the rule of
    /// ``mayRead(_:key:owner:)``, row by row, folded over the rows.
    public func mayReadAny(of audience: ChangeAudience) -> Bool {
        if audience.everyone || audience.owners.contains(unit) { return true }
        if !predecessors.isEmpty, !audience.owners.isDisjoint(with: predecessors) { return true }
        return !assignedTasks.isEmpty && !audience.assignedKeys.isDisjoint(with: assignedTasks)
    }
}
