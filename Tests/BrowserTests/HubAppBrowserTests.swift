import Foundation
import ReformsyncTestSupport
import Testing

/// The appraisers' app (served by `reformsync hub` under /app) in headless Chromium through
/// WebDriver, with U's harness (ChromeDriver, OfficeWorld). Skipped with a message only when
/// chromedriver is absent and REFORMSYNC_REQUIRE_BROWSER is unset. With REFORMSYNC_SCREENSHOTS=DIR
/// it saves the main pages at 1366×768 and at phone width (390 px) into DIR (docs/screenshots).
@Suite("appraisers' app in a real browser", .serialized, .timeLimit(.minutes(10)))
struct HubAppBrowserTests {
    static let appraiserPassword = "thẩm định viên 2021"
    static let adminPassword = "quản trị Sở Nội vụ"

    func day(_ offset: Int) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        return formatter.string(from: Date().addingTimeInterval(Double(offset) * 86_400))
    }

    func hubLogin(_ browser: BrowserSession, _ base: String, _ name: String, _ password: String) throws {
        try browser.open(base + "/app/login")
        try browser.fill("#username", name)
        try browser.fill("#password", password)
        try browser.element("#login").click()
    }

    func shoot(_ browser: BrowserSession, _ name: String) throws {
        guard let directory = ProcessInfo.processInfo.environment["REFORMSYNC_SCREENSHOTS"] else { return }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try browser.resize(width: 1366, height: 768)
        try browser.screenshot().write(to: URL(fileURLWithPath: directory + "/\(name).png"))
        try browser.resize(width: 390, height: 844)
        try browser.screenshot().write(to: URL(fileURLWithPath: directory + "/\(name)-phone.png"))
        try browser.resize(width: 1366, height: 768)
    }

    @Test("appraiser deducts with a reason next to the criterion's self-score, note and evidence; admin pages; wrong password, CSRF, appraiser on an admin page, foreign Host")
    func appraiserFlow() throws {
        guard UnitAppBrowserTests.available else { return }
        let world = try OfficeWorld("hubapp")
        defer { world.shutdown() }
        try world.startHub()
        let hubYAML = world.root + "/hub.yaml"
        let base = "http://127.0.0.1:\(world.hubPort)"
        // SONDUONG scores two sub-criteria with a note, a reference and a PDF, in the self-assessment phase, and syncs.
        #expect(world.node(["sync", "--once"]).code == 0)
        let put = world.node(["record", "put", "assessment_scores", #"""
            [{"unit":"SONDUONG","year":2021,"criterion":"TQ2021-1.1.1","self_score":1,"self_note":"Ban hành đúng hạn","evidence":"KH 12/KH-UBND"},
             {"unit":"SONDUONG","year":2021,"criterion":"TQ2021-1.1.2","self_score":2}]
            """#])
        #expect(put.code == 0, "\(put)")
        try world.write("kh12.pdf", "%PDF-1.4\n% Kế hoạch 12\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
        #expect(world.node(["files", "add", "assessment_scores", "SONDUONG/2021/TQ2021-1.1.1", world.root + "/kh12.pdf", "--name", "Kế hoạch 12.pdf"]).code == 0)
        #expect(world.node(["sync", "--once"]).code == 0)
        // The appraisal phase is now; two accounts at the hub.
        try world.must(["season", "set", "--year", "2021", "--self-assessment-until", day(-1), "--config", hubYAML])
        try world.must(["users", "add", "thamdinh", "--role", "appraiser", "--password-stdin", "--config", hubYAML], stdin: Self.appraiserPassword + "\n")
        try world.must(["users", "add", "quantri", "--role", "admin", "--password-stdin", "--config", hubYAML], stdin: Self.adminPassword + "\n")

        let driver = try ChromeDriver(logDirectory: world.root + "/logs")
        defer { driver.stop() }
        let appraiser = try driver.session()

        // Wrong password: the login page again with its message; an anonymous page view goes to the login.
        try appraiser.open(base + "/app/")
        #expect(appraiser.url.contains("/app/login?next="), "\(appraiser.url)")
        try shoot(appraiser, "hub-login")
        try hubLogin(appraiser, base, "thamdinh", "sai mật khẩu")
        #expect(try appraiser.element("#login-error").text == "Tên đăng nhập hoặc mật khẩu không đúng.")

        // Progress across units, then SONDUONG's criteria beside its score, note and evidence.
        try hubLogin(appraiser, base, "thamdinh", Self.appraiserPassword)
        try appraiser.open(base + "/app/?year=2021")
        #expect(appraiser.title.hasPrefix("Tiến độ thẩm định"), "\(appraiser.title)")
        #expect(appraiser.text.contains("UBND huyện Sơn Dương"))
        try shoot(appraiser, "hub-progress")
        try appraiser.element("#unit-SONDUONG").click()
        #expect(appraiser.text.contains("Ban hành kế hoạch cải cách hành chính năm kịp thời") && appraiser.text.contains("Ban hành đúng hạn")
                && appraiser.text.contains("KH 12/KH-UBND") && appraiser.text.contains("Kế hoạch 12.pdf"), "\(appraiser.text.prefix(1500))")
        let row = "#c-TQ2021-1-1-1"
        // A deduction without its reason: refused next to the field, in Vietnamese.
        try appraiser.fill("\(row) input[name=score]", "0,5")
        try appraiser.element("\(row) form.appraise button").click()
        #expect(try appraiser.element("\(row) .field-error").text.contains("cần ghi lý do trừ điểm"))
        #expect(try world.must(["record", "get", "assessment_scores", "SONDUONG/2021/TQ2021-1.1.1", "--config", hubYAML]).stdout
                    .range(of: #""appraised_score"\s*:\s*[0-9]"#, options: .regularExpression) == nil, "nothing appraised")
        try appraiser.fill("\(row) input[name=score]", "0,5")
        try appraiser.fill("\(row) textarea[name=reason]", "Kế hoạch ban hành sau ngày 15/01")
        try appraiser.element("\(row) form.appraise button").click()
        #expect(appraiser.text.contains("(trừ 0.5)") && appraiser.text.contains("Lý do: Kế hoạch ban hành sau ngày 15/01"), "\(appraiser.text.prefix(1500))")
        let stored = try world.must(["record", "get", "assessment_scores", "SONDUONG/2021/TQ2021-1.1.1", "--config", hubYAML]).stdout
        #expect(stored.contains("0.5") && stored.contains("Kế hoạch ban hành sau ngày 15/01"), "\(stored)")
        try shoot(appraiser, "hub-unit-appraisal")
        // The evidence opens in the browser.
        try appraiser.element("\(row) a[href^='/app/files/']").click()
        #expect(eventually(timeout: 10) { appraiser.url.contains("/app/files/") || (try? appraiser.command("GET", "/window/handles") as? [Any])?.count == 2 })

        // A form posted without its CSRF token: 403, nothing stored.
        try appraiser.open(base + "/app/units/SONDUONG?year=2021")
        try appraiser.script("document.querySelectorAll('#c-TQ2021-1-1-2 input[name=_csrf]').forEach(e => e.remove())")
        try appraiser.fill("#c-TQ2021-1-1-2 input[name=score]", "1")
        try appraiser.element("#c-TQ2021-1-1-2 form.appraise button").click()
        #expect(try appraiser.element("#error-message").text.contains("CSRF"))
        #expect(try world.must(["record", "get", "assessment_scores", "SONDUONG/2021/TQ2021-1.1.2", "--config", hubYAML]).stdout
                    .range(of: #""appraised_score"\s*:\s*[0-9]"#, options: .regularExpression) == nil, "nothing appraised")
        // An appraiser on an admin page: 403 with the reason.
        try appraiser.open(base + "/app/tokens")
        #expect(try appraiser.element("#error-message").text.contains("không có quyền"))
        // The dashboard behind the same login.
        try appraiser.open(base + "/app/dashboard?year=2021")
        #expect(appraiser.text.contains("Cải cách hành chính"))
        try shoot(appraiser, "hub-dashboard")

        // The admin (a second browser): phase dates, node tokens, publishing.
        let admin = try driver.session()
        try hubLogin(admin, base, "quantri", Self.adminPassword)
        try admin.open(base + "/app/season?year=2021")
        #expect(try admin.element("#self-assessment-until").value == day(-1))
        #expect(admin.text.contains("Giai đoạn hiện tại: thẩm định"), "\(admin.text.prefix(600))")
        try shoot(admin, "hub-season")
        try admin.open(base + "/app/tokens")
        // Na Hang ceased in the 2025 reorganisation (units.valid_to): no new token, and the page says why.
        try admin.fill("#token-form input[name=unit]", "NAHANG")
        try admin.element("#token-form button").click()
        #expect(admin.text.contains("thôi hoạt động từ 2025-06-30"), "\(admin.text.prefix(600))")
        #expect(!admin.exists("#new-token"))
        try admin.fill("#token-form input[name=unit]", "SONDUONG")
        try admin.fill("#token-form input[name=note]", "máy chủ Sơn Dương (thay mã)")
        try admin.element("#token-form button").click()
        #expect(try admin.element("#new-token").text.hasPrefix("rs1_"))
        try shoot(admin, "hub-tokens")
        try admin.open(base + "/app/publish?year=2021")
        try shoot(admin, "hub-publish")

        // A foreign Host (DNS rebinding) is refused before any session is read.
        let rebinding = try driver.session(hostRules: "MAP evil.example 127.0.0.1")
        try rebinding.open("http://evil.example:\(world.hubPort)/app/login")
        #expect(rebinding.text.contains("Host"), "\(rebinding.text)")
        #expect(!rebinding.exists("#username"))
    }
}
