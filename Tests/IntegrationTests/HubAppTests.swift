import CRDT
import Foundation
import ReformData
import Replica
import Testing

/// A browser's side of the appraisers' app over real HTTP: a cookie jar and the CSRF token of the last page.
final class OfficeBrowser: @unchecked Sendable {
    var base: String
    var cookie: String?
    var host: String?

    init(_ base: String) { self.base = base }

    func request(_ method: String, _ path: String, form: [(String, String)]? = nil) throws -> RawResponse {
        var headers: [(String, String)] = []
        if let cookie { headers.append(("Cookie", cookie)) }
        if let host { headers.append(("Host", host)) }
        var body: [UInt8]?
        if let form {
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            body = Array(form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&").utf8)
        }
        let response = try rawHTTP(method, base, path, headers: headers, body: body)
        if let set = response.headers["set-cookie"], let pair = set.split(separator: ";").first {
            cookie = pair.hasSuffix("=") ? nil : String(pair)
        }
        return response
    }

    func get(_ path: String) throws -> RawResponse { try request("GET", path) }
    func post(_ path: String, _ form: [(String, String)]) throws -> RawResponse { try request("POST", path, form: form) }

    /// Logs in; the answer is the 303 to the app (or the login page again).
    @discardableResult
    func login(_ name: String, _ password: String) throws -> RawResponse {
        try post("/app/login", [("username", name), ("password", password), ("next", "/app/")])
    }

    /// The CSRF token in the page at `path` (every form carries it).
    func csrf(_ path: String = "/app/") throws -> String {
        let page = try get(path).text
        guard let range = page.range(of: #"name="_csrf" value=""#), let end = page[range.upperBound...].firstIndex(of: "\"") else {
            throw RawHTTPError(description: "no CSRF token in \(path): \(page.prefix(300))")
        }
        return String(page[range.upperBound..<end])
    }
}

extension HubProcess {
    /// `reformsync users add NAME --role ROLE --password-stdin` at the hub.
    func addUser(_ name: String, role: String, password: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let result = run(["users", "add", name, "--role", role, "--password-stdin"], stdin: Data((password + "\n").utf8), sourceLocation: sourceLocation)
        #expect(result.code == 0, "users add \(name): \(result)", sourceLocation: sourceLocation)
    }

    func score(_ unit: String, _ criterion: String, year: Int) throws -> [String: Value] {
        try openReplica().get("assessment_scores", key: "\(unit)/\(year)/\(criterion)")?.values ?? [:]
    }
}

extension EndToEnd {
    /// The appraisers' app served by `reformsync hub` under /app: real hub and node processes,
    /// accounts made with `reformsync users`, every page and write over HTTP with cookies and CSRF
    /// tokens as a browser sends them; time moved with `faketime` for the later phases.
    @Suite("the appraisers' app at the hub")
    struct HubAppProcesses {
        static let year = 2023
        static let password = "mật-khẩu-đủ-dài-1"

        static func day(_ days: Int) -> String {
            SeasonDay.date(millis: UInt64(Int64(Date().timeIntervalSince1970 * 1000) + Int64(days) * 86_400_000))
        }

