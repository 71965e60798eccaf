import Foundation

/// The report as people and programs read it.
///
/// - ``table(_:)``: fixed-width text with Vietnamese headings, numbers the Vietnamese way
///   (decimal comma, "." between thousands), "—" for a missing value;
/// - ``json(_:pretty:)``: the ``ProvinceReport`` itself (snake_case keys, sorted, `null` for
///   missing values, Vietnamese unescaped);
/// - ``csv(_:delimiter:)``: the ranking alone, one row per listed unit of every group, for a
///   spreadsheet. UTF-8 WITH a byte-order mark (without it Excel reads Vietnamese as Latin-1),
///   CRLF line ends, RFC 4180 quoting, header = field names. With the default delimiter ","
///   numbers use a decimal point; with ";" (what Excel expects under Vietnamese regional
///   settings) they use a decimal comma. Empty cell = missing.
public enum ReportFormat {
    // MARK: JSON

    public static func json(_ report: ProvinceReport, pretty: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(report)
    }

    public static func decode(json data: Data) throws -> ProvinceReport {
        try JSONDecoder().decode(ProvinceReport.self, from: data)
    }

    // MARK: CSV

    public static let csvColumns = [
        "year", "group", "rank", "tie", "unit", "name", "status", "self_total", "appraised_total", "survey_points",
        "max_points", "index_percent",
    ]

    /// The ranking as CSV bytes, byte-order mark first.
    public static func csv(_ report: ProvinceReport, delimiter: Character = ",") -> Data {
        Data([0xEF, 0xBB, 0xBF]) + Data(csvText(report, delimiter: delimiter).utf8)
    }

