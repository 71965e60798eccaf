import Foundation
import Hummingbird
@testable import OfficeWeb
import ReformsyncConfig
import Testing

@Suite struct OfficeGuardPartsTests {
    @Test func throttleLocksANameAfterFiveFailuresAndAnAddressAfterTwenty() {
        let throttle = LoginThrottle(perAccount: 5, perAddress: 20, windowSeconds: 900)
        let t: Int64 = 1_000_000
        for i in 0..<5 {
            #expect(throttle.blocked(account: "lan", address: "10.0.0.5", nowMillis: t + Int64(i)) == nil)
            throttle.failed(account: "lan", address: "10.0.0.5", nowMillis: t + Int64(i))
        }
        #expect(throttle.blocked(account: "LAN", address: "10.0.0.9", nowMillis: t + 10) != nil)
        #expect(throttle.blocked(account: "hung", address: "10.0.0.9", nowMillis: t + 10) == nil)
        #expect(throttle.blocked(account: "lan", address: "10.0.0.9", nowMillis: t + 900_001) == nil)
        for i in 0..<20 { throttle.failed(account: "name\(i)", address: "10.0.0.7", nowMillis: t) }
        #expect(throttle.blocked(account: "someone", address: "10.0.0.7", nowMillis: t + 1) != nil)
        throttle.succeeded(account: "lan")
        #expect(throttle.blocked(account: "lan", address: "10.0.0.9", nowMillis: t + 10) == nil)
    }

    @Test func hostAllowListRefusesForeignNames() {
        let list = OfficeHostAllowList<Hummingbird.BasicRequestContext>(names: ["cchc.sonduong.local"])
        #expect(list.allows("cchc.sonduong.local"))
        #expect(list.allows("CCHC.sonduong.local:8470"))
        #expect(list.allows("127.0.0.1:8470"))
        #expect(!list.allows("evil.example"))
        #expect(!list.allows("cchc.sonduong.local.evil.example"))
        #expect(!list.allows("cchc.sonduong.local:99999"))
        #expect(!list.allows(nil))
    }

    @Test func csrfComparisonAndSafeRedirects() throws {
        #expect(OfficeApp.sameToken("abc", "abc"))
        #expect(!OfficeApp.sameToken("abc", "abd"))
        #expect(!OfficeApp.sameToken("", ""))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("officeweb-\(UUID().uuidString)").path
        let app = OfficeApp(accounts: try AccountStore(dataDirectory: directory, site: .node, bcryptCost: 4), settings: OfficeSettings(),
                            appName: "Đơn vị", basePath: "/app")
        #expect(app.safeNext("/app/tu-danh-gia?nam=2021") == "/app/tu-danh-gia?nam=2021")
        #expect(app.safeNext("https://evil.example/") == "/app/")
        #expect(app.safeNext("//evil.example/app/") == "/app/")
        #expect(app.safeNext("/application") == "/app/")
        #expect(app.cookieName == "reformsync_session")
        let secure = OfficeApp(accounts: app.accounts, settings: OfficeSettings(secureCookies: true), appName: "x", basePath: "/app")
        #expect(secure.cookieName.hasPrefix("__Host-"))
        let cookie = secure.sessionCookie("v", maxAge: 60)
        #expect(cookie.secure && cookie.httpOnly && cookie.sameSite == .strict && cookie.path == "/")
    }

    @Test func layoutEscapesAndKeepsDiacritics() throws {
        var pages = OfficePages(appName: "Phần mềm CCHC")
        try pages.register("<p id=x>{{text}}</p>", named: "probe")
        let html = pages.fragment("probe", ["text": "Điểm <b>tự đánh giá</b>"])
        #expect(html.contains("Điểm &lt;b&gt;tự đánh giá&lt;/b&gt;"))
        let session = OfficeSession(account: "lan", role: .clerk, csrf: "TOKEN", createdMillis: 0)
        let response = pages.page("probe", [:], title: "x", session: nil)
        #expect(response.headers[.contentType] == "text/html; charset=utf-8")
        #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
        #expect(response.headers[.cacheControl] == "no-store")
        let body = pages.pageHTML("probe", ["text": "Tiêu chí"], title: "Tự đánh giá", session: session, nav: [NavLink("/app/", "Trang chủ")],
                                  banner: "<span>Đồng bộ</span>", logoutPath: "/app/logout")
        #expect(body.contains("name=\"_csrf\" value=\"TOKEN\""))
        #expect(body.contains("Đăng xuất"))
        #expect(body == body.precomposedStringWithCanonicalMapping)
        #expect(!body.contains("http://") && !body.contains("https://"))
    }
}
