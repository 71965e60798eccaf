/// A page-level failure: shown as an HTML page with its status (never a JSON envelope, never a crash).
public struct OfficePageError: Error, Sendable {
    public var status: Int
    public var title: String
    public var message: String
    public init(status: Int, title: String, message: String) {
        self.status = status
        self.title = title
        self.message = message
    }

    public static func forbidden(_ message: String) -> OfficePageError {
        OfficePageError(status: 403, title: "Không được phép", message: message)
    }

    public static func notFound(_ message: String) -> OfficePageError {
        OfficePageError(status: 404, title: "Không tìm thấy", message: message)
    }

    public static func badRequest(_ message: String) -> OfficePageError {
        OfficePageError(status: 400, title: "Yêu cầu không hợp lệ", message: message)
    }
}