    /// The ranking as CSV text (no byte-order mark).
    public static func csvText(_ report: ProvinceReport, delimiter: Character = ",") -> String {
        let comma = delimiter == ";"
        func number(_ value: Double?) -> String {
            guard let value else { return "" }
            let text = plain(value)
            return comma ? text.replacingOccurrences(of: ".", with: ",") : text
        }
        func cell(_ text: String) -> String {
            text.contains(delimiter) || text.contains("\"") || text.contains("\n") || text.contains("\r")
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var lines = [csvColumns.joined(separator: String(delimiter))]
        for group in report.groups {
            for unit in group.units {
                lines.append([
                    String(report.year), group.group, unit.rank.map(String.init) ?? "", unit.tie ? "true" : "false",
                    unit.unit, unit.name, unit.status.rawValue, number(unit.selfTotal), number(unit.appraisedTotal),
                    number(unit.surveyPoints), number(unit.maxPoints), number(unit.indexPercent),
                ].map(cell).joined(separator: String(delimiter)))
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Shortest plain rendering of a number (81.99, 100, 43.402), no exponent.
    static func plain(_ value: Double) -> String {
        var text = String(format: "%.6f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    // MARK: Text

    static let statusText: [UnitStatus: String] = [
        .ranked: "",
        .missing: "Chưa có số liệu (chưa đồng bộ)",
        .notAppraised: "Chưa thẩm định",
        .appraisalInProgress: "Đang thẩm định",
        .surveyMissing: "Thiếu điểm điều tra XHH",
        .noCriteria: "Không có tiêu chí áp dụng",
    ]

    /// The hub's own unit has no self-assessment: entered at the hub, so "not synced" would mislead.
    static let hubUnitMissingText = "Chưa có số liệu (đơn vị của hub: nhập tại hub)"

    static let taskStateText: [TaskState: String] = [
        .done: "Hoàn thành", .onTrack: "Đúng tiến độ", .overdue: "Quá hạn", .noReport: "Chưa báo cáo",
    ]

    static let levelText = ["full": "Mức độ 4 (toàn trình)", "partial": "Một phần", "none": "Chưa triển khai", "no_report": "Chưa báo cáo"]

    /// The whole report as fixed-width text.
    public static func table(_ report: ProvinceReport) -> String {
        var out: [String] = []
        let place = report.province.map { " " + $0.uppercased() } ?? ""
        out.append("BÁO CÁO CẢI CÁCH HÀNH CHÍNH\(place) — KẾT QUẢ NĂM \(report.year)")
        out.append("Bộ tiêu chí: \(report.methodology.name) (\(report.methodology.id)); số liệu đến ngày \(ReportDate.vietnamese(report.asOf))")
        if let publication = report.publication {
            out.append("Đã công bố" + (publication.decision.map { " theo Quyết định \($0)" } ?? "")
                       + (publication.publishedOn.map { " ngày \(ReportDate.vietnamese($0))" } ?? "") + ": \(publication.results) đơn vị")
        } else {
            out.append("Chưa công bố kết quả năm \(report.year)")
        }
        out.append("Chỉ số (%) = (điểm thẩm định + điểm điều tra xã hội học) ÷ điểm tối đa của các tiêu chí áp dụng × 100")
        if let stage = report.stage {
            out.append("Giai đoạn: \(stage == .self ? "điểm tự đánh giá (xem trước, chưa thẩm định)" : "điểm thẩm định lần đầu (trước giải trình)") — không phải kết quả cuối cùng")
        }

        for group in report.groups {
            out.append("")
            out.append("\(group.title) (\(group.rankedOf)/\(group.units.count) đơn vị được xếp hạng)")
            var rows: [[String]] = []
            for unit in group.units {
                var notes: [String] = []
                if unit.tie { notes.append("đồng hạng") }
                if unit.status == .missing, unit.unit == report.hubUnit {
                    notes.append(hubUnitMissingText)
                } else if let text = statusText[unit.status], !text.isEmpty {
                    notes.append(unit.status == .appraisalInProgress ? "\(text): còn \(unit.pendingAppraisals) tiêu chí" : text)
                }
                if !unit.excludedCriteria.isEmpty { notes.append("không áp dụng: " + unit.excludedCriteria.joined(separator: ", ")) }
                if let previous = unit.previous, unit.indexPercent != nil { notes.append(previousText(previous, unit: unit.unit)) }
                rows.append([unit.rank.map(String.init) ?? "—", unit.name, vn(unit.selfTotal), vn(unit.appraisedTotal),
                             vn(unit.surveyPoints), vn(unit.maxPoints), vn(unit.indexPercent), notes.joined(separator: "; ")])
            }
            out += render(["Hạng", "Đơn vị", "Tự đánh giá", "Thẩm định", "Điều tra XHH", "Tối đa", "Chỉ số (%)", "Ghi chú"],
                          right: [true, false, true, true, true, true, true, false], rows)
        }

        if let season = report.season {
            out.append("")
            out += Self.season(season)
        }
        out.append("")
        out += externalIndices(report)
        out.append("")
        out += sipas(report)
        out.append("")
        out += decision06(report)
        out.append("")
        out += tasks(report)
        out.append("")
        out += initiatives(report)
        return out.joined(separator: "\n") + "\n"
    }

    /// The season per unit: phase, submission (on time or late), deductions, explained, accepted, late arrivals.
    static func season(_ season: SeasonReport) -> [String] {
        let phaseNames = ["self_assessment": "tự đánh giá", "appraisal": "thẩm định", "explanation": "giải trình",
                          "reappraisal": "thẩm định lại", "final": "phê duyệt", "closed": "đã kết thúc"]
        var out = ["Kỳ đánh giá năm \(season.year) (hạn tự đánh giá \(season.phases["self_assessment"].map(ReportDate.vietnamese) ?? "—"))"]
        let rows = season.units.map { unit -> [String] in
            let submitted = unit.submittedOn.map { ReportDate.vietnamese($0) + (unit.submittedLate == true ? " (muộn)" : " (đúng hạn)") } ?? "chưa nộp"
            return [unit.unit, phaseNames[unit.phase] ?? unit.phase,
                    (unit.selfAssessmentUntil.map(ReportDate.vietnamese) ?? "—") + (unit.extended ? " (gia hạn)" : ""), submitted,
                    String(unit.deductions), String(unit.explained), String(unit.accepted), String(unit.lateArrivals),
                    vn(unit.finalTotal), vn(unit.finalIndexPercent)]
        }
        out += render(["Đơn vị", "Giai đoạn", "Hạn tự đánh giá", "Nộp", "Bị trừ điểm", "Đã giải trình", "Được chấp nhận", "Đến muộn",
                       "Điểm cuối cùng", "Chỉ số (%)"],
                      right: [false, false, false, false, true, true, true, true, true, true], rows)
        return out
    }

    static func externalIndices(_ report: ProvinceReport) -> [String] {
        let out = ["Chỉ số của tỉnh so với cả nước năm \(report.year)"]
        guard !report.externalIndices.isEmpty else { return out + ["  (chưa có số liệu)"] }
        let rows = report.externalIndices.map { figure -> [String] in
            let unit = figure.scale == "percent" ? " %" : figure.scale == "points" ? " điểm" : ""
            let rank = figure.nationalRank.map { "\($0)/\(figure.rankedOf.map(String.init) ?? "?")" } ?? "—"
            let previous = figure.previousRank.map { "\($0)/\(figure.rankedOf.map(String.init) ?? "?")" } ?? "—"
            let change: String = switch figure.rankChange {
            case nil: "—"
            case let n? where n > 0: "tăng \(n) bậc"
            case let n? where n < 0: "giảm \(-n) bậc"
            default: "giữ nguyên"
            }
            return [figure.name, vn(figure.value, minDecimals: 2, maxDecimals: 3) + unit, rank, previous, change]
        }
        return out + render(["Chỉ số", "Giá trị", "Xếp hạng", "Năm \(report.year - 1)", "Thay đổi"],
                            right: [false, true, true, true, false], rows)
    }

    static func sipas(_ report: ProvinceReport) -> [String] {
        let summary = report.sipas
        let source = switch summary.source {
        case "province": "toàn tỉnh"
        case "unit_average": "bình quân \(summary.unitsSurveyed) đơn vị được khảo sát"
        default: "chưa có số liệu"
        }
        var out = ["Chỉ số hài lòng SIPAS năm \(report.year) (\(source))"]
        guard summary.source != "none" else { return out }
        var rows = summary.elements.map { [$0.name, vn($0.percent) + ($0.percent == nil ? "" : " %")] }
        rows.append(["Chung", vn(summary.overallPercent) + (summary.overallPercent == nil ? "" : " %")
                     + (summary.overallOutOf10.map { " (\(vn($0))/10)" } ?? "")])
        out += render(["Yếu tố", "Tỷ lệ hài lòng"], right: [false, true], rows)
        if let respondents = summary.respondents { out.append("Số phiếu khảo sát: \(grouped(respondents))") }
        return out
    }

    static func decision06(_ report: ProvinceReport) -> [String] {
        let d = report.decision06
        var out = ["Đề án 06 — \(d.services) dịch vụ công thiết yếu" + (d.latestPeriod.map { " (kỳ báo cáo mới nhất: \($0))" } ?? "")]
        out.append("Toàn tỉnh: \(d.fullyOnline)/\(d.services) dịch vụ triển khai mức độ 4 (toàn trình); \(d.partlyOnline) một phần; "
                   + "\(d.notOnline) chưa triển khai; \(d.noReport) chưa có báo cáo")
        out.append("(Một dịch vụ được tính mức độ 4 khi mọi đơn vị báo cáo dịch vụ đó đều triển khai toàn trình.)")
        let serviceRows = d.byService.map { s in
            [String(s.number), truncated(s.name, 60), String(s.unitsReporting), String(s.unitsFull), String(s.unitsPartial),
             String(s.unitsNone), levelText[s.provinceLevel] ?? s.provinceLevel]
        }
        out += render(["TT", "Dịch vụ", "Đơn vị báo cáo", "Toàn trình", "Một phần", "Chưa", "Toàn tỉnh"],
                      right: [true, false, true, true, true, true, false], serviceRows)
        out.append("")
        out.append("Đề án 06 theo đơn vị")
        let unitRows = d.byUnit.map { u in
            [u.name, String(u.servicesReported), String(u.full), String(u.partial), String(u.none), grouped(u.dossiersReceived),
             grouped(u.dossiersOnline)]
        }
        out += render(["Đơn vị", "Dịch vụ", "Toàn trình", "Một phần", "Chưa", "Hồ sơ tiếp nhận", "Hồ sơ trực tuyến"],
                      right: [false, true, true, true, true, true, true], unitRows)
        return out
    }

    static func tasks(_ report: ProvinceReport) -> [String] {
        let t = report.tasks
        var out = ["Theo dõi nhiệm vụ (đến ngày \(ReportDate.vietnamese(t.asOf))): \(t.done) hoàn thành, \(t.onTrack) đúng tiến độ, "
                   + "\(t.overdue) quá hạn, \(t.noReport) chưa báo cáo"]
        let rows = t.tasks.map { task -> [String] in
            var state = taskStateText[task.state] ?? task.state.rawValue
            if let days = task.daysOverdue { state += " \(days) ngày" }
            if task.late { state += " (muộn)" }
            return [truncated(task.title, 60), task.responsibleName, task.deadline.map(ReportDate.vietnamese) ?? "—",
                    task.latestReportOn.map(ReportDate.vietnamese) ?? "—",
                    task.progressPercent.map { vn($0, minDecimals: 0, maxDecimals: 2) + " %" } ?? "—", state]
        }
        out += render(["Nhiệm vụ", "Đơn vị chủ trì", "Hạn", "Báo cáo gần nhất", "Tiến độ", "Tình trạng"],
                      right: [false, false, false, false, true, false], rows)
        out.append("")
        out.append("Nhiệm vụ theo đơn vị chủ trì")
        out += render(["Đơn vị", "Hoàn thành", "Đúng tiến độ", "Quá hạn", "Chưa báo cáo"], right: [false, true, true, true, true],
                      t.byUnit.map { [$0.name, String($0.done), String($0.onTrack), String($0.overdue), String($0.noReport)] })
        return out
    }

    static func initiatives(_ report: ProvinceReport) -> [String] {
        let i = report.initiatives
        let by = i.byRecognizer.map { "\($0.recognizedBy.isEmpty ? "không rõ" : $0.recognizedBy): \($0.count)" }.joined(separator: ", ")
        var out = ["Sáng kiến, giải pháp mới năm \(report.year): \(i.proposed) đề xuất; \(i.recognized) được công nhận" + (by.isEmpty ? "" : " (\(by))")]
        if !i.byUnit.isEmpty {
            out += render(["Đơn vị", "Đề xuất", "Được công nhận"], right: [false, true, true],
                          i.byUnit.map { [$0.name, String($0.proposed), String($0.recognized)] })
        }
        return out
    }

    // MARK: Helpers

    /// Columns padded to their widest cell (characters: Vietnamese text in NFC is one per letter).
    static func render(_ header: [String], right: [Bool], _ rows: [[String]]) -> [String] {
        let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                parts.append(right[i] ? pad + cell : (i == cells.count - 1 ? cell : cell + pad))
            }
            var text = "  " + parts.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        let rule = "  " + widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")
        return [line(header), rule] + rows.map(line)
    }

    /// 81,99 — two decimals, decimal comma; "—" when missing.
    /// "năm 2024: hạng 3, tăng 1 bậc, +1,25" or, through successions, "so với SONDUONG năm 2024: 81,42 % (−0,55)".
    public static func previousText(_ previous: PreviousYear, unit: String) -> String {
        let signed = previous.indexChange.map { ($0 > 0 ? "+" : $0 < 0 ? "−" : "±") + vn(abs($0)) } ?? "—"
        var text = previous.units == [unit] ? "năm \(previous.year): " : "so với \(previous.units.joined(separator: " + ")) năm \(previous.year): "
        if let rank = previous.rank, let change = previous.rankChange {
            text += "hạng \(rank), " + (change > 0 ? "tăng \(change) bậc" : change < 0 ? "giảm \(-change) bậc" : "giữ nguyên") + ", "
        }
        return text + "\(vn(previous.indexPercent)) % (\(signed))"
    }

    static func vn(_ value: Double?) -> String {
        vn(value, minDecimals: 2, maxDecimals: 2)
    }

    static func vn(_ value: Double?, minDecimals: Int, maxDecimals: Int) -> String {
        guard let value else { return "—" }
        var text = String(format: "%.\(maxDecimals)f", value)
        if let dot = text.firstIndex(of: ".") {
            while text.hasSuffix("0") && text.distance(from: dot, to: text.endIndex) - 1 > minDecimals { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text.replacingOccurrences(of: ".", with: ",")
    }

    /// 12.345 — thousands separated by "." as in Vietnamese.
    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(".") }
            out.append(c)
        }
        return (value < 0 ? "-" : "") + out
    }

    static func truncated(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
