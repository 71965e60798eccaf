/// Where an office app runs: the unit's node or the provincial hub. Each has its own roles.
public enum OfficeSite: String, Sendable, CaseIterable {
    case node, hub

    /// The roles an account may have here.
    public var roles: [OfficeRole] {
        switch self {
        case .node: [.clerk, .leader]
        case .hub: [.appraiser, .admin]
        }
    }
}

/// An account's role. A role includes the ones below it at its site: a leader does everything a
/// clerk does (and submits); an admin everything an appraiser does (and sets phases, publishes,
/// issues node tokens).
public enum OfficeRole: String, Sendable, CaseIterable, Codable {
    case clerk, leader, appraiser, admin

    public var site: OfficeSite {
        switch self {
        case .clerk, .leader: .node
        case .appraiser, .admin: .hub
        }
    }

    /// Whether an account with this role may do what `required` may.
    public func includes(_ required: OfficeRole) -> Bool {
        switch (self, required) {
        case (.leader, .clerk), (.admin, .appraiser): true
        default: self == required
        }
    }

    /// The role's name on pages (Vietnamese).
    public var label: String {
        switch self {
        case .clerk: "Cán bộ CCHC"
        case .leader: "Lãnh đạo đơn vị"
        case .appraiser: "Thẩm định viên"
        case .admin: "Quản trị"
        }
    }
}
