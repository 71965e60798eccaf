import Foundation

/// The one file of a `multipart/form-data` body held whole (the evidence upload form: a single
/// field `file`), and the parts of its reading that ``MultipartFileReader`` shares.
public struct MultipartFile: Sendable {
    /// The name the browser gave, NFC, without any folder part (never empty, `.` or `..`).
    public var fileName: String
    /// The file's bytes, a slice of the body.
    public var bytes: ArraySlice<UInt8>

    public init(fileName: String, bytes: ArraySlice<UInt8>) {
        self.fileName = fileName
        self.bytes = bytes
    }

    /// The `boundary=` of a `multipart/form-data` content type (1 to 200 characters), else nil.
    public static func boundary(contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for part in contentType.split(separator: ";") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.lowercased().hasPrefix("boundary=") {
                let value = trimmed.dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty || value.count > 200 ? nil : value
            }
        }
        return nil
    }

    /// The part of `body` whose Content-Disposition names the field `file` with a file name, or
    /// nil: the whole body through ``MultipartFileReader`` (which the upload route feeds piece by
    /// piece as the body arrives), so the two can never disagree.
    public static func parse(_ body: [UInt8], boundary: String) -> MultipartFile? {
        var reader = MultipartFileReader(boundary: boundary)
        var bytes: [UInt8] = []
        guard (try? reader.feed(body, into: { bytes += $0 })) != nil, let name = try? reader.finish() else { return nil }
        return MultipartFile(fileName: name, bytes: bytes[...])
    }

    /// `filename="…"` of a part's Content-Disposition for the field `file` (browsers send UTF-8 names as they are).
    /// Read as bytes, not characters: a name beginning with a combining mark forms one character
    /// with the quote before it, and `filename="` was then not found (FuzzOfficeForms).
    static func fileName(in headers: String) -> String? {
        let bytes = Array(headers.utf8)
        let prefix = Array("content-disposition:".utf8)
        var start = 0
        while start < bytes.count {
            let end = find(Array("\r\n".utf8), in: bytes, from: start) ?? bytes.count
            let line = Array(bytes[start..<end])
            start = end + 2
            guard line.count >= prefix.count, zip(line, prefix).allSatisfy({ ((0x41...0x5A).contains($0) ? $0 | 0x20 : $0) == $1 }) else { continue }
            guard find(Array("name=\"file\"".utf8), in: line, from: 0) != nil,
                  let at = find(Array("filename=\"".utf8), in: line, from: 0) else { return nil }
            let from = at + "filename=\"".utf8.count
            guard let close = line[from...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
            let name = String(decoding: line[from..<close], as: UTF8.self).precomposedStringWithCanonicalMapping
            // Some browsers send the whole path, with either separator: keep the last component
            // (split at scalars: a combining mark after a slash must not hide it).
            guard let last = name.unicodeScalars.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last else { return nil }
            let base = String(String.UnicodeScalarView(last))
            return base == "." || base == ".." ? nil : base
        }
        return nil
    }

    /// The first index at or after `from` where `needle` occurs in `haystack`.
    public static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var i = from
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
