import Foundation

/// A logged-in user of an office app, as the guard found it for the request being served.
public struct OfficeSession: Sendable, Equatable {
    public var account: String
    public var role: OfficeRole
    /// The token every form of this session carries (`_csrf`), checked on every POST.
    public var csrf: String
    public var createdMillis: Int64

    /// The session of the request being served: set by ``OfficeGuard`` for the handlers of its
    /// group (a task-local, so it works with any request context type).
    @TaskLocal public static var current: OfficeSession?

    /// The current session; a handler reached without the guard is a programming error, answered 401.
    public static func required() throws(OfficePageError) -> OfficeSession {
        guard let current else { throw OfficePageError(status: 401, title: "Chưa đăng nhập", message: "Vui lòng đăng nhập.") }
        return current
    }

    public static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
