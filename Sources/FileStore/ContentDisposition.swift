import Foundation

/// `Content-Disposition` for a download with a Vietnamese file name: an ASCII fallback for old
/// clients and the exact name as RFC 5987 `filename*=UTF-8''…` (RFC 6266 §4.3), which browsers prefer.
/// Only printable ASCII goes into the header (DEL and controls are not allowed in a field value).
public enum ContentDisposition {
    public static func attachment(_ name: String) -> String {
        let fallback = String(name.precomposedStringWithCanonicalMapping.folding(options: [.diacriticInsensitive], locale: nil)
            .replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .unicodeScalars.map { (0x20..<0x7F).contains($0.value) && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(percentEncoded(name.precomposedStringWithCanonicalMapping))"
    }

    /// RFC 5987 `attr-char` kept, every other byte of the UTF-8 as %XX.
    static func percentEncoded(_ text: String) -> String {
        let keep = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~".utf8)
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            if keep.contains(byte) { out.append(byte) } else { out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]] }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
