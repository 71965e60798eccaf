import Aggregation
import Foundation
import ReformData
import Hub

/// The hub's dashboard: rankings with bar charts, Decision-06 progress, overdue tasks and the
/// freshness of every node's sync, in Vietnamese, as one self-contained HTML page.
public enum DashboardPage {
    /// The page of `answer`: the full dashboard, or — without a methodology for the year, as on a
    /// fresh hub — a page that says what is missing, with the nodes' sync table.
    static func render(_ answer: ReportAnswer, nodes: [NodeRegistry.Node], evidence: [EvidenceCount] = [], now: Date = Date()) -> String {
        if let report = answer.report { return render(report: report, nodes: nodes, missing: answer.missing, evidence: evidence, now: now) }
        var body = "<header><h1>Cải cách hành chính — năm \(answer.year)</h1>"
        body += "<p class=\"muted\">Số liệu tại Sở Nội vụ, tính đến ngày \(HTML.escape(vnDate(answer.asOf))) · chưa có số liệu để tính chỉ số</p></header>"
        body += missingSection(answer.missing)
        body += freshness(names: [:], nodes: nodes, now: now)
        body += evidenceSection(evidence, names: [:])
        return page(title: "Chỉ số CCHC \(answer.year) — reformsync", body: body)
    }

    /// Per unit: evidence files its records refer to that the hub holds, and those still missing
    /// (attached at the unit, not yet uploaded; Protocol §16).
    public struct EvidenceCount: Sendable, Equatable {
        public var unit: String
        public var held: Int
        public var missing: Int
        public init(unit: String, held: Int, missing: Int) {
            self.unit = unit
            self.held = held
            self.missing = missing
        }
    }

    static func evidenceSection(_ counts: [EvidenceCount], names: [String: String]) -> String {
        var out = "<section id=\"evidence\"><h2>Tài liệu kiểm chứng</h2>"
        if counts.isEmpty { return out + "<p class=\"muted\">Chưa đơn vị nào đính kèm tài liệu kiểm chứng.</p></section>" }
        out += "<table><tr><th>Đơn vị</th><th>Đã nhận</th><th>Còn thiếu</th></tr>"
        for count in counts {
            out += "<tr data-unit=\"\(HTML.escape(count.unit))\"><td>\(HTML.escape(names[count.unit] ?? count.unit))</td>"
                + "<td class=\"held\">\(count.held)</td><td class=\"missing\">\(count.missing)</td></tr>"
        }
        return out + "</table></section>"
    }

    /// What the report lacks (codes and messages of ``ReportGap``), shown above the figures.
    static func missingSection(_ missing: [ReportGap]) -> String {
        guard !missing.isEmpty else { return "" }
        var out = "<section id=\"missing\"><h2>Còn thiếu số liệu</h2><ul>"
        for gap in missing { out += "<li data-code=\"\(HTML.escape(gap.code))\">\(HTML.escape(gap.message))</li>" }
        return out + "</ul></section>"
    }

    static func page(title: String, body: String) -> String {
        """
            <!DOCTYPE html>
            <html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(title))</title>
            <style>\(css)</style></head>
            <body>\(body)<footer class="muted">reformsync · trang do máy chủ tỉnh tạo, không tải tài nguyên từ Internet</footer></body></html>
            """
    }

    public static func render(report: ProvinceReport, nodes: [NodeRegistry.Node], missing: [ReportGap] = [], evidence: [EvidenceCount] = [],
                              now: Date = Date()) -> String {
        var body = ""
        body += "<header><h1>Cải cách hành chính tỉnh \(HTML.escape(report.province.map(shortProvince) ?? "Tuyên Quang")) — năm \(report.year)</h1>"
        body += "<p class=\"muted\">Số liệu tại Sở Nội vụ, tính đến ngày \(HTML.escape(vnDate(report.asOf)))"
        body += report.publication.map { " · đã công bố\($0.decision.map { " (" + HTML.escape($0) + ")" } ?? "")" } ?? " · chưa công bố"
        body += "</p></header>"
        body += missingSection(missing)
        body += provinceIndices(report)
        for group in report.groups {
            body += "<section><h2>\(HTML.escape(group.title))</h2>"
            let top = group.units.first { $0.rank == 1 }?.unit
            let bars = group.units.map { unit in
                BarChart.Bar(label: (unit.rank.map { "\($0). " } ?? "– ") + (unit.shortName ?? unit.name), value: unit.indexPercent,
                             note: unit.indexPercent == nil ? statusText(unit.status) : (unit.tie ? "(đồng hạng)" : nil), highlight: unit.unit == top)
            }
            body += BarChart(bars: bars).svg()
            body += "</section>"
        }
        body += decision06(report)
        body += tasks(report)
        let names = Dictionary(report.groups.flatMap(\.units).map { ($0.unit, $0.shortName ?? $0.name) }, uniquingKeysWith: { a, _ in a })
        body += freshness(names: names, nodes: nodes, now: now)
        body += evidenceSection(evidence, names: names)
        return page(title: "Chỉ số CCHC \(report.year) — reformsync", body: body)
    }

