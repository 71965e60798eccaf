import Foundation
import HTTPTypes
import Hummingbird

/// The guard of a group of office pages: a logged-in user whose role includes `role`, and on
/// every POST the session's CSRF token (form field `_csrf`, or the `_csrf` query parameter for
/// multipart uploads). Attached where the routes are grouped, so a page cannot be added
/// without it:
///
///     let clerkPages = router.group("app").add(middleware: OfficeGuard(app: app, role: .clerk))
///
/// No session (or an expired one): a GET goes to the login page (with `next`), a POST is
/// answered 401 with a page saying the session ended. Wrong role: 403. Missing or wrong CSRF
/// token, or a POST sent by another site's page (``OfficeApp/crossSite(_:)``): 403. Handlers read the user from ``OfficeSession/current`` and the (checked) form
/// from ``FormBody/current``; an ``OfficePageError`` they throw becomes an HTML page.
public struct OfficeGuard<Context: RequestContext>: RouterMiddleware {
    public let app: OfficeApp
    public let role: OfficeRole

    public init(app: OfficeApp, role: OfficeRole) {
        self.app = app
        self.role = role
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let hadCookie = request.cookies[app.cookieName] != nil
        guard let session = app.session(of: request) else {
            if request.method == .get || request.method == .head {
                let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                let query = "next=" + (target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") + (hadCookie ? "&expired=1" : "")
                return OfficePages.redirect(app.loginPath + "?" + query)
            }
            return app.pages.errorPage(OfficePageError(status: 401, title: "Phiên đăng nhập đã hết hạn",
                                                       message: "Phiên làm việc đã hết hạn hoặc chưa đăng nhập. Vui lòng đăng nhập lại; dữ liệu của biểu mẫu này chưa được lưu."),
                                       home: app.loginPath)
        }
        guard session.role.includes(role) else {
            return app.pages.errorPage(.forbidden("Tài khoản \(session.account) (\(session.role.label)) không có quyền này."),
                                       home: app.basePath + "/", session: session, logoutPath: app.logoutPath)
        }
        var form = FormBody()
        if request.method == .post {
            guard !OfficeApp.crossSite(request) else { return app.crossSitePage() }
            do { form = try await OfficeApp.readForm(&request) } catch let error as OfficePageError {
                return app.pages.errorPage(error, home: app.basePath + "/", session: session, logoutPath: app.logoutPath)
            }
            let sent = form["_csrf"] ?? request.uri.queryParameters["_csrf"].map(String.init) ?? ""
            guard OfficeApp.sameToken(sent, session.csrf) else {
                return app.pages.errorPage(.forbidden("Biểu mẫu thiếu mã bảo vệ (CSRF) hoặc mã không đúng. Hãy tải lại trang rồi gửi lại."),
                                           home: app.basePath + "/", session: session, logoutPath: app.logoutPath)
            }
        }
        do {
            return try await OfficeSession.$current.withValue(session) {
                try await FormBody.$current.withValue(form) { try await next(request, context) }
            }
        } catch let error as OfficePageError {
            return app.pages.errorPage(error, home: app.basePath + "/", session: session, logoutPath: app.logoutPath)
        }
    }
}
