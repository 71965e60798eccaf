/// Small generated PDFs for the demo's evidence files (Protocol §16): one provincial decision
/// every district attaches (the hub stores it once), and one report of each district's own.
public enum SeedEvidence {
    /// The decision every district attaches to its first self-assessment score.
    public static let sharedName = "Quyết định 1234-QĐ-UBND (kế hoạch CCHC của tỉnh).pdf"
    public static var sharedPDF: [UInt8] {
        pdf(lines: ["UBND TINH TUYEN QUANG", "Quyet dinh so 1234/QD-UBND", "Ke hoach cai cach hanh chinh nam \(SeedScenario.year)", "(minh hoa - reformsync demo)"])
    }

    /// Each district's own evidence, attached to its second score.
    public static func unitName(_ unit: String) -> String { "Báo cáo kết quả CCHC \(SeedScenario.year) — \(unit).pdf" }
    public static func unitPDF(_ unit: String) -> [UInt8] {
        pdf(lines: ["UBND \(unit)", "Bao cao ket qua cai cach hanh chinh nam \(SeedScenario.year)", "(minh hoa - reformsync demo)"])
    }

    /// A minimal one-page PDF 1.4 with `lines` of ASCII text in Helvetica, with a correct xref table.
    public static func pdf(lines: [String]) -> [UInt8] {
        var text = "BT /F1 14 Tf 72 760 Td 18 TL"
        for line in lines {
            let escaped = line.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "(", with: "\\(").replacingOccurrences(of: ")", with: "\\)")
            text += " (\(escaped)) Tj T*"
        }
        text += " ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(text.utf8.count) >>\nstream\n\(text)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var out = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            let digits = String(offset)
            out += String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
        }
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Array(out.utf8)
    }
}
