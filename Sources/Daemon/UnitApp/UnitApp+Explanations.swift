import CRDT
import Foundation
import Hummingbird
import OfficeWeb
import ReformData
import Replica

/// Deductions after appraisal and the explanation (giải trình) of each, with evidence references.
extension UnitApp {
    func explanationsPage(_ request: Request, error: (criterion: String, FieldError)? = nil, typed: FormBody? = nil) throws -> Response {
        let year = try year(request, form: typed)
        let sheet = try SelfAssessmentSheet.load(replica, unit: unit, year: year)
        let rows: [[String: Any]] = sheet.rows.compactMap { row in
            guard let values = row.score?.values, let appraised = SelfAssessmentSheet.real(values["appraised_score"]) else { return nil }
            let own = SelfAssessmentSheet.real(values["self_score"])
            let note = SelfAssessmentSheet.text(values["appraisal_note"])
            guard own.map({ appraised < $0 }) ?? false || !note.isEmpty else { return nil }
            let typedHere = typed?["criterion"] == row.id ? typed : nil
            var item: [String: Any] = [
                "id": row.id, "code": row.code, "name": row.name, "max": Self.points(row.maxPoints),
                "self": own.map(Self.points) ?? "—", "appraised": Self.points(appraised),
                "deducted": own.map { Self.points(max(0, $0 - appraised)) } ?? "—", "reason": note,
                "explanation": typedHere?["explanation"] ?? SelfAssessmentSheet.text(values["explanation"]),
                "evidence": typedHere?["explanation_evidence"] ?? SelfAssessmentSheet.text(values["explanation_evidence"]),
            ]
            if let final = SelfAssessmentSheet.real(values["reappraised_score"]) {
                item["final"] = Self.points(final)
                item["accepted"] = values["explanation_accepted"] == .integer(1)
                item["reappraisalNote"] = SelfAssessmentSheet.text(values["reappraisal_note"])
            }
            if let error, error.criterion == row.id { item["error"] = error.1.message }
            return item
        }
        var flash: String?
        if request.uri.queryParameters["luu"] != nil { flash = "Đã lưu nội dung giải trình." }
        return try page("explanations", ["year": year, "rows": rows, "none": rows.isEmpty,
                                         "years": yearsKnown(around: year).map { ["y": $0, "selected": $0 == year] as [String: Any] }],
                        title: "Giải trình năm \(year)", path: "/app/giai-trinh", flash: flash, status: error == nil ? .ok : .unprocessableContent)
    }

    /// POST /app/giai-trinh: the same action as `season explain` (season rules apply in `put`).
    func saveExplanation(_ request: Request) throws -> Response {
        let form = FormBody.current
        let year = try year(request, form: form)
        guard let criterion = form["criterion"], !criterion.isEmpty, criterion.count <= 200 else {
            throw OfficePageError.badRequest("Thiếu mã tiêu chí trong biểu mẫu.")
        }
        let text = (form["explanation"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let evidence = (form["explanation_evidence"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count <= 8000, evidence.count <= 4000 else {
            return try explanationsPage(request, error: (criterion, FieldError(field: "explanation", message: "Nội dung quá dài (tối đa 8000 ký tự).")), typed: form)
        }
        do {
            try replica.explainDeduction(unit: unit, year: year, criterion: criterion, text: text, evidence: evidence.isEmpty ? nil : evidence)
        } catch {
            return try explanationsPage(request, error: (criterion, Self.fieldError(error)), typed: form)
        }
        wrote()
        return OfficePages.redirect("/app/giai-trinh?nam=\(year)&luu=1")
    }
}