        /// A hub with the reference data, SONDUONG's self-assessment (two criteria, a note, a PDF), and two accounts.
        static func world(_ label: String) throws -> (World, HubProcess, NodeHandle) {
            let world = try World(label)
            let hub = try world.makeHub()
            try hub.start()
            Reference.seed(hub, districts: ["SONDUONG", "NAHANG"])
            let node = try world.makeNode("SONDUONG", hub: hub)
            Reference.ownData(node, year: year)
            let pdf = world.write("qd-12.pdf", "%PDF-1.4\n% Quyết định 12\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
            let attached = node.run(["files", "add", "assessment_scores", "SONDUONG/\(year)/C1.1", pdf, "--name", "Quyết định 12.pdf"])
            #expect(attached.code == 0, "\(attached)")
            node.put("assessments", [["unit": "SONDUONG", "year": year, "methodology": "M876", "status": "submitted", "submitted_on": day(-2)]])
            node.sync()
            hub.addUser("thamdinh", role: "appraiser", password: password)
            hub.addUser("quantri", role: "admin", password: password)
            return (world, hub, node)
        }

        /// The admin sets the season through the app so that today is in the appraisal phase.
        static func setSeasonInAppraisal(_ hub: HubProcess) throws {
            let admin = OfficeBrowser(hub.url)
            #expect(try admin.login("quantri", password).status == 303)
            let set = try admin.post("/app/season", [("_csrf", try admin.csrf("/app/season?year=\(year)")), ("year", "\(year)"),
                                                     ("self-assessment-until", day(-1)), ("appraisal-until", day(2)), ("explanation-until", day(4)),
                                                     ("reappraisal-until", day(6)), ("final-on", day(8)), ("decision", "Kế hoạch 05/KH-SNV")])
            #expect(set.status == 303, "\(set)")
        }

        @Test("appraiser: progress, a unit's criteria beside its score, note and evidence; a deduction needs its reason; explanation round and re-appraisal")
        func appraisalRound() throws {
            let (world, hub, node) = try Self.world("hubapp-round")
            defer { world.shutdown() }
            try Self.setSeasonInAppraisal(hub)
            let season = try hub.openReplica().get("seasons", key: "\(Self.year)/all")?.values
            #expect(season?["appraisal_until"] == .text(Self.day(2)) && season?["decision"] == .text("Kế hoạch 05/KH-SNV"), "\(String(describing: season))")

            let browser = OfficeBrowser(hub.url)
            #expect(try browser.login("thamdinh", Self.password).headers["location"] == "/app/")
            let progress = try browser.get("/app/?year=\(Self.year)")
            #expect(progress.status == 200 && progress.text.contains("Tiến độ thẩm định năm 2023") && progress.text.contains("UBND huyện Sơn Dương"), "\(progress)")
            #expect(progress.text.contains("</span>0/2</td>"), "SONDUONG: 0 of 2 criteria appraised: \(progress.text)")
            #expect(progress.text.contains("Giai đoạn hiện tại: <strong>thẩm định</strong>"))

            let page = try browser.get("/app/units/SONDUONG?year=\(Self.year)")
            #expect(page.status == 200, "\(page)")
            for text in ["Kế hoạch CCHC năm", "KH số 12/KH-UBND", "Đủ", "Quyết định 12.pdf", "Lưu thẩm định", "1 Công tác chỉ đạo, điều hành"] {
                #expect(page.text.contains(text), "the unit page shows \(text)")
            }
            // The evidence opens in the browser, from the hub's file store.
            let link = try #require(page.text.range(of: #"/app/files/[0-9a-f]{64}"#, options: .regularExpression).map { String(page.text[$0]) })
            let file = try browser.get(link)
            #expect(file.status == 200 && file.text.hasPrefix("%PDF-1.4") && file.headers["content-type"] == "application/pdf", "\(file)")
            #expect(file.headers["content-disposition"]?.hasPrefix("inline") == true, "\(file.headers)")

            // A deduction without a reason is refused next to the field, nothing stored.
            let csrf = try browser.csrf("/app/units/SONDUONG?year=\(Self.year)")
            let bare = try browser.post("/app/units/SONDUONG/appraise", [("_csrf", csrf), ("year", "\(Self.year)"), ("criterion", "C1.1"), ("score", "1"), ("reason", " ")])
            #expect(bare.status == 422 && bare.text.contains("cần ghi lý do trừ điểm") && bare.text.contains("field-error"), "\(bare)")
            #expect(try hub.score("SONDUONG", "C1.1", year: Self.year)["appraised_score"] == nil)
            let notNumber = try browser.post("/app/units/SONDUONG/appraise", [("_csrf", csrf), ("year", "\(Self.year)"), ("criterion", "C1.1"), ("score", "hai")])
            #expect(notNumber.status == 422 && notNumber.text.contains("Điểm phải là một số"), "\(notNumber)")
            let tooHigh = try browser.post("/app/units/SONDUONG/appraise", [("_csrf", csrf), ("year", "\(Self.year)"), ("criterion", "C1.1"), ("score", "101")])
            #expect(tooHigh.status == 422 && tooHigh.text.contains("từ 0 đến 100"), "\(tooHigh)")
            // With its reason (Vietnamese comma decimal), it is stored as `season appraise` stores it.
            let saved = try browser.post("/app/units/SONDUONG/appraise", [("_csrf", csrf), ("year", "\(Self.year)"), ("criterion", "C1.1"), ("score", "1,5"),
                                                                          ("reason", "Thiếu báo cáo quý IV")])
            #expect(saved.status == 303, "\(saved)")
            let stored = try hub.score("SONDUONG", "C1.1", year: Self.year)
            #expect(stored["appraised_score"] == .real(1.5) && stored["appraisal_note"] == .text("Thiếu báo cáo quý IV"), "\(stored)")
            let ok = try browser.post("/app/units/SONDUONG/appraise", [("_csrf", csrf), ("year", "\(Self.year)"), ("criterion", "C1.2"), ("score", "1.25")])
            #expect(ok.status == 303, "\(ok)")
            let after = try browser.get("/app/units/SONDUONG?year=\(Self.year)").text
            #expect(after.contains("(trừ 0.5)") && after.contains("Lý do: Thiếu báo cáo quý IV"), "\(after)")
            #expect(try browser.get("/app/?year=\(Self.year)").text.contains("</span>2/2</td>"))
            // Re-appraisal is not yet open: the library's phase rule, in Vietnamese.
            let early = try browser.post("/app/units/SONDUONG/reappraise", [("_csrf", csrf), ("year", "\(Self.year)"), ("criterion", "C1.1"), ("score", "2"),
                                                                            ("accepted", "yes"), ("reason", "Đã bổ sung")])
            #expect(early.status == 409 && early.text.contains("Chưa đến giai đoạn phúc tra"), "\(early)")

            // The unit receives the deduction and explains it in the explanation phase (three days on, offline);
            // its explanation reaches the hub in the re-appraisal phase (five days on), written in time.
            #expect(node.run(["sync", "--once"]).code == 0)
            let explained = node.run(["season", "explain", "--year", "\(Self.year)", "--criterion", "C1.1", "--text", "Đã có báo cáo quý IV, gửi kèm"],
                                     wrapper: SeasonProcesses.ahead(72))
            #expect(explained.code == 0, "\(explained)")
            hub.stop()
            try hub.start(wrapper: SeasonProcesses.ahead(120))
            node.follow(hub)
            let pushed = node.run(["sync", "--once"], wrapper: SeasonProcesses.ahead(120))
            #expect(pushed.code == 0, "\(pushed)")
            // The session of five days ago has ended.
            browser.base = hub.url
            let expired = try browser.get("/app/units/SONDUONG?year=\(Self.year)")
            #expect(expired.status == 303 && expired.headers["location"]?.contains("expired=1") == true, "\(expired)")
            #expect(try browser.login("thamdinh", Self.password).status == 303)
            let round = try browser.get("/app/units/SONDUONG?year=\(Self.year)").text
            #expect(round.contains("Giải trình: Đã có báo cáo quý IV, gửi kèm") && round.contains("Lưu phúc tra"), "\(round)")
            let csrf2 = try browser.csrf("/app/units/SONDUONG?year=\(Self.year)")
            let final = try browser.post("/app/units/SONDUONG/reappraise", [("_csrf", csrf2), ("year", "\(Self.year)"), ("criterion", "C1.1"), ("score", "2"),
                                                                            ("accepted", "yes"), ("reason", "Đã bổ sung báo cáo")])
            #expect(final.status == 303, "\(final)")
            let reappraised = try hub.score("SONDUONG", "C1.1", year: Self.year)
            #expect(reappraised["reappraised_score"] == .real(2) && reappraised["explanation_accepted"] == .integer(1)
                    && reappraised["reappraisal_note"] == .text("Đã bổ sung báo cáo"), "\(reappraised)")
            #expect(try browser.get("/app/units/SONDUONG?year=\(Self.year)").text.contains("Chấp nhận giải trình"))
            // Appraisal has ended: refused with the phase named.
            let late = try browser.post("/app/units/SONDUONG/appraise", [("_csrf", csrf2), ("year", "\(Self.year)"), ("criterion", "C1.2"), ("score", "1")])
            #expect(late.status == 409 && late.text.contains("Giai đoạn thẩm định của năm 2023 đã kết thúc"), "\(late)")
            // The dashboard and the report, behind the same login.
            let dashboard = try browser.get("/app/dashboard?year=\(Self.year)")
            #expect(dashboard.status == 200 && dashboard.text.contains("Cải cách hành chính"), "\(dashboard)")
            let report = try browser.get("/app/report.json?year=\(Self.year)")
            #expect(report.status == 200 && report.json?["year"] as? Int == Self.year, "\(report)")
        }