    static func provinceIndices(_ report: ProvinceReport) -> String {
        guard !report.externalIndices.isEmpty || report.sipas.overallPercent != nil else { return "" }
        var cards = ""
        for index in report.externalIndices {
            let value = index.scale == "points" ? HTML.number(index.value, decimals: index.value < 50 ? 3 : 2) : HTML.number(index.value) + "%"
            let rank = index.nationalRank.map { "xếp thứ \($0)/\(index.rankedOf ?? 63)" } ?? ""
            let change = index.rankChange.map { $0 > 0 ? "tăng \($0) bậc" : $0 < 0 ? "giảm \(-$0) bậc" : "giữ nguyên" } ?? ""
            var extra = ""
            if index.index == "SIPAS", let ten = report.sipas.overallOutOf10 { extra = "<div class=\"muted\">\(HTML.number(ten))/10 điểm hài lòng</div>" }
            cards += "<div class=\"card\"><div class=\"muted\">\(HTML.escape(index.name))</div><div class=\"big\">\(value)</div><div>\(rank) \(change)</div>\(extra)</div>"
        }
        return "<section><h2>Chỉ số của tỉnh</h2><div class=\"cards\">\(cards)</div></section>"
    }

    static func decision06(_ report: ProvinceReport) -> String {
        let d = report.decision06
        var out = "<section><h2>Đề án 06 — \(d.services) dịch vụ công thiết yếu</h2>"
        out += "<p><b>\(d.fullyOnline)</b>/\(d.services) dịch vụ triển khai mức độ 4 (toàn trình), \(d.partlyOnline) một phần, \(d.notOnline) chưa trực tuyến, \(d.noReport) chưa báo cáo"
        out += d.latestPeriod.map { " · kỳ \(HTML.escape($0))" } ?? ""
        out += "</p>"
        let total = max(1, d.services)
        let segments: [(Int, String, String)] = [(d.fullyOnline, "full", "Toàn trình"), (d.partlyOnline, "partial", "Một phần"),
                                                 (d.notOnline, "none", "Chưa trực tuyến"), (d.noReport, "noreport", "Chưa báo cáo")]
        var x = 0
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"54\" role=\"img\">"
        for (count, cls, label) in segments where count > 0 {
            let w = 700 * count / total
            out += "<rect x=\"\(x)\" y=\"4\" width=\"\(w)\" height=\"26\" class=\"seg \(cls)\"><title>\(label): \(count)</title></rect>"
            out += "<text x=\"\(x + 4)\" y=\"47\" class=\"value\">\(label) \(count)</text>"
            x += w
        }
        out += "</svg>"
        let units = d.byUnit.sorted { $0.full > $1.full }.prefix(12)
        if !units.isEmpty {
            out += "<table><tr><th>Đơn vị</th><th>Toàn trình</th><th>Một phần</th><th>Hồ sơ trực tuyến</th></tr>"
            for unit in units {
                out += "<tr><td>\(HTML.escape(unit.name))</td><td>\(unit.full)</td><td>\(unit.partial)</td><td>\(unit.dossiersOnline)/\(unit.dossiersReceived)</td></tr>"
            }
            out += "</table>"
        }
        return out + "</section>"
    }

