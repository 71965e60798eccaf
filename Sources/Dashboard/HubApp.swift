import Aggregation
import Foundation
import HTTPTypes
import Hub
import Hummingbird
import NIOCore
import OfficeWeb
import ReformData
import Replica

/// The appraisers' app, served by `reformsync hub` under `/app` (README "The appraisers' app").
///
/// Behind the Host allow-list (`server.allowed_hosts`), every page needs a session of an office
/// account (`reformsync users add NAME --role appraiser|admin` at the hub), declared where the
/// routes are grouped: appraisers see progress across units, appraise and re-appraise criteria,
/// open evidence, and see the dashboard and report; admins also set phase dates, extend, reopen,
/// publish and issue node tokens. Every write calls the code the command line calls
/// (``SeasonDesk``, ``ProvinceReport/publish(replica:year:decision:today:)``, ``TokenAuthority``).
public enum HubApp {
    public static func add(to group: RouterGroup<HubRequestContext>, service: HubService, app: OfficeApp, hosts: [String],
                           now: @escaping @Sendable () -> UInt64 = Replica.systemMillis) {
        let app = {
            var app = app
            for (name, text) in HubAppTemplates.all {
                // The templates are constants of this module: a syntax error is a bug the tests catch.
                try! app.pages.register(text, named: name)
            }
            return app
        }()
        // Its writes go through the hub's own connection, which the watcher of other processes'
        // commits does not see: the middleware wakes the live pulls of the units concerned (§18.3).
        let office = group.add(middleware: OfficeHostAllowList(names: hosts)).add(middleware: HubLiveWakeMiddleware(service: service))
        OfficeLogin.addRoutes(to: office, app: app)
        let appraisers = office.group().add(middleware: OfficeGuard(app: app, role: .appraiser))
        let admins = office.group().add(middleware: OfficeGuard(app: app, role: .admin))
        let replica = service.replica

        @Sendable func nav(_ session: OfficeSession) -> [NavLink] {
            var links = [NavLink("/app/", "Tiến độ thẩm định"), NavLink("/app/dashboard", "Bảng tổng hợp")]
            if session.role.includes(.admin) {
                links += [NavLink("/app/season", "Lịch đánh giá"), NavLink("/app/publish", "Công bố kết quả"), NavLink("/app/tokens", "Mã truy cập")]
            }
            return links
        }
        @Sendable func render(_ template: String, _ context: [String: Any], title: String, active: String, flash: String? = nil,
                    status: HTTPResponse.Status = .ok) throws -> Response {
            let session = try OfficeSession.required()
            var context = context
            context["csrf"] = session.csrf
            return app.pages.page(template, context, title: title, session: session, nav: nav(session), activePath: active,
                                  logoutPath: app.logoutPath, flash: flash, status: status)
        }
        @Sendable func year(_ request: Request, form: FormBody? = nil) throws -> Int {
            guard let text = form?["year"] ?? request.uri.queryParameters["year"].map(String.init) else {
                return try DashboardRoutes.defaultYear(request, service)
            }
            guard let year = Int(text.trimmingCharacters(in: .whitespaces)), (2000...2100).contains(year) else {
                throw OfficePageError.badRequest("Năm \"\(text.prefix(20))\" không hợp lệ: nhập một năm từ 2000 đến 2100.")
            }
            return year
        }
        @Sendable func phase(year: Int) -> SeasonPhase? {
            let until = (try? HubAppViews.season(replica, year: year, now: now())) ?? [:]
            return SeasonPhase.allCases.first { $0.vietnamese == until["current"] as? String }
        }

        // Appraisers (and admins): progress, one unit's appraisal, evidence, dashboard, report.
        appraisers.get("/") { request, _ in try progressPage(request) }
        @Sendable func progressPage(_ request: Request) throws -> Response {
            let year = try year(request)
            var context = try HubAppViews.season(replica, year: year, now: now())
            context["units"] = try HubAppViews.progress(replica, year: year)
            return try render("progress", context, title: "Tiến độ thẩm định", active: "/app/")
        }

        @Sendable func unitPage(_ unit: String, year: Int, error: SeasonDeskError? = nil, criterion: String? = nil, flash: String? = nil) throws -> Response {
            let view = try HubAppViews.unitCriteria(replica, unit: unit, year: year)
            guard view.name != nil || !view.rows.isEmpty else { throw OfficePageError.notFound("Không có đơn vị \(unit).") }
            var rows = view.rows
            if let error, let criterion, let index = rows.firstIndex(where: { $0["criterion"] as? String == criterion }) {
                rows[index]["fieldError"] = error.vietnamese
            }
            let current = phase(year: year)
            var context: [String: Any] = ["unit": unit, "name": view.name ?? unit, "year": year, "rows": rows, "submitted": view.submitted,
                                          "canAppraise": current == .appraisal, "canReappraise": current == .reappraisal]
            if let current { context["current"] = current.vietnamese }
            if let error { context["error"] = error.vietnamese }
            return try render("unit", context, title: "Thẩm định \(unit)", active: "/app/", flash: flash,
                              status: error == nil ? .ok : (error!.isBadInput ? .unprocessableContent : .conflict))
        }
        appraisers.get("units/:unit") { request, context in
            try unitPage(try context.parameters.require("unit").nfc, year: try year(request))
        }
        appraisers.post("units/:unit/appraise") { request, context in
            let form = FormBody.current
            let unit = try context.parameters.require("unit").nfc, year = try year(request, form: form)
            let criterion = form["criterion"] ?? ""
            do {
                guard let score = TypedNumber.decimal(form["score"] ?? "") else {
                    throw SeasonDeskError(field: "score", "score is not a number", vi: "Điểm phải là một số (ví dụ 1,5).", badInput: true)
                }
                try SeasonDesk.appraise(replica, unit: unit, year: year, criterion: criterion, score: score, reason: form["reason"], now: now())
            } catch let error as SeasonDeskError {
                return try unitPage(unit, year: year, error: error, criterion: criterion)
            }
            return OfficePages.redirect("/app/units/\(unit)?year=\(year)&saved=1#\(criterion)")
        }
        appraisers.post("units/:unit/reappraise") { request, context in
            let form = FormBody.current
            let unit = try context.parameters.require("unit").nfc, year = try year(request, form: form)
            let criterion = form["criterion"] ?? ""
            do {
                guard let score = TypedNumber.decimal(form["score"] ?? "") else {
                    throw SeasonDeskError(field: "score", "score is not a number", vi: "Điểm phải là một số (ví dụ 1,5).", badInput: true)
                }
                guard let accepted = ["yes": true, "no": false][form["accepted"] ?? ""] else {
                    throw SeasonDeskError(field: "accepted", "accepted must be yes or no", vi: "Chọn chấp nhận hoặc không chấp nhận giải trình.", badInput: true)
                }
                try SeasonDesk.reappraise(replica, unit: unit, year: year, criterion: criterion, score: score, accepted: accepted,
                                          reason: form["reason"] ?? "", now: now())
            } catch let error as SeasonDeskError {
                return try unitPage(unit, year: year, error: error, criterion: criterion)
            }
            return OfficePages.redirect("/app/units/\(unit)?year=\(year)&saved=1")
        }
        // Evidence opens in the browser: the operator file route's logic, shown inline.
        appraisers.get("files/:sha256") { request, context in
            let file: (path: String, size: Int64, contentType: String, name: String?)
            do { file = try service.files.openable(try context.parameters.require("sha256"), unit: nil) } catch {
                throw OfficePageError.notFound("Hub chưa có tệp này (đơn vị chưa đồng bộ tệp, hoặc mã tệp sai).")
            }
            var response = try HubServer.fileResponse(file, request: request, attachment: false)
            response.headers[.contentSecurityPolicy] = "default-src 'none'; img-src 'self'; object-src 'self'; plugin-types application/pdf; sandbox"
            response.headers[.cacheControl] = "no-store"
            response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
            if let name = file.name { response.headers[.contentDisposition] = "inline; filename*=UTF-8''" + (name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "file") }
            return response
        }
        appraisers.get("dashboard") { request, _ in
            let (year, asOf) = try await DashboardRoutes.parameters(request, service)
            let answer = try await DashboardRoutes.compute(service, year: year, asOf: asOf)
            let page = DashboardPage.render(answer, nodes: try await service.nodes.nodes(), evidence: try await DashboardRoutes.evidenceCounts(service))
            return OfficePages.html(page)
        }
        appraisers.get("report.json") { request, _ in
            let (year, asOf) = try await DashboardRoutes.parameters(request, service)
            var headers = OfficePages.securityHeaders
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try await DashboardRoutes.compute(service, year: year, asOf: asOf).json())))
        }

        // Admins: phase dates, extensions, reopening, publishing, node tokens.
        @Sendable func seasonPage(_ year: Int, error: SeasonDeskError? = nil, flash: String? = nil) throws -> Response {
            var context = try HubAppViews.season(replica, year: year, now: now())
            if let error { context["error"] = error.vietnamese }
            return try render("season", context, title: "Lịch đánh giá", active: "/app/season", flash: flash,
                              status: error == nil ? .ok : (error!.isBadInput ? .unprocessableContent : .conflict))
        }
        admins.get("season") { request, _ in try seasonPage(try year(request)) }
        admins.post("season") { request, _ in
            let form = FormBody.current
            let year = try year(request, form: form)
            var days: [SeasonPhase: String] = [:]
            for phase in SeasonPhase.allCases { if let day = form[phase.option], !day.isEmpty { days[phase] = day } }
            do {
                try SeasonDesk.setDates(replica, year: year, days: days, decision: (form["decision"] ?? "").isEmpty ? nil : form["decision"])
            } catch let error as SeasonDeskError { return try seasonPage(year, error: error) }
            return OfficePages.redirect("/app/season?year=\(year)")
        }
        admins.post("season/extend") { request, _ in
            let form = FormBody.current
            let year = try year(request, form: form)
            do {
                try SeasonDesk.extend(replica, unit: form["unit"] ?? "", year: year, phase: form["phase"] ?? "", until: form["until"] ?? "",
                                      decidedBy: form["by"] ?? "", reason: form["reason"] ?? "")
            } catch let error as SeasonDeskError { return try seasonPage(year, error: error) }
            return OfficePages.redirect("/app/season?year=\(year)")
        }
        admins.post("season/reopen") { request, _ in
            let form = FormBody.current
            let year = try year(request, form: form)
            do {
                try SeasonDesk.reopen(replica, unit: form["unit"] ?? "", year: year, decidedBy: form["by"] ?? "", reason: form["reason"] ?? "")
            } catch let error as SeasonDeskError { return try seasonPage(year, error: error) }
            return try seasonPage(year, flash: "Đã mở lại bản tự đánh giá của \((form["unit"] ?? "").nfc); đơn vị nhận được ở lần đồng bộ sau.")
        }

        admins.get("publish") { request, _ in
            try render("publish", ["year": try year(request)], title: "Công bố kết quả", active: "/app/publish")
        }
        admins.post("publish") { request, _ in
            let form = FormBody.current
            let year = try year(request, form: form)
            let decision = (form["decision"] ?? "").trimmingCharacters(in: .whitespaces)
            var today = Date()
            if let text = form["date"], !text.isEmpty {
                guard let date = ReportDate.date(text) else {
                    return try render("publish", ["year": year, "decision": decision, "error": "Ngày công bố phải có dạng YYYY-MM-DD."],
                                      title: "Công bố kết quả", active: "/app/publish", status: .unprocessableContent)
                }
                today = date
            }
            do {
                let summary = try ProvinceReport.publish(replica: replica, year: year, decision: decision.isEmpty ? nil : decision, today: today)
                let text = "Đã công bố kết quả năm \(summary.year): \(summary.results) đơn vị, ngày \(summary.publishedOn)"
                    + (summary.decision.map { ", quyết định \($0)" } ?? "") + ". Các đơn vị nhận kết quả ở lần đồng bộ sau."
                return try render("publish", ["year": year, "decision": decision, "summary": text], title: "Công bố kết quả", active: "/app/publish")
            } catch let error as AggregationError {
                return try render("publish", ["year": year, "decision": decision, "error": "Không công bố được: \(error.description)"],
                                  title: "Công bố kết quả", active: "/app/publish", status: .conflict)
            }
        }

        @Sendable func tokensPage(issued: (unit: String, token: String)? = nil, error: String? = nil) throws -> Response {
            let now = Date()
            let list = try service.tokens.list().filter { $0.kind == .node }.map { token -> [String: Any] in
                let state = token.revokedAt != nil ? "Đã thu hồi" : token.isExpired(at: now) ? "Hết hạn" : "Đang dùng"
                return ["id": token.id, "unit": token.unit, "note": token.note ?? "", "created": token.createdAt, "expires": token.expiresAt ?? "—",
                        "state": state, "active": token.revokedAt == nil && !token.isExpired(at: now)]
            }
            var context: [String: Any] = ["tokens": list]
            if let issued { context["issued"] = ["unit": issued.unit, "token": issued.token] }
            if let error { context["error"] = error }
            return try render("tokens", context, title: "Mã truy cập", active: "/app/tokens", status: error == nil ? .ok : .unprocessableContent)
        }
        admins.get("tokens") { _, _ in try tokensPage() }
        admins.post("tokens") { _, _ in
            let form = FormBody.current
            let unit = (form["unit"] ?? "").trimmingCharacters(in: .whitespaces).nfc
            guard !unit.isEmpty else { return try tokensPage(error: "Nhập mã đơn vị.") }
            do { try TokenEligibility.check(unit, in: replica, nowMillis: now()) } catch let refusal as TokenEligibility.Refusal {
                return try tokensPage(error: refusal.vietnamese)
            }
            guard let grace = Int((form["grace_days"] ?? "7").trimmingCharacters(in: .whitespaces)), (0...365).contains(grace) else {
                return try tokensPage(error: "Số ngày các mã cũ còn dùng được phải từ 0 đến 365.")
            }
            let note = (form["note"] ?? "").isEmpty ? nil : form["note"]
            // The same as `hub token rotate` (a first token when the unit has none).
            let issued = try service.tokens.rotate(unit: unit, grace: TimeInterval(grace) * 86_400, note: note)
            return try tokensPage(issued: (unit, issued.token))
        }
        admins.post("tokens/revoke") { _, _ in
            let id = FormBody.current["id"] ?? ""
            guard !id.isEmpty, try service.tokens.revoke(id: id) > 0 else { return try tokensPage(error: "Không có mã \(id) đang dùng.") }
            return OfficePages.redirect("/app/tokens")
        }
    }
}
