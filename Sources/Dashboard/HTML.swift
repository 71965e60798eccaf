/// Escaping for text and attributes in the server-rendered dashboard.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// 81.99 → "81,99" (Vietnamese decimal comma).
    static func number(_ value: Double?, decimals: Int = 2) -> String {
        guard let value else { return "—" }
        let text = String(format: "%.\(decimals)f", value)
        return text.replacingOccurrences(of: ".", with: ",")
    }
}
