import Foundation
import ReformsyncTestSupport
import Testing

/// One season across both office apps, in two headless browsers against real processes: a hub and
/// SONDUONG's daemon. The clerk and the leader work at the unit's app, the appraiser at the hub's.
/// Phases move with REFORMSYNC_CLOCK_OFFSET_FILE, one file read by both processes (as the demo
/// does), so both clocks jump together and no faketime'd process outlives the test.
@Suite("a season across both apps in real browsers", .serialized, .timeLimit(.minutes(5)))
struct SeasonBrowserFlowTests {
    static let appraiserPassword = "thẩm định viên Sở Nội vụ"
    static let reason = "Kế hoạch ban hành sau ngày 15/01"
    static let explanation = "Kế hoạch ký ngày 10/01, văn thư đóng dấu ngày 16/01"
    static let verdict = "Đã đối chiếu sổ văn thư, chấp nhận giải trình"

    /// Moves the hub's and the daemon's clocks to `days` after the real today.
    func moveClock(_ world: OfficeWorld, days: Int) throws {
        try world.write("clock-offset-ms", String(days * 86_400_000))
    }

    func unitLogin(_ browser: BrowserSession, _ world: OfficeWorld, _ name: String, _ password: String) throws {
        try browser.open(world.appURL + "/app/login")
        try browser.fill("#username", name)
        try browser.fill("#password", password)
        try browser.element("#login").click()
    }

    /// Opens a hub page, logging the appraiser in again if the login page comes instead.
    func hubOpen(_ browser: BrowserSession, _ world: OfficeWorld, _ path: String) throws {
        let base = "http://127.0.0.1:\(world.hubPort)"
        try browser.open(base + path)
        if browser.url.contains("/app/login") {
            try browser.fill("#username", "thamdinh")
            try browser.fill("#password", Self.appraiserPassword)
            try browser.element("#login").click()
            try browser.open(base + path)
        }
    }

    /// The clerk presses "Đồng bộ ngay" until `page` shows `expected`.
    func syncUntil(_ clerk: BrowserSession, _ world: OfficeWorld, _ page: String, timeout: Double = 30, _ expected: @escaping (String) -> Bool) -> Bool {
        eventually(timeout: timeout, every: 1) {
            try? clerk.open(world.appURL + page)
            try? clerk.element("#sync-now").click()
            try? clerk.open(world.appURL + page)
            return expected(clerk.text)
        }
    }

    func hubRecord(_ world: OfficeWorld, _ table: String, _ key: String) -> String {
        reformsync(["record", "get", table, key, "--config", world.root + "/hub.yaml"], in: world.root + "/logs").stdout
    }

    @Test("clerk scores and attaches, leader submits, appraiser deducts with a reason, clerk sees it and explains with the hub down, appraiser accepts on re-appraisal, the final score shows at the unit")
    func seasonAcrossApps() throws {
        guard UnitAppBrowserTests.available else { return }
        let world = try OfficeWorld("season")
        defer { world.shutdown() }
        world.environment = ["REFORMSYNC_CLOCK_OFFSET_FILE": world.root + "/clock-offset-ms"]
        try moveClock(world, days: 0)  // self-assessment: the season's dates run from today (OfficeWorld)
        try world.startHub()
        try world.startDaemon()
        try world.must(["users", "add", "thamdinh", "--role", "appraiser", "--password-stdin", "--config", world.root + "/hub.yaml"],
                       stdin: Self.appraiserPassword + "\n")
        #expect(eventually(timeout: 30) { world.node(["record", "list", "criteria"]).stdout.contains("TQ2021-1.1.1") })
        let driver = try ChromeDriver(logDirectory: world.root + "/logs")
        defer { driver.stop() }

        // The clerk scores 1.1.1 in full with a note and attaches the plan as a PDF.
        let clerk = try driver.session()
        try unitLogin(clerk, world, "lan", OfficeWorld.clerkPassword)
        let row = "#c-TQ2021_1_1_1"
        try clerk.fill("\(row) input[name=self_score]", "1")
        try clerk.fill("\(row) textarea[name=self_note]", "Đã ban hành kế hoạch đúng hạn")
        try clerk.element("\(row) button").click()
        #expect(clerk.text.contains("Đã lưu tiêu chí 1.1.1"), "\(clerk.text.prefix(500))")
        let pdf = world.root + "/Kế hoạch CCHC 2021.pdf"
        try Data("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".utf8).write(to: URL(fileURLWithPath: pdf))
        try clerk.element("\(row) input[type=file]").type(pdf)
        try clerk.element("\(row) .upload button").click()
        #expect(clerk.text.contains("Đã đính kèm tài liệu."), "\(clerk.text.prefix(500))")

        // The rest of the sheet in full (as an import would), then the leader submits in a second browser.
        let leaves = try UnitAppBrowserTests().scoredLeaves()
        try world.write("scores.csv", "unit;year;criterion;self_score\n" + leaves.filter { $0.id != "TQ2021-1.1.1" }
            .map { "SONDUONG;2021;\($0.id);\($0.max)" }.joined(separator: "\n") + "\n")
        try world.must(["import-csv", "assessment_scores", world.root + "/scores.csv", "--config", world.root + "/node.yaml"])
        let leader = try driver.session()
        try unitLogin(leader, world, "lanhdao", OfficeWorld.leaderPassword)
        try leader.element("#submit").click()
        #expect(try leader.element("#submitted").text.contains("Đã nộp"))
        #expect(syncUntil(leader, world, "/app/tu-danh-gia") { _ in hubRecord(world, "assessments", "SONDUONG/2021").contains("submitted") },
                "the submission never reached the hub")

