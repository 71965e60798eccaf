import CRDT
import Foundation
import Hummingbird
import OfficeWeb
import ReformData
import Replica

/// Decision-06 deployment per period, tasks and progress reports, initiatives, published results.
extension UnitApp {
    static let levels: [(String, String)] = [("none", "Chưa triển khai"), ("level3", "Mức độ 3"), ("level4", "Mức độ 4"),
                                             ("partial", "Một phần"), ("full", "Toàn trình")]

    /// `?ky=` a period as the schema documents it (2022 or 2022-Q2); default: this quarter.
    func period(_ request: Request, form: FormBody? = nil) throws -> String {
        if let text = form?["ky"] ?? request.uri.queryParameters["ky"].map(String.init) {
            guard text.range(of: "^20[0-9]{2}(-Q[1-4])?$", options: .regularExpression) != nil else {
                throw OfficePageError.badRequest("Kỳ báo cáo \"\(text.prefix(20))\" không hợp lệ: viết 2026 hoặc 2026-Q4.")
            }
            return text
        }
        let now = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(secondsFromGMT: 7 * 3600)!, from: Date())
        return "\(now.year ?? 2026)-Q\(((now.month ?? 1) - 1) / 3 + 1)"
    }

    func deploymentsPage(_ request: Request, error: (service: String, FieldError)? = nil, typed: FormBody? = nil) throws -> Response {
        let period = try period(request, form: typed)
        let services = try replica.list("services").sorted { (SelfAssessmentSheet.int($0.values["number"]) ?? 0) < (SelfAssessmentSheet.int($1.values["number"]) ?? 0) }
        let reports = Dictionary(try replica.list("service_deployments", where: ["unit": .text(unit), "period": .text(period)]).compactMap { record -> (String, Record)? in
            let service = SelfAssessmentSheet.text(record.values["service"])
            return service.isEmpty ? nil : (service, record)
        }, uniquingKeysWith: { a, _ in a })
        let rows: [[String: Any]] = services.map { service in
            let values = reports[service.key]?.values
            let typedHere = typed?["service"] == service.key ? typed : nil
            let level = typedHere?["level"] ?? SelfAssessmentSheet.text(values?["level"])
            var item: [String: Any] = [
                "id": service.key, "number": SelfAssessmentSheet.int(service.values["number"]) ?? 0,
                "name": SelfAssessmentSheet.text(service.values["name"]), "field": SelfAssessmentSheet.text(service.values["field"]),
                "levels": Self.levels.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == level] as [String: Any] },
                "received": typedHere?["dossiers_received"] ?? SelfAssessmentSheet.int(values?["dossiers_received"]).map(String.init) ?? "",
                "online": typedHere?["dossiers_online"] ?? SelfAssessmentSheet.int(values?["dossiers_online"]).map(String.init) ?? "",
                "note": typedHere?["note"] ?? SelfAssessmentSheet.text(values?["note"]), "reported": values != nil,
                "formId": "s-" + service.key.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? String($0) : "_" }.joined(),
            ]
            if let error, error.service == service.key { item["error"] = error.1.message }
            return item
        }
        var flash: String?
        if request.uri.queryParameters["luu"] != nil { flash = "Đã lưu báo cáo dịch vụ." }
        return try page("deployments", ["period": period, "rows": rows, "count": rows.count, "reported": reports.count],
                        title: "Đề án 06 — kỳ \(period)", path: "/app/de-an-06", flash: flash, status: error == nil ? .ok : .unprocessableContent)
    }

    func saveDeployment(_ request: Request) throws -> Response {
        let form = FormBody.current
        let period = try period(request, form: form)
        guard let service = form["service"], !service.isEmpty, service.count <= 200 else { throw OfficePageError.badRequest("Thiếu mã dịch vụ.") }
        func refuse(_ message: String, _ field: String) throws -> Response {
            try deploymentsPage(request, error: (service, FieldError(field: field, message: message)), typed: form)
        }
        guard let level = form["level"], Self.levels.contains(where: { $0.0 == level }) else { return try refuse("Chọn mức độ triển khai.", "level") }
        let received = Self.integer(form["dossiers_received"], label: "Số hồ sơ tiếp nhận", range: 0...100_000_000)
        if let message = received.error { return try refuse(message, "dossiers_received") }
        let online = Self.integer(form["dossiers_online"], label: "Số hồ sơ trực tuyến", range: 0...100_000_000)
        if let message = online.error { return try refuse(message, "dossiers_online") }
        if let r = received.value, let o = online.value, o > r { return try refuse("Số hồ sơ trực tuyến (\(o)) lớn hơn số hồ sơ tiếp nhận (\(r)).", "dossiers_online") }
        let note = (form["note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let fields: [String: JSONValue] = ["unit": .string(unit), "period": .string(period), "service": .string(service), "level": .string(level),
                                           "dossiers_received": received.value.map(JSONValue.integer) ?? .null,
                                           "dossiers_online": online.value.map(JSONValue.integer) ?? .null, "note": note.isEmpty ? .null : .string(note)]
        do { try replica.put("service_deployments", json: fields) } catch {
            return try deploymentsPage(request, error: (service, Self.fieldError(error)), typed: form)
        }
        wrote()
        return OfficePages.redirect("/app/de-an-06?ky=\(period)&luu=1")
    }

    func tasksPage(_ request: Request, error: (task: String, FieldError)? = nil, typed: FormBody? = nil) throws -> Response {
        let tasks = try replica.list("tasks", where: ["responsible_unit": .text(unit)])
        let reports = try replica.list("task_reports", where: ["unit": .text(unit)])
        let today = SeasonDay.date(millis: Replica.systemMillis())
        let rows: [[String: Any]] = tasks.sorted { SelfAssessmentSheet.text($0.values["deadline"]) < SelfAssessmentSheet.text($1.values["deadline"]) }.map { task in
            let deadline = SelfAssessmentSheet.text(task.values["deadline"])
            let mine = reports.filter { SelfAssessmentSheet.text($0.values["task"]) == task.key }
                .sorted { SelfAssessmentSheet.text($0.values["reported_on"]) > SelfAssessmentSheet.text($1.values["reported_on"]) }
            let progress = SelfAssessmentSheet.real(task.values["progress_percent"])
            var item: [String: Any] = [
                "id": task.key, "title": SelfAssessmentSheet.text(task.values["title"]), "target": SelfAssessmentSheet.text(task.values["target"]),
                "deadline": deadline.isEmpty ? "—" : Self.vietnamDate(deadline), "overdue": !deadline.isEmpty && deadline < today && (progress ?? 0) < 100,
                "progress": progress.map(Self.points) ?? "0", "note": SelfAssessmentSheet.text(task.values["progress_note"]),
                "reports": mine.prefix(5).map { ["on": Self.vietnamDate(SelfAssessmentSheet.text($0.values["reported_on"])),
                                                 "percent": SelfAssessmentSheet.real($0.values["progress_percent"]).map(Self.points) ?? "—",
                                                 "note": SelfAssessmentSheet.text($0.values["note"])] },
                "hasReports": !mine.isEmpty,
                "typedPercent": typed?["task"] == task.key ? typed?["progress_percent"] ?? "" : "",
                "typedNote": typed?["task"] == task.key ? typed?["note"] ?? "" : "",
            ]
            if let error, error.task == task.key { item["error"] = error.1.message }
            return item
        }
        var flash: String?
        if request.uri.queryParameters["luu"] != nil { flash = "Đã gửi báo cáo tiến độ." }
        return try page("tasks", ["rows": rows, "none": rows.isEmpty], title: "Nhiệm vụ", path: "/app/nhiem-vu", flash: flash,
                        status: error == nil ? .ok : .unprocessableContent)
    }

    /// POST /app/nhiem-vu: a progress report (task_reports, append-only) and the task's own progress
    /// fields (the unit owns them), in one transaction.
    func saveTaskReport(_ request: Request) throws -> Response {
        let form = FormBody.current
        guard let task = form["task"], !task.isEmpty, task.count <= 200, try replica.get("tasks", key: task) != nil else {
            throw OfficePageError.badRequest("Không có nhiệm vụ này.")
        }
        let percent = Self.number(form["progress_percent"], label: "Tiến độ (%)", range: 0...100)
        if let message = percent.error { return try tasksPage(request, error: (task, FieldError(field: "progress_percent", message: message)), typed: form) }
        guard let value = percent.value else {
            return try tasksPage(request, error: (task, FieldError(field: "progress_percent", message: "Nhập tiến độ (%) từ 0 đến 100.")), typed: form)
        }
        let note = (form["note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let today = SeasonDay.date(millis: Replica.systemMillis())
        let key = "\(unit)-\(today)-\(UUID().uuidString.prefix(8))"
        do {
            let report = try RecordValidator(table: ReformSchema.v1.table("task_reports")!).validate(json: [
                "id": .string(key), "task": .string(task), "unit": .string(unit), "reported_on": .string(today),
                "progress_percent": .double(value), "done": .bool(value >= 100), "note": note.isEmpty ? .null : .string(note)])
            let progress = try RecordValidator(table: ReformSchema.v1.table("tasks")!).validate(json: [
                "id": .string(task), "progress_percent": .double(value), "progress_note": note.isEmpty ? .null : .string(note)])
            try replica.put(tables: [("task_reports", [report]), ("tasks", [progress])])
        } catch {
            return try tasksPage(request, error: (task, Self.fieldError(error)), typed: form)
        }
        wrote()
        return OfficePages.redirect("/app/nhiem-vu?luu=1")
    }

    func initiativesPage(_ request: Request, error: FieldError? = nil, typed: FormBody? = nil) throws -> Response {
        let list = try replica.list("initiatives", where: ["unit": .text(unit)])
        let recognitions = try replica.list("initiative_recognitions", where: ["unit": .text(unit)])
        let rows: [[String: Any]] = list.sorted { (SelfAssessmentSheet.int($0.values["year"]) ?? 0) > (SelfAssessmentSheet.int($1.values["year"]) ?? 0) }.map { record in
            let recognized = recognitions.first { SelfAssessmentSheet.text($0.values["initiative"]) == record.key }
            return ["id": record.key, "year": SelfAssessmentSheet.int(record.values["year"]) ?? 0, "title": SelfAssessmentSheet.text(record.values["title"]),
                    "summary": SelfAssessmentSheet.text(record.values["summary"]),
                    "status": SelfAssessmentSheet.text(record.values["status"]) == "withdrawn" ? "Đã rút" : "Đã đề xuất",
                    "recognized": recognized.map { SelfAssessmentSheet.text($0.values["recognized_by"]) + " " + SelfAssessmentSheet.text($0.values["decision"]) } ?? ""]
        }
        let defaultYear = String(try year(request))
        var context: [String: Any] = ["rows": rows, "none": rows.isEmpty, "year": typed?["nam"] ?? defaultYear,
                                      "title": typed?["title"] ?? "", "summary": typed?["summary"] ?? ""]
        if let error { context["error"] = error.message }
        var flash: String?
        if request.uri.queryParameters["luu"] != nil { flash = "Đã ghi nhận sáng kiến." }
        return try page("initiatives", context, title: "Sáng kiến cải cách", path: "/app/sang-kien", flash: flash,
                        status: error == nil ? .ok : .unprocessableContent)
    }

    func saveInitiative(_ request: Request) throws -> Response {
        let form = FormBody.current
        let year = try year(request, form: form)
        let title = (form["title"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let summary = (form["summary"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty, title.count <= 500 else {
            return try initiativesPage(request, error: FieldError(field: "title", message: "Nhập tên sáng kiến (tối đa 500 ký tự)."), typed: form)
        }
        let key = "\(unit)-\(year)-\(UUID().uuidString.prefix(8))"
        do {
            try replica.put("initiatives", json: ["id": .string(key), "unit": .string(unit), "year": .integer(Int64(year)), "title": .string(title),
                                                  "summary": summary.isEmpty ? .null : .string(summary), "status": .string("proposed")])
        } catch {
            return try initiativesPage(request, error: Self.fieldError(error), typed: form)
        }
        wrote()
        return OfficePages.redirect("/app/sang-kien?luu=1")
    }

    func resultsPage(_ request: Request) throws -> Response {
        let results = try replica.list("published_results", where: ["unit": .text(unit)])
            .sorted { (SelfAssessmentSheet.int($0.values["year"]) ?? 0) > (SelfAssessmentSheet.int($1.values["year"]) ?? 0) }
        let publications = Dictionary(try replica.list("publications").compactMap { record -> (Int64, Record)? in
            SelfAssessmentSheet.int(record.values["year"]).map { ($0, record) }
        }, uniquingKeysWith: { a, _ in a })
        let rows: [[String: Any]] = results.map { record in
            let v = record.values
            let year = SelfAssessmentSheet.int(v["year"]) ?? 0
            return ["year": year, "self": SelfAssessmentSheet.real(v["self_total"]).map(Self.points) ?? "—",
                    "appraised": SelfAssessmentSheet.real(v["appraised_total"]).map(Self.points) ?? "—",
                    "survey": SelfAssessmentSheet.real(v["survey_points"]).map(Self.points) ?? "—",
                    "max": SelfAssessmentSheet.real(v["max_points"]).map(Self.points) ?? "—",
                    "index": SelfAssessmentSheet.real(v["index_percent"]).map { Self.points($0) + "%" } ?? "—",
                    "rank": SelfAssessmentSheet.int(v["rank"]).map { "\($0)/\(SelfAssessmentSheet.int(v["ranked_of"]).map(String.init) ?? "?")" } ?? "—",
                    "decision": SelfAssessmentSheet.text(publications[year]?.values["decision"])]
        }
        return try page("results", ["rows": rows, "none": rows.isEmpty], title: "Kết quả đã công bố", path: "/app/ket-qua")
    }
}