        @Test("admin: phase dates (refused out of order), extension, reopening, publishing, node tokens")
        func adminPages() throws {
            let (world, hub, _) = try Self.world("hubapp-admin")
            defer { world.shutdown() }
            let admin = OfficeBrowser(hub.url)
            #expect(try admin.login("quantri", Self.password).status == 303)
            for path in ["/app/season?year=\(Self.year)", "/app/publish", "/app/tokens", "/app/", "/app/dashboard"] {
                let page = try admin.get(path)
                #expect(page.status == 200, "\(path): \(page)")
            }
            let csrf = try admin.csrf("/app/season?year=\(Self.year)")
            let backwards = try admin.post("/app/season", [("_csrf", csrf), ("year", "\(Self.year)"), ("self-assessment-until", Self.day(3)), ("appraisal-until", Self.day(1))])
            #expect(backwards.status == 422 && backwards.text.contains("không thể kết thúc trước"), "\(backwards)")
            #expect(try hub.openReplica().get("seasons", key: "\(Self.year)/all") == nil, "nothing stored")
            try Self.setSeasonInAppraisal(hub)
            let extend = try admin.post("/app/season/extend", [("_csrf", csrf), ("year", "\(Self.year)"), ("unit", "NAHANG"), ("phase", "self_assessment"),
                                                               ("until", Self.day(1)), ("by", "Giám đốc Sở Nội vụ"), ("reason", "Mất điện ba ngày")])
            #expect(extend.status == 303, "\(extend)")
            #expect(try hub.openReplica().get("season_extensions", key: "NAHANG/\(Self.year)/self_assessment")?.values["reason"] == .text("Mất điện ba ngày"))
            #expect(try admin.get("/app/season?year=\(Self.year)").text.contains("Mất điện ba ngày"))
            let reopen = try admin.post("/app/season/reopen", [("_csrf", csrf), ("year", "\(Self.year)"), ("unit", "SONDUONG"), ("by", "Giám đốc Sở"), ("reason", "Sai sót nhập liệu")])
            #expect(reopen.status == 200 && reopen.text.contains("Đã mở lại"), "\(reopen)")
            #expect(try hub.openReplica().get("assessments", key: "SONDUONG/\(Self.year)")?.values["reopened"] == .integer(1))
            let notSubmitted = try admin.post("/app/season/reopen", [("_csrf", csrf), ("year", "\(Self.year)"), ("unit", "NAHANG"), ("by", "A"), ("reason", "B")])
            #expect(notSubmitted.status == 409 && notSubmitted.text.contains("chưa nộp"), "\(notSubmitted)")

            // Publishing: the same as `reformsync publish`.
            let published = try admin.post("/app/publish", [("_csrf", csrf), ("year", "\(Self.year)"), ("decision", "715/QĐ-UBND")])
            #expect([200, 409].contains(published.status), "\(published)")
            if published.status == 200 {
                #expect(published.text.contains("Đã công bố kết quả năm 2023"), "\(published)")
                #expect(try hub.openReplica().get("publications", key: "\(Self.year)") != nil)
            } else {
                #expect(published.text.contains("Không công bố được"), "\(published)")
            }
            let badDate = try admin.post("/app/publish", [("_csrf", csrf), ("year", "\(Self.year)"), ("date", "30/11/2026")])
            #expect(badDate.status == 422 && badDate.text.contains("YYYY-MM-DD"), "\(badDate)")

            // Node tokens: issued once, listed, revoked; an unknown unit is refused.
            let issued = try admin.post("/app/tokens", [("_csrf", csrf), ("unit", "NAHANG"), ("note", "máy chủ Na Hang"), ("grace_days", "0")])
            #expect(issued.status == 200, "\(issued)")
            let token = try #require(issued.text.range(of: #"rs1_[0-9a-f]{8}_[A-Za-z0-9_-]+"#, options: .regularExpression).map { String(issued.text[$0]) })
            let handshake = try hub.http("POST", "/v1/handshake", headers: Auth.bearer(token), body: handshakeJSON(site: "0123456789abcdef", unit: "NAHANG"))
            #expect(handshake.status != 401, "the issued token opens the protocol: \(handshake)")
            #expect(issued.text.contains("máy chủ Na Hang"))
            let unknown = try admin.post("/app/tokens", [("_csrf", csrf), ("unit", "NOWHERE")])
            #expect(unknown.status == 422 && unknown.text.contains("Không có đơn vị"), "\(unknown)")
            // A unit merged away in the reorganisation gets no new token (as `hub token create` refuses).
            hub.put("units", [["id": "HAMYEN", "name": "Huyện Hàm Yên", "group": "district", "valid_from": "2020-01-01", "valid_to": "2025-06-30", "sort": 9]])
            let ceased = try admin.post("/app/tokens", [("_csrf", csrf), ("unit", "HAMYEN")])
            #expect(ceased.status == 422 && ceased.text.contains("thôi hoạt động từ 2025-06-30"), "\(ceased)")
            #expect(hub.run(["hub", "token", "create", "--unit", "HAMYEN"]).stderr.contains("ceased on 2025-06-30"))
            let id = String(token.dropFirst(4).prefix(8))
            #expect(try admin.post("/app/tokens/revoke", [("_csrf", csrf), ("id", id)]).status == 303)
            #expect(try hub.http("POST", "/v1/handshake", headers: Auth.bearer(token), body: handshakeJSON(site: "0123456789abcdef", unit: "NAHANG")).status == 401)
        }

