import Foundation
import HTTPTypes
import Hummingbird

/// The login and logout routes of an office app (`GET|POST <base>/login`, `POST <base>/logout`).
///
/// The login form is the one page reachable without a session; it has no CSRF token to check
/// (there is no session yet) but the cookie is SameSite=Strict, and a login only ever opens a
/// session for whoever knows the password. Failures count against the name and the client
/// address (``LoginThrottle``); the answer never says which of name or password was wrong.
public enum OfficeLogin {
    public static func addRoutes<Context: RequestContext>(to group: RouterGroup<Context>, app: OfficeApp) {
        group.get("login") { request, _ -> Response in
            var context: [String: Any] = ["loginPath": app.loginPath, "next": app.safeNext(request.uri.queryParameters["next"].map(String.init))]
            if request.uri.queryParameters["expired"] != nil { context["message"] = "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại." }
            return app.pages.page("login", context, title: "Đăng nhập", session: nil)
        }

        group.post("login") { request, requestContext -> Response in
            guard !OfficeApp.crossSite(request) else { return app.crossSitePage() }
            var request = request
            let form = try await OfficeApp.readForm(&request)
            let name = (form["username"] ?? "").trimmingCharacters(in: .whitespaces)
            let password = form["password"] ?? ""
            let next = app.safeNext(form["next"])
            let address = OfficeApp.address(requestContext)
            func again(_ message: String, status: HTTPResponse.Status) -> Response {
                app.pages.page("login", ["loginPath": app.loginPath, "next": next, "username": name, "message": message],
                               title: "Đăng nhập", session: nil, status: status)
            }
            if let wait = app.throttle.blocked(account: name, address: address) {
                let minutes = max(1, (wait + 59_999) / 60_000)
                return again("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau \(minutes) phút.", status: .tooManyRequests)
            }
            guard let account = try app.accounts.verify(name: name, password: password) else {
                app.throttle.failed(account: name, address: address)
                return again("Tên đăng nhập hoặc mật khẩu không đúng.", status: .unauthorized)
            }
            app.throttle.succeeded(account: name)
            let opened = try app.accounts.openSession(for: account)
            var response = OfficePages.redirect(next)
            response.setCookie(app.sessionCookie(opened.cookie, maxAge: app.settings.sessionMaxHours * 3600))
            return response
        }

        group.post("logout") { request, _ -> Response in
            guard !OfficeApp.crossSite(request) else { return app.crossSitePage() }
            var request = request
            let form = try await OfficeApp.readForm(&request)
            if let cookie = request.cookies[app.cookieName]?.value, let session = app.session(of: request) {
                guard OfficeApp.sameToken(form["_csrf"] ?? "", session.csrf) else {
                    return app.pages.errorPage(.forbidden("Biểu mẫu thiếu mã bảo vệ (CSRF). Hãy tải lại trang rồi thử lại."), home: app.basePath + "/")
                }
                try app.accounts.closeSession(cookie: cookie)
            }
            var response = OfficePages.redirect(app.loginPath)
            response.setCookie(app.sessionCookie("", maxAge: 0))
            return response
        }
    }
}