    static func tasks(_ report: ProvinceReport) -> String {
        let t = report.tasks
        var out = "<section><h2>Nhiệm vụ của Ban Chỉ đạo</h2>"
        out += "<p>\(t.done) hoàn thành · \(t.onTrack) đúng tiến độ · <b class=\"late\">\(t.overdue) quá hạn</b> · \(t.noReport) chưa báo cáo (tính đến \(HTML.escape(vnDate(t.asOf))))</p>"
        let overdue = t.tasks.filter { $0.state == .overdue }
        if overdue.isEmpty {
            out += "<p class=\"muted\">Không có nhiệm vụ quá hạn.</p>"
        } else {
            out += "<table><tr><th>Nhiệm vụ quá hạn</th><th>Đơn vị chủ trì</th><th>Hạn</th><th>Tiến độ</th></tr>"
            for task in overdue {
                out += "<tr><td>\(HTML.escape(task.title))</td><td>\(HTML.escape(task.responsibleName))</td><td class=\"late\">\(HTML.escape(task.deadline.map(vnDate) ?? "—"))</td>"
                out += "<td>\(task.progressPercent.map { HTML.number($0, decimals: 0) + "%" } ?? "chưa báo cáo")</td></tr>"
            }
            out += "</table>"
        }
        return out + "</section>"
    }

    static func freshness(names: [String: String], nodes: [NodeRegistry.Node], now: Date) -> String {
        var out = "<section><h2>Đồng bộ của các đơn vị</h2>"
        if nodes.isEmpty { return out + "<p class=\"muted\">Chưa đơn vị nào đồng bộ với máy chủ tỉnh.</p></section>" }
        out += "<table><tr><th>Đơn vị</th><th>Lần đồng bộ gần nhất</th><th>Cách đây</th><th>Thay đổi đã nhận</th><th>Bị từ chối</th><th>Lệch đồng hồ</th></tr>"
        for node in nodes.sorted(by: { ($0.lastSeenAt ?? "") > ($1.lastSeenAt ?? "") }) {
            let seen = node.lastSeenAt.flatMap(Timestamp.date)
            let age = seen.map { now.timeIntervalSince($0) }
            let cls = age.map { $0 > 86_400 ? "late" : $0 > 3_600 ? "warn" : "ok" } ?? "late"
            out += "<tr><td>\(HTML.escape(names[node.unit] ?? node.unit))</td><td>\(HTML.escape(node.lastSeenAt ?? "chưa bao giờ"))</td>"
            out += "<td class=\"\(cls)\">\(age.map(ageText) ?? "—")</td><td>\(node.changesReceived)</td><td>\(node.changesRefused)</td>"
            out += "<td>\(node.clockOffsetMs.map { "\($0) ms" } ?? "—")</td></tr>"
        }
        return out + "</table></section>"
    }

    static func statusText(_ status: UnitStatus) -> String {
        switch status {
        case .ranked: return ""
        case .missing: return "chưa có dữ liệu"
        case .notAppraised: return "chưa thẩm định"
        case .appraisalInProgress: return "đang thẩm định"
        case .surveyMissing: return "thiếu điểm điều tra XHH"
        case .noCriteria: return "không có tiêu chí áp dụng"
        }
    }

    static func ageText(_ seconds: Double) -> String {
        let s = Int(seconds)
        if s < 60 { return "\(s) giây" }
        if s < 3600 { return "\(s / 60) phút" }
        if s < 86_400 { return "\(s / 3600) giờ" }
        return "\(s / 86_400) ngày"
    }

    static func vnDate(_ iso: String) -> String {
        let parts = iso.prefix(10).split(separator: "-")
        guard parts.count == 3 else { return iso }
        return "\(parts[2])/\(parts[1])/\(parts[0])"
    }

    static func shortProvince(_ name: String) -> String {
        name.replacingOccurrences(of: "Tỉnh ", with: "").replacingOccurrences(of: "tỉnh ", with: "")
    }

    static let css = """
        body{font-family:"DejaVu Sans","Noto Sans",Arial,sans-serif;margin:24px auto;max-width:780px;color:#1d2733;background:#fff}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 8px;border-bottom:2px solid #c8102e;padding-bottom:4px}
        .muted{color:#66727f;font-size:13px}.label{font-size:13px;fill:#1d2733}.value{font-size:12px;fill:#1d2733}
        .bar{fill:#2f6db3}.bar.top{fill:#c8102e}.missing{fill:none;stroke:#9aa5b1;stroke-dasharray:4 3}
        .cards{display:flex;gap:10px;flex-wrap:wrap}.card{border:1px solid #d5dbe1;border-radius:6px;padding:8px 12px;min-width:150px}
        .big{font-size:24px;font-weight:bold;color:#c8102e}
        table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #e3e7eb}
        .seg.full{fill:#1a7f37}.seg.partial{fill:#d29922}.seg.none{fill:#9aa5b1}.seg.noreport{fill:#e3e7eb}
        .late{color:#c8102e}.warn{color:#b7791f}.ok{color:#1a7f37}footer{margin-top:30px}
        """
}