        @Test("security: wrong password, no session, expired session, missing CSRF token, appraiser on an admin page, foreign Host; every /app route guarded")
        func security() throws {
            let (world, hub, _) = try Self.world("hubapp-security")
            defer { world.shutdown() }
            try Self.setSeasonInAppraisal(hub)
            let browser = OfficeBrowser(hub.url)
            let wrong = try browser.login("thamdinh", "sai-mật-khẩu-rồi")
            #expect(wrong.status == 401 && wrong.text.contains("Tên đăng nhập hoặc mật khẩu không đúng") && browser.cookie == nil, "\(wrong)")
            // Every office route without a session: a page goes to the login, a write is refused.
            for route in try hub.routes() where route.audience == "office" && !route.path.hasSuffix("/login") {
                let path = route.path.replacingOccurrences(of: "{unit}", with: "SONDUONG").replacingOccurrences(of: "{sha256}", with: String(repeating: "ab", count: 32))
                let answer = try OfficeBrowser(hub.url).request(route.method, path, form: route.method == "POST" ? [("year", "\(Self.year)")] : nil)
                if route.method == "GET" {
                    #expect(answer.status == 303 && answer.headers["location"]?.hasPrefix("/app/login?next=") == true, "\(route): \(answer)")
                } else if !route.path.hasSuffix("/logout") {
                    #expect(answer.status == 401 && answer.text.contains("Phiên đăng nhập đã hết hạn"), "\(route): \(answer)")
                }
            }
            #expect(try browser.login("thamdinh", Self.password).status == 303)
            let session = try #require(browser.cookie)
            #expect(try browser.get("/app/").status == 200)
            // A write without the CSRF token (or with another) is refused, nothing stored.
            for form in [[("year", "\(Self.year)"), ("criterion", "C1.2"), ("score", "1.25")], [("_csrf", "forged"), ("year", "\(Self.year)"), ("criterion", "C1.2"), ("score", "1.25")]] {
                let forged = try browser.post("/app/units/SONDUONG/appraise", form)
                #expect(forged.status == 403 && forged.text.contains("CSRF"), "\(forged)")
            }
            #expect(try hub.score("SONDUONG", "C1.2", year: Self.year)["appraised_score"] == nil)
            // An appraiser on the admin pages and writes: 403, nothing stored.
            let csrf = try browser.csrf()
            #expect(try browser.get("/app/tokens").status == 403)
            #expect(try browser.get("/app/season").status == 403)
            let publish = try browser.post("/app/publish", [("_csrf", csrf), ("year", "\(Self.year)")])
            #expect(publish.status == 403 && publish.text.contains("không có quyền"), "\(publish)")
            let token = try browser.post("/app/tokens", [("_csrf", csrf), ("unit", "NAHANG")])
            #expect(token.status == 403 && !token.text.contains("rs1_"), "\(token)")
            #expect(try hub.openReplica().get("publications", key: "\(Self.year)") == nil)
            // A foreign Host (DNS rebinding) never reaches the session.
            browser.host = "evil.example:\(URL(string: hub.url)!.port!)"
            let rebinding = try browser.get("/app/")
            #expect(rebinding.status == 421 && rebinding.text.contains("Host"), "\(rebinding)")
            browser.host = nil
            // Logout ends the session at the hub: the old cookie opens nothing any more.
            #expect(try browser.post("/app/logout", [("_csrf", csrf)]).status == 303)
            browser.cookie = session
            #expect(try browser.get("/app/").status == 303)
        }
    }
}
