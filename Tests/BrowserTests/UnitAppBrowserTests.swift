import Foundation
import OfficeWeb
import ReformsyncTestSupport
import Testing

/// The unit's office app in headless Chromium, driven through WebDriver (Debian's chromedriver).
/// Skipped with a message only when chromedriver is absent and REFORMSYNC_REQUIRE_BROWSER is
/// unset (`make test` and `.ci/run` set it, so CI never skips).
@Suite("unit app in a real browser", .serialized, .timeLimit(.minutes(10)))
struct UnitAppBrowserTests {
    static var available: Bool {
        if ChromeDriver.executable != nil { return true }
        if ChromeDriver.required { return true }  // runs, and fails clearly, when required
        print("SKIPPED: the browser tests need Debian's chromium-driver (apt-get install chromium chromium-driver); set REFORMSYNC_REQUIRE_BROWSER=1 to make its absence a failure")
        return false
    }

    func login(_ browser: BrowserSession, _ world: OfficeWorld, _ name: String, _ password: String) throws {
        try browser.open(world.appURL + "/app/login")
        try browser.fill("#username", name)
        try browser.fill("#password", password)
        try browser.element("#login").click()
    }

    /// The leaves of the 2021 tree a district scores itself (not survey criteria, not department-only), from the reference file.
    func scoredLeaves() throws -> [(id: String, max: String)] {
        let text = try String(contentsOfFile: OfficeWorld.repositoryRoot + "/Config/reference/2021/criteria.csv", encoding: .utf8)
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init) }
        let parents = Set(rows.map { $0[2] })
        // Survey criteria and those for departments only (SONDUONG is a district), with their descendants.
        var survey = Set<String>()
        for row in rows where row[8] == "có" || row[7] == "department" { survey.insert(row[0]) }
        var changed = true
        while changed {
            changed = false
            for row in rows where survey.contains(row[2]) && !survey.contains(row[0]) { survey.insert(row[0]); changed = true }
        }
        return rows.filter { !parents.contains($0[0]) && !survey.contains($0[0]) }.map { ($0[0], $0[6]) }
    }

    @Test("clerk scores with errors in Vietnamese, wrong password, CSRF, a clerk submitting, hub down, expired session, leader submits, foreign Host")
    func unitAppFlow() throws {
        guard Self.available else { return }
        let world = try OfficeWorld("unit")
        defer { world.shutdown() }
        try world.startHub()
        try world.startDaemon()
        let driver = try ChromeDriver(logDirectory: world.root + "/logs")
        defer { driver.stop() }
        let clerk = try driver.session()
        let shots = ProcessInfo.processInfo.environment["REFORMSYNC_SCREENSHOTS"]

        // The first sync brings the criteria tree and the season.
        #expect(eventually(timeout: 30) { world.node(["record", "list", "criteria"]).stdout.contains("TQ2021-1.1.1") })

        // Wrong password: the login page again, with the message, and no session.
        try login(clerk, world, "lan", "sai mật khẩu rồi")
        #expect(try clerk.element("#login-error").text == "Tên đăng nhập hoặc mật khẩu không đúng.")
        #expect(clerk.url.contains("/app/login"))
        try clerk.open(world.appURL + "/app/tu-danh-gia")
        #expect(clerk.url.contains("/app/login?next="), "an anonymous page view goes to the login: \(clerk.url)")

        // The clerk logs in and lands on the self-assessment of the season's year.
        try login(clerk, world, "lan", OfficeWorld.clerkPassword)
        #expect(clerk.url.hasSuffix("/app/tu-danh-gia"), "\(clerk.url)")
        #expect(clerk.title.hasPrefix("Tự đánh giá năm 2021"))
        let leaves = try scoredLeaves()
        #expect(try clerk.element("#missing-count").text == String(leaves.count))
        #expect(clerk.text.contains("Công tác chỉ đạo, điều hành cải cách hành chính"))
        if let shots { try save(clerk, shots, "unit-self-assessment") }

        // A score above the criterion's maximum: refused next to the field, in Vietnamese, nothing stored.
        let row = "#c-TQ2021_1_1_1"
        try clerk.fill("\(row) input[name=self_score]", "7")
        try clerk.element("\(row) button").click()
        #expect(try clerk.element("\(row) .field-error").text == "Điểm tự đánh giá phải từ 0 đến 1.")
        #expect(world.node(["record", "get", "assessment_scores", "SONDUONG/2021/TQ2021-1.1.1"]).code != 0)
        // A valid score with a decimal comma, a note and evidence: stored.
        try clerk.fill("\(row) input[name=self_score]", "0,75")
        try clerk.fill("\(row) textarea[name=self_note]", "Đã ban hành kế hoạch đúng hạn")
        try clerk.fill("\(row) textarea[name=evidence]", "KH 12/KH-UBND ngày 10/01/2021")
        try clerk.element("\(row) button").click()
        #expect(clerk.text.contains("Đã lưu tiêu chí 1.1.1"))
        #expect(try clerk.element("\(row) input[name=self_score]").value == "0,75")
        let stored = world.node(["record", "get", "assessment_scores", "SONDUONG/2021/TQ2021-1.1.1"]).stdout
        #expect(stored.contains("0.75") && stored.contains("Đã ban hành kế hoạch đúng hạn") && stored.contains("KH 12/KH-UBND"), "\(stored)")

        // Evidence: a PDF attached to the scored criterion, listed with a link, openable; a file of a refused kind is refused next to the field.
        let pdf = world.root + "/Kế hoạch CCHC 2021.pdf"
        try Data("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".utf8).write(to: URL(fileURLWithPath: pdf))
        try clerk.element("\(row) input[type=file]").type(pdf)
        try clerk.element("\(row) .upload button").click()
        #expect(clerk.text.contains("Đã đính kèm tài liệu."), "\(clerk.text.prefix(500))")
        #expect(try clerk.element("\(row) a.file").text == "Kế hoạch CCHC 2021.pdf")
        let listed = world.node(["files", "list", "assessment_scores", "SONDUONG/2021/TQ2021-1.1.1"])
        #expect(listed.stdout.contains("Kế hoạch CCHC 2021.pdf"), "\(listed)")
        let script = world.root + "/script.sh"
        try Data("#!/bin/sh\necho hi\n".utf8).write(to: URL(fileURLWithPath: script))
        try clerk.element("\(row) input[type=file]").type(script)
        try clerk.element("\(row) .upload button").click()
        #expect(try clerk.element("\(row) .field-error").text.contains("chỉ nhận PDF"), "\(clerk.text.prefix(500))")
        #expect(try clerk.elements("\(row) a.file").count == 1)

        // A form posted without its CSRF token: 403, nothing stored.
        try clerk.script("document.querySelectorAll('#f-TQ2021_1_1_2 input[name=_csrf]').forEach(e => e.remove())")
        try clerk.fill("#c-TQ2021_1_1_2 input[name=self_score]", "1")
        try clerk.element("#c-TQ2021_1_1_2 button").click()
        #expect(try clerk.element("#error-message").text.contains("CSRF"))
        #expect(world.node(["record", "get", "assessment_scores", "SONDUONG/2021/TQ2021-1.1.2"]).code != 0)

        // A clerk has no submit button, and a submission forged with a valid token is refused 403.
        try clerk.open(world.appURL + "/app/tu-danh-gia")
        #expect(!clerk.exists("#submit"))
        try clerk.script("""
            const f = document.createElement('form'); f.method = 'post'; f.action = '/app/tu-danh-gia/nop';
            for (const [k, v] of [['_csrf', document.querySelector('input[name=_csrf]').value], ['nam', '2021']]) {
              const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i); }
            document.body.appendChild(f); f.submit();
            """)
        #expect(eventually(timeout: 5) { (try? clerk.element("#error-message").text.contains("không có quyền")) ?? false })
        #expect(!world.node(["record", "get", "assessments", "SONDUONG/2021"]).stdout.contains("submitted"))

        // The hub stops: the app keeps working, the banner says offline, the change waits.
        world.stopHub()
        try clerk.open(world.appURL + "/app/tu-danh-gia")
        try clerk.fill("#c-TQ2021_1_1_2 input[name=self_score]", "2")
        try clerk.element("#c-TQ2021_1_1_2 button").click()
        #expect(clerk.text.contains("Đã lưu tiêu chí 1.1.2"))
        try clerk.element("#sync-now").click()
        #expect(eventually(timeout: 20, every: 0.5) {
            try? clerk.open(world.appURL + "/app/tu-danh-gia")
            return clerk.exists("#offline")
        }, "the banner never said offline: \(clerk.text.prefix(400))")
        #expect(try clerk.element("#pending").text != "Chờ gửi: 0 thay đổi")
        if let shots { try save(clerk, shots, "unit-offline-banner") }
        // The other pages work offline too.
        for path in ["/app/giai-trinh", "/app/de-an-06", "/app/nhiem-vu", "/app/sang-kien", "/app/ket-qua"] {
            try clerk.open(world.appURL + path)
            #expect(clerk.exists("main h1"), "\(path): \(clerk.text.prefix(300))")
        }
        try world.startHub()
        try clerk.open(world.appURL + "/app/tu-danh-gia")
        try clerk.element("#sync-now").click()
        #expect(eventually(timeout: 30, every: 0.5) {
            try? clerk.open(world.appURL + "/app/tu-danh-gia")
            return !clerk.exists("#offline") && ((try? clerk.element("#pending").text) == "Chờ gửi: 0 thay đổi")
        }, "the banner never came back online: \(clerk.text.prefix(400))")

        // Decision-06 report: an impossible pair refused next to the field, then stored.
        try clerk.open(world.appURL + "/app/de-an-06?ky=2026-Q4")
        let service = "#r-s-D06_01"
        try clerk.script("document.querySelector('\(service) select').value = 'full'")
        try clerk.fill("\(service) input[name=dossiers_received]", "120")
        try clerk.fill("\(service) input[name=dossiers_online]", "150")
        try clerk.element("\(service) button").click()
        #expect(try clerk.element("\(service) .field-error").text.contains("lớn hơn số hồ sơ tiếp nhận"))
        try clerk.fill("\(service) input[name=dossiers_online]", "100")
        try clerk.element("\(service) button").click()
        #expect(clerk.text.contains("Đã lưu báo cáo dịch vụ."))
        #expect(world.node(["record", "get", "service_deployments", "SONDUONG/2026-Q4/D06-01"]).stdout.contains("\"dossiers_online\" : 100"))
        // A progress report on the unit's task, and an initiative.
        try clerk.open(world.appURL + "/app/nhiem-vu")
        try clerk.fill("#t-NV-2026-01 input[name=progress_percent]", "50")
        try clerk.fill("#t-NV-2026-01 input[name=note]", "Đã số hoá 50% hồ sơ")
        try clerk.element("#t-NV-2026-01 button").click()
        #expect(clerk.text.contains("Tiến độ: 50%"), "\(clerk.text.prefix(600))")
        try clerk.open(world.appURL + "/app/sang-kien")
        try clerk.fill("input[name=title]", "Tổ công nghệ số cộng đồng hỗ trợ người dân nộp hồ sơ trực tuyến")
        try clerk.element("form.card button").click()
        #expect(clerk.text.contains("Tổ công nghệ số cộng đồng"))
        try clerk.open(world.appURL + "/app/ket-qua")
        #expect(clerk.text.contains("86,12%") && clerk.text.contains("2/7"), "\(clerk.text.prefix(600))")

        // Expired session: the next page view goes to the login, saying so.
        let accounts = try AccountStore(dataDirectory: world.root + "/node", site: .node, bcryptCost: 4)
        try accounts.backdateSessions(of: "lan", byMillis: 2 * 3_600_000)
        try clerk.open(world.appURL + "/app/de-an-06")
        #expect(clerk.url.contains("/app/login") && clerk.url.contains("expired=1"), "\(clerk.url)")
        #expect(try clerk.element("#login-error").text.contains("hết hạn"))

        // The rest of the sheet is scored (as an import would), then the leader submits in a second browser.
        let csv = "unit;year;criterion;self_score\n" + leaves.filter { !$0.id.hasPrefix("TQ2021-1.1.") }
            .map { "SONDUONG;2021;\($0.id);\($0.max)" }.joined(separator: "\n") + "\n"
        try world.write("scores.csv", csv)
        try world.must(["import-csv", "assessment_scores", world.root + "/scores.csv", "--config", world.root + "/node.yaml"])
        let leader = try driver.session()
        try login(leader, world, "lanhdao", OfficeWorld.leaderPassword)
        #expect(try leader.element("#missing-count").text == "0")
        #expect(leader.exists("#ready"))
        try leader.element("#submit").click()
        #expect(try leader.element("#submitted").text.contains("Đã nộp"))
        #expect(try !leader.element("#c-TQ2021_1_1_1 input[name=self_score]").enabled)
        #expect(world.node(["record", "get", "assessments", "SONDUONG/2021"]).stdout.contains("submitted"))
        if let shots {
            for (path, name) in [("/app/tu-danh-gia", "self-assessment"), ("/app/de-an-06?ky=2026-Q4", "decision-06"), ("/app/nhiem-vu", "tasks"),
                                 ("/app/sang-kien", "initiatives"), ("/app/ket-qua", "results"), ("/app/giai-trinh", "explanations")] {
                for (width, height) in [(1366, 768), (390, 844)] {
                    try leader.resize(width: width, height: height)
                    try leader.open(world.appURL + path)
                    try save(leader, shots, "unit-\(name)-\(width)")
                }
            }
            let anonymous = try driver.session(width: 390, height: 844)
            try anonymous.open(world.appURL + "/app/login")
            try save(anonymous, shots, "unit-login-390")
        }

        // A page reached under a foreign Host (DNS rebinding): refused 421 before any session.
        let port = URL(string: world.appURL)?.port ?? 0
        let rebinding = try driver.session(hostRules: "MAP evil.example 127.0.0.1")
        try rebinding.open("http://evil.example:\(port)/app/login")
        #expect(rebinding.text.contains("host_not_allowed"), "\(rebinding.text.prefix(300))")
        #expect(!rebinding.exists("#username"))
    }

    func save(_ browser: BrowserSession, _ directory: String, _ name: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try browser.screenshot().write(to: URL(fileURLWithPath: directory + "/\(name).png"))
    }
}
