/// A horizontal bar chart as inline SVG: one bar per unit, labelled, with its value.
///
/// Rendered on the server so the page needs no script and no font or file from the internet.
struct BarChart {
    struct Bar {
        var label: String
        /// nil: missing data, drawn as an empty dashed bar marked "chưa có dữ liệu".
        var value: Double?
        var note: String?
        var highlight: Bool = false
    }

    var bars: [Bar]
    var maximum: Double = 100
    var minimum: Double = 0
    var unit: String = "%"

    func svg(width: Int = 720) -> String {
        let labelWidth = 230, valueWidth = 110, rowHeight = 26, top = 8
        let plotWidth = width - labelWidth - valueWidth
        let height = top * 2 + rowHeight * bars.count
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\">"
        for (i, bar) in bars.enumerated() {
            let y = top + i * rowHeight
            out += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 17)\" text-anchor=\"end\" class=\"label\">\(HTML.escape(bar.label))</text>"
            if let value = bar.value {
                let fraction = max(0, min(1, (value - minimum) / max(0.0001, maximum - minimum)))
                let w = max(2, Int(Double(plotWidth) * fraction))
                out += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(w)\" height=\"\(rowHeight - 8)\" rx=\"3\" class=\"\(bar.highlight ? "bar top" : "bar")\"/>"
                out += "<text x=\"\(labelWidth + w + 6)\" y=\"\(y + 17)\" class=\"value\">\(HTML.number(value))\(unit)\(bar.note.map { " " + HTML.escape($0) } ?? "")</text>"
            } else {
                out += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(plotWidth / 3)\" height=\"\(rowHeight - 8)\" rx=\"3\" class=\"missing\"/>"
                out += "<text x=\"\(labelWidth + plotWidth / 3 + 6)\" y=\"\(y + 17)\" class=\"value muted\">\(HTML.escape(bar.note ?? "chưa có dữ liệu"))</text>"
            }
        }
        return out + "</svg>"
    }
}