        // Appraisal phase: the appraiser (a browser at the hub) sees the score, note and file, and deducts 0.5 with a reason.
        try moveClock(world, days: 35)
        let appraiser = try driver.session()
        try hubOpen(appraiser, world, "/app/units/SONDUONG?year=2021")
        let hubRow = "#c-TQ2021-1-1-1"
        #expect(appraiser.text.contains("Đã ban hành kế hoạch đúng hạn") && appraiser.text.contains("Kế hoạch CCHC 2021.pdf"), "\(appraiser.text.prefix(1500))")
        try appraiser.fill("\(hubRow) input[name=score]", "0,5")
        try appraiser.fill("\(hubRow) textarea[name=reason]", Self.reason)
        try appraiser.element("\(hubRow) form.appraise button").click()
        #expect(appraiser.text.contains("(trừ 0.5)") && appraiser.text.contains("Lý do: \(Self.reason)"), "\(appraiser.text.prefix(1500))")

        // The clerk sees the deduction and its reason after a sync.
        #expect(syncUntil(clerk, world, "/app/giai-trinh?nam=2021") { $0.contains("Lý do trừ điểm: \(Self.reason)") },
                "the deduction never showed at the unit: \(clerk.text.prefix(800))")
        #expect(clerk.text.contains("Tự đánh giá: 1 · Thẩm định: 0,5 · Bị trừ: 0,5"), "\(clerk.text.prefix(800))")

        // Explanation phase with the hub stopped: the unit's app keeps working, says it is offline, keeps the explanation.
        try moveClock(world, days: 65)
        world.stopHub()
        try clerk.open(world.appURL + "/app/giai-trinh?nam=2021")
        try clerk.fill("section.card textarea[name=explanation]", Self.explanation)
        try clerk.fill("section.card textarea[name=explanation_evidence]", "Sổ văn thư số 3, trang 12")
        try clerk.element("section.card button").click()
        #expect(clerk.text.contains("Đã lưu nội dung giải trình."), "\(clerk.text.prefix(800))")
        #expect(syncUntil(clerk, world, "/app/giai-trinh?nam=2021", timeout: 20) { _ in clerk.exists("#offline") },
                "the banner never said offline: \(clerk.text.prefix(400))")
        #expect(try clerk.element("#pending").text != "Chờ gửi: 0 thay đổi")
        try clerk.open(world.appURL + "/app/tu-danh-gia")
        #expect(clerk.exists("#submitted"), "\(clerk.text.prefix(400))")
        // The hub comes back: the explanation reaches it and the banner clears.
        try world.startHub()
        #expect(syncUntil(clerk, world, "/app/giai-trinh?nam=2021") { _ in
            !clerk.exists("#offline") && hubRecord(world, "assessment_scores", "SONDUONG/2021/TQ2021-1.1.1").contains("văn thư đóng dấu")
        }, "the explanation never reached the hub: \(clerk.text.prefix(400))")

        // Re-appraisal phase: the appraiser reads the explanation and gives the point back, accepting it.
        try moveClock(world, days: 80)
        try hubOpen(appraiser, world, "/app/units/SONDUONG?year=2021")
        #expect(appraiser.text.contains("Giải trình: \(Self.explanation)"), "\(appraiser.text.prefix(1500))")
        try appraiser.fill("\(hubRow) form.reappraise input[name=score]", "1")
        try appraiser.script("document.querySelector('\(hubRow) form.reappraise select[name=accepted]').value = 'yes'")
        try appraiser.fill("\(hubRow) form.reappraise textarea[name=reason]", Self.verdict)
        try appraiser.element("\(hubRow) form.reappraise button").click()
        #expect(appraiser.text.contains("Điểm sau phúc tra: 1"), "\(appraiser.text.prefix(1500))")

        // The final result at the unit.
        #expect(syncUntil(clerk, world, "/app/giai-trinh?nam=2021") { $0.contains("Thẩm định lại: 1 — giải trình được chấp nhận. \(Self.verdict)") },
                "the re-appraisal never showed at the unit: \(clerk.text.prefix(800))")
    }
}
