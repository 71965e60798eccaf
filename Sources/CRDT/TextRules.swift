/// What text may hold, on every path into a replica (Protocol §2.2).
///
/// Control characters U+0000–U+001F other than tab, line feed and carriage return are refused:
/// SQLite cuts a text at U+0000 when it is read back, so the stored cell would differ from the
/// merged change, and the others have no place in reform records. Refusing them everywhere (CLI,
/// CSV, local API, change files, pushes, pull pages) is simpler to reason about than storing them
/// losslessly on some paths.
public enum TextRules {
    /// Why `text` cannot be stored ("contains U+0000 at character 4"), nil when it can.
    @inline(__always)
    public static func problem(in text: String) -> String? {
        // Fast path: scan the UTF-8 bytes; a control character is always one byte below 0x20.
        var found = false
        for byte in text.utf8 where byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D {
            found = true
            break
        }
        guard found else { return nil }
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            let value = scalar.value
            if value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D {
                let hex = String(value, radix: 16, uppercase: true)
                return "contains the control character U+\(String(repeating: "0", count: 4 - hex.count))\(hex) at character \(offset + 1)"
            }
        }
        return nil
    }
}
