import CRDT
import Foundation
import GRDB
import Hub
import ReformData
import Replica

/// What the appraisers' pages show, read from the hub's replica in one snapshot each: progress
/// across units, and one unit's criteria with self-score, note, evidence, appraisal, explanation
/// and re-appraisal. Plain dictionaries, ready for the Mustache templates.
enum HubAppViews {
    /// Per unit of the year: submitted or not, criteria self-scored, appraised, deducted, explained, re-appraised.
    static func progress(_ replica: Replica, year: Int) throws -> [[String: Any]] {
        try replica.writer.read { db in
            var counts: [String: Row] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT unit, COUNT(self_score) AS scored, COUNT(appraised_score) AS appraised,
                       SUM(CASE WHEN appraised_score < self_score THEN 1 ELSE 0 END) AS deducted,
                       SUM(CASE WHEN appraised_score < self_score AND explanation IS NOT NULL AND explanation != '' THEN 1 ELSE 0 END) AS explained,
                       COUNT(reappraised_score) AS reappraised
                FROM assessment_scores WHERE _cl % 2 = 1 AND year = ? GROUP BY unit
                """, arguments: [year]) {
                counts[row["unit"]] = row
            }
            var status: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT unit, status FROM assessments WHERE _cl % 2 = 1 AND year = ?", arguments: [year]) {
                status[row["unit"]] = row["status"]
            }
            let units = try Row.fetchAll(db, sql: """
                SELECT id, name, "group" FROM units WHERE _cl % 2 = 1 AND "group" != 'province' ORDER BY "group", sort, id
                """)
            return units.map { unit in
                let code: String = unit["id"]
                let row = counts[code]
                let scored: Int = row?["scored"] ?? 0, appraised: Int = row?["appraised"] ?? 0
                let submitted = status[code] == "submitted"
                return ["unit": code, "name": unit["name"] as String? ?? code, "group": groupLabel(unit["group"]),
                        "status": submitted ? "Đã nộp" : (status[code] == nil ? "Chưa có" : "Đang tự chấm"), "submitted": submitted,
                        "scored": scored, "appraised": appraised, "deducted": row?["deducted"] as Int? ?? 0,
                        "explained": row?["explained"] as Int? ?? 0, "reappraised": row?["reappraised"] as Int? ?? 0,
                        "done": scored > 0 && appraised == scored, "year": year]
            }
        }
    }

    /// One unit's criteria in tree order (fields as headers), each with what the unit entered and what the hub decided.
    static func unitCriteria(_ replica: Replica, unit: String, year: Int) throws -> (name: String?, rows: [[String: Any]], submitted: Bool) {
        try replica.writer.read { db in
            let name = try String.fetchOne(db, sql: "SELECT name FROM units WHERE id = ? AND _cl % 2 = 1", arguments: [unit])
            let submitted = try String.fetchOne(db, sql: "SELECT status FROM assessments WHERE id = ? AND _cl % 2 = 1", arguments: ["\(unit)/\(year)"]) == "submitted"
            var files: [String: [[String: Any]]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT record, sha256, name, size FROM evidence_files
                WHERE _cl % 2 = 1 AND unit = ? AND record_table = 'assessment_scores' AND year = ? ORDER BY name
                """, arguments: [unit, year]) {
                let size: Int64 = row["size"]
                files[row["record"], default: []].append(["sha256": row["sha256"] as String, "name": row["name"] as String,
                                                          "size": size >= 1 << 20 ? String(format: "%.1f MB", Double(size) / 1_048_576) : "\(max(1, size / 1024)) KB"])
            }
            let scores = try Row.fetchAll(db, sql: """
                SELECT s.criterion, s.self_score, s.self_note, s.evidence, s.appraised_score, s.appraisal_note, s.explanation,
                       s.explanation_evidence, s.reappraised_score, s.explanation_accepted, s.reappraisal_note,
                       c.code, c.name, c.max_points, c.parent, p.code AS parent_code, p.name AS parent_name
                FROM assessment_scores s LEFT JOIN criteria c ON c.id = s.criterion AND c._cl % 2 = 1
                LEFT JOIN criteria p ON p.id = c.parent AND p._cl % 2 = 1
                WHERE s._cl % 2 = 1 AND s.unit = ? AND s.year = ?
                ORDER BY COALESCE(p.sort, c.sort), p.code, c.sort, c.code, s.criterion
                """, arguments: [unit, year])
            var rows: [[String: Any]] = []
            var lastParent: String?
            for score in scores {
                let parent: String? = score["parent_code"]
                if let parent, parent != lastParent {
                    rows.append(["header": true, "code": parent, "name": score["parent_name"] as String? ?? ""])
                    lastParent = parent
                }
                let criterion: String = score["criterion"]
                let selfScore: Double? = score["self_score"], appraised: Double? = score["appraised_score"]
                let deduction = (selfScore != nil && appraised != nil) ? max(0, selfScore! - appraised!) : 0
                var row: [String: Any] = ["criterion": criterion, "code": score["code"] as String? ?? criterion, "name": score["name"] as String? ?? "",
                                          "max": points(score["max_points"]), "self": points(selfScore), "selfNote": score["self_note"] as String? ?? "",
                                          "evidenceText": score["evidence"] as String? ?? "", "files": files["\(unit)/\(year)/\(criterion)"] ?? [],
                                          "appraised": points(appraised), "appraisalNote": score["appraisal_note"] as String? ?? "",
                                          "explanation": score["explanation"] as String? ?? "", "explanationEvidence": score["explanation_evidence"] as String? ?? "",
                                          "reappraised": points(score["reappraised_score"]), "reappraisalNote": score["reappraisal_note"] as String? ?? "",
                                          "id": "c-" + criterion.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? String($0) : "-" }.joined()]
                if deduction > 0 { row["deduction"] = points(deduction) }
                if let accepted: Bool = score["explanation_accepted"] { row["accepted"] = accepted ? "Chấp nhận giải trình" : "Không chấp nhận giải trình" }
                // Values for the forms: what is stored, else the score it starts from.
                row["appraiseValue"] = points(appraised ?? selfScore)
                row["reappraiseValue"] = points(score["reappraised_score"] as Double? ?? appraised)
                // Mustache treats an empty string as true: absent values are left out, so their labels are too.
                rows.append(row.filter { !(($0.value as? String)?.isEmpty ?? false) })
            }
            return (name, rows, submitted)
        }
    }

    /// The year's season as the hub's group `all` has it (the dates form), with the phase now.
    static func season(_ replica: Replica, year: Int, now: UInt64) throws -> [String: Any] {
        let stored = try replica.get("seasons", key: "\(year)/all")?.values ?? [:]
        var context: [String: Any] = ["year": year]
        var until: [SeasonPhase: String] = [:]
        context["phases"] = SeasonPhase.allCases.map { phase -> [String: Any] in
            var value = ""
            if case .text(let day)? = stored[phase.column] { value = day; until[phase] = day }
            return ["field": phase.option, "label": phaseLabel(phase), "value": value]
        }
        if case .text(let decision)? = stored["decision"] { context["decision"] = decision }
        let season = Season(year: year, key: "\(year)/all", until: until)
        if let now = season.phase(at: now) { context["current"] = now.phase.vietnamese }
        context["extensions"] = try replica.list("season_extensions", where: ["year": .integer(Int64(year))]).map { record -> [String: Any] in
            func text(_ name: String) -> String { if case .text(let t)? = record.values[name] { t } else { "" } }
            return ["unit": text("unit"), "phase": SeasonPhase(rawValue: text("phase"))?.vietnamese ?? text("phase"), "until": text("until"),
                    "by": text("decided_by"), "reason": text("reason")]
        }
        return context
    }

    static func phaseLabel(_ phase: SeasonPhase) -> String {
        switch phase {
        case .selfAssessment: "Hạn tự đánh giá và nộp"
        case .appraisal: "Hạn thẩm định"
        case .explanation: "Hạn giải trình"
        case .reappraisal: "Hạn phúc tra"
        case .final: "Ngày công bố kết quả"
        }
    }

    static func groupLabel(_ group: String?) -> String {
        switch group {
        case "department": "Sở, ngành"
        case "district": "Huyện, thành phố"
        case "commune": "Xã, phường"
        default: group ?? ""
        }
    }

    /// Points as the pages print them: up to two decimals, no trailing zeros; empty when absent.
    static func points(_ value: Double?) -> String {
        guard let value else { return "" }
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
