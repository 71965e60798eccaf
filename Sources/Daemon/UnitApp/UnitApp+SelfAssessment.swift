import CRDT
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OfficeWeb
import ReformData
import Replica

/// The self-assessment of a year: the page, saving one criterion, submission (leader), CSV and print.
extension UnitApp {
    func selfAssessmentPage(_ request: Request, errors: [String: FieldError] = [:], typed: FormBody? = nil) throws -> Response {
        let year = try year(request, form: typed)
        let sheet = try SelfAssessmentSheet.load(replica, unit: unit, year: year)
        var flash: String?
        if let saved = request.uri.queryParameters["luu"] { flash = "Đã lưu tiêu chí \(saved)." }
        if request.uri.queryParameters["nop"] != nil { flash = "Đã nộp bản tự đánh giá năm \(year). Dữ liệu sẽ được gửi lên Sở Nội vụ khi đồng bộ." }
        if request.uri.queryParameters["dongbo"] != nil { flash = "Đã yêu cầu đồng bộ ngay." }
        if request.uri.queryParameters["tep"] != nil { flash = "Đã đính kèm tài liệu." }
        if request.uri.queryParameters["go"] != nil { flash = "Đã gỡ tài liệu." }
        let context = selfAssessmentContext(sheet, errors: errors, typed: typed)
        return try page("self-assessment", context, title: "Tự đánh giá năm \(year)", path: "/app/tu-danh-gia", flash: flash,
                        status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func selfAssessmentContext(_ sheet: SelfAssessmentSheet, errors: [String: FieldError] = [:], typed: FormBody? = nil) -> [String: Any] {
        let readOnly = sheet.submitted
        let files = evidenceFiles(year: sheet.year)
        let rows: [[String: Any]] = sheet.rows.map { row in
            let score = row.score?.values
            var item: [String: Any] = [
                "id": row.id, "code": row.code, "name": row.name, "max": Self.points(row.maxPoints),
                "isField": row.depth == 0, "isSub": row.depth >= 2, "scored": row.scored, "survey": row.survey && row.isLeaf,
                "formId": "f-" + row.id.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? String($0) : "_" }.joined(),
                "readOnly": readOnly, "anchor": Self.anchor(row.id),
            ]
            if row.depth == 0 {
                let total = sheet.total(field: row.id)
                item["fieldTotal"] = Self.points(total.score)
                item["fieldMax"] = Self.points(total.max)
            }
            let typedHere = typed?["criterion"] == row.id ? typed : nil
            item["score"] = typedHere?["self_score"] ?? SelfAssessmentSheet.real(score?["self_score"]).map(Self.points) ?? ""
            item["note"] = typedHere?["self_note"] ?? SelfAssessmentSheet.text(score?["self_note"])
            item["evidence"] = typedHere?["evidence"] ?? SelfAssessmentSheet.text(score?["evidence"])
            if let appraised = SelfAssessmentSheet.real(score?["appraised_score"]) { item["appraised"] = Self.points(appraised) }
            item["missing"] = row.scored && score?["self_score"] == nil
            item["files"] = files[row.id] ?? []
            item["canAttach"] = row.scored && row.score != nil && !readOnly
            if let error = errors[row.id] {
                item["error"] = error.message
                item["errorOn" + (error.field == "self_note" ? "Note" : error.field == "evidence" ? "Evidence" : "Score")] = true
            }
            return item
        }
        let total = sheet.total()
        var context: [String: Any] = [
            "year": sheet.year, "rows": rows, "total": Self.points(total.score), "max": Self.points(total.max),
            "hasTree": !sheet.rows.isEmpty, "methodology": sheet.methodologyName ?? sheet.methodology ?? "",
            "missing": sheet.missing.map { ["code": $0.code, "name": $0.name, "anchor": Self.anchor($0.id)] },
            "missingCount": sheet.missing.count, "complete": sheet.missing.isEmpty && !sheet.rows.isEmpty,
            "noEvidence": sheet.withoutEvidence.map { ["code": $0.code] }, "hasNoEvidence": !sheet.withoutEvidence.isEmpty, "submitted": sheet.submitted,
            "submittedOn": sheet.submittedOn.map(Self.vietnamDate) ?? "", "reopened": sheet.reopened,
            "years": yearsKnown(around: sheet.year).map { ["y": $0, "selected": $0 == sheet.year] as [String: Any] },
        ]
        if let error = errors[""] { context["pageError"] = error.message }
        return context
    }

    /// Years offered in the year picker: the seasons and assessments known here, and `year`.
    func yearsKnown(around year: Int) -> [Int] {
        var years: Set<Int> = [year]
        for table in ["seasons", "assessments", "published_results"] {
            for record in (try? replica.list(table)) ?? [] {
                if let y = SelfAssessmentSheet.int(record.values["year"]), (2000...2100).contains(y) { years.insert(Int(y)) }
            }
        }
        return years.sorted(by: >)
    }

    /// POST /app/tu-danh-gia/diem: one criterion's score, note and evidence references, in one `put`.
    func saveScore(_ request: Request) throws -> Response {
        let form = FormBody.current
        let year = try year(request, form: form)
        guard let criterion = form["criterion"], !criterion.isEmpty, criterion.count <= 200 else {
            throw OfficePageError.badRequest("Thiếu mã tiêu chí trong biểu mẫu.")
        }
        let sheet = try SelfAssessmentSheet.load(replica, unit: unit, year: year)
        guard let row = sheet.rows.first(where: { $0.id == criterion }) else {
            throw OfficePageError.notFound("Không có tiêu chí \(criterion) trong bộ tiêu chí năm \(year).")
        }
        func refuse(_ error: FieldError) throws -> Response {
            try selfAssessmentPage(request, errors: [criterion: error], typed: form)
        }
        guard row.scored else { return try refuse(FieldError(field: "self_score", message: "Tiêu chí này không do đơn vị tự chấm.")) }
        let score = Self.number(form["self_score"], label: "Điểm tự đánh giá", range: 0...row.maxPoints)
        if let message = score.error { return try refuse(FieldError(field: "self_score", message: message)) }
        var fields: [String: JSONValue] = ["unit": .string(unit), "year": .integer(Int64(year)), "criterion": .string(criterion)]
        fields["self_score"] = score.value.map(JSONValue.double) ?? .null
        for name in ["self_note", "evidence"] {
            let text = (form[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.count <= 4000 else { return try refuse(FieldError(field: name, message: "Nội dung quá dài (tối đa 4000 ký tự).")) }
            fields[name] = text.isEmpty ? .null : .string(text)
        }
        do { try replica.put("assessment_scores", json: fields) } catch {
            return try refuse(Self.fieldError(error))
        }
        wrote()
        return OfficePages.redirect("/app/tu-danh-gia?nam=\(year)&luu=\(row.code.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")#\(Self.anchor(criterion))")
    }

    /// POST /app/tu-danh-gia/nop (leader only, by the guard): the same action as `season submit`.
    func submit(_ request: Request) throws -> Response {
        let year = try year(request, form: FormBody.current)
        let sheet = try SelfAssessmentSheet.load(replica, unit: unit, year: year)
        guard sheet.missing.isEmpty, !sheet.rows.isEmpty else {
            return try selfAssessmentPage(request, errors: ["": FieldError(field: nil, message: "Chưa nộp được: còn \(sheet.missing.count) tiêu chí chưa chấm điểm (xem danh sách bên dưới).")],
                                          typed: FormBody.current)
        }
        do { try replica.submitAssessment(unit: unit, year: year) } catch {
            return try selfAssessmentPage(request, errors: ["": Self.fieldError(error)], typed: FormBody.current)
        }
        wrote()
        return OfficePages.redirect("/app/tu-danh-gia?nam=\(year)&nop=1")
    }

    /// GET /app/tu-danh-gia/csv: the sheet as CSV for Excel (UTF-8 with BOM, `;`-free commas, CRLF).
    func selfAssessmentCSV(_ request: Request) throws -> Response {
        let year = try year(request)
        let sheet = try SelfAssessmentSheet.load(replica, unit: unit, year: year)
        var lines = [["Mã", "Tiêu chí", "Điểm tối đa", "Điểm tự đánh giá", "Ghi chú", "Tài liệu kiểm chứng", "Điểm thẩm định"]]
        for row in sheet.rows {
            let values = row.score?.values
            lines.append([row.code, row.name, Self.points(row.maxPoints),
                          SelfAssessmentSheet.real(values?["self_score"]).map(Self.points) ?? "",
                          SelfAssessmentSheet.text(values?["self_note"]), SelfAssessmentSheet.text(values?["evidence"]),
                          SelfAssessmentSheet.real(values?["appraised_score"]).map(Self.points) ?? ""])
        }
        let total = sheet.total()
        lines.append(["", "Tổng cộng", Self.points(total.max), Self.points(total.score), "", "", ""])
        let text = lines.map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        bytes.append(contentsOf: Array(text.utf8))
        var headers = OfficePages.securityHeaders
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"tu-danh-gia-\(unit)-\(year).csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func csvField(_ text: String) -> String {
        // A leading = + - @ would be a formula in Excel: quoted with a leading apostrophe.
        var text = text
        if let first = text.first, "=+-@".contains(first), Double(text.replacingOccurrences(of: ",", with: ".")) == nil { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || text.hasPrefix("'") else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// GET /app/tu-danh-gia/in: a printable page (no forms; the print style hides the navigation).
    func selfAssessmentPrint(_ request: Request) throws -> Response {
        let year = try year(request)
        let sheet = try SelfAssessmentSheet.load(replica, unit: unit, year: year)
        var context = selfAssessmentContext(sheet)
        context["unitName"] = SelfAssessmentSheet.text(try replica.get("units", key: unit)?.values["name"])
        context["unit"] = unit
        context["printedAt"] = Self.vietnamTime(Date())
        return office.pages.page("self-assessment-print", context, title: "Bản tự đánh giá năm \(year)", session: nil)
    }

    static func anchor(_ id: String) -> String {
        "c-" + id.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? String($0) : "_" }.joined()
    }
}
