/// The kinds of evidence file, recognised by content signature, not by name (Protocol §16.5).
public enum EvidenceKind: String, Sendable, CaseIterable {
    case pdf, docx, xlsx, odt, ods, doc, xls, jpeg, png

    /// The MIME type recorded in `evidence_files.content_type` and sent on download.
    public var contentType: String {
        switch self {
        case .pdf: "application/pdf"
        case .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .odt: "application/vnd.oasis.opendocument.text"
        case .ods: "application/vnd.oasis.opendocument.spreadsheet"
        case .doc: "application/msword"
        case .xls: "application/vnd.ms-excel"
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        }
    }

    public init?(contentType: String) {
        guard let kind = Self.allCases.first(where: { $0.contentType == contentType }) else { return nil }
        self = kind
    }

    /// The names `files.allowed_types` accepts: the kind (`pdf`, `jpeg`...) and `jpg` for jpeg.
    public init?(configName: String) {
        let name = configName.lowercased()
        if name == "jpg" { self = .jpeg; return }
        guard let kind = Self(rawValue: name) else { return nil }
        self = kind
    }
}

/// Recognises an evidence file from its first bytes and, for zip and OLE2 containers, from what
/// they hold: a `.pdf` that is really a text file, or an `.exe` renamed `.docx`, is refused.
///
/// - Zip (DOCX, XLSX, ODT, ODS): ODF files begin with a stored `mimetype` entry naming their
///   type; OOXML files hold `[Content_Types].xml` and `word/` or `xl/` parts (read from the
///   central directory at the end of the file).
/// - OLE2 (DOC, XLS): the compound-document header `D0 CF 11 E0 A1 B1 1A E1`; which of the two
///   it is comes from the extension (`.doc`/`.xls`), since both share the container.
public enum ContentSniffer {
    /// - Parameters:
    ///   - head: the file's first bytes (4 KiB or the whole file if shorter).
    ///   - tail: the file's last bytes (up to 64 KiB + 22, where a zip's central directory ends).
    ///   - fileName: used only to tell DOC from XLS.
    public static func kind(head: [UInt8], tail: [UInt8], fileName: String) -> EvidenceKind? {
        if head.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            let lower = fileName.lowercased()
            if lower.hasSuffix(".doc") { return .doc }
            if lower.hasSuffix(".xls") { return .xls }
            return nil
        }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return zipKind(head: head, tail: tail) }
        return nil
    }

    static func zipKind(head: [UInt8], tail: [UInt8]) -> EvidenceKind? {
        // ODF: the first entry is "mimetype", stored, its content right after the local header.
        if head.count > 38, le16(head, 26) == 8, Array(head[30..<38]) == Array("mimetype".utf8) {
            let start = 30 + 8 + Int(le16(head, 28))
            let text = String(decoding: head[min(start, head.count)..<min(start + 60, head.count)], as: UTF8.self)
            if text.hasPrefix("application/vnd.oasis.opendocument.text") { return .odt }
            if text.hasPrefix("application/vnd.oasis.opendocument.spreadsheet") { return .ods }
            return nil
        }
        let names = centralDirectoryNames(tail)
        guard names.contains("[Content_Types].xml") else { return nil }
        if names.contains(where: { $0.hasPrefix("word/") }) { return .docx }
        if names.contains(where: { $0.hasPrefix("xl/") }) { return .xlsx }
        return nil
    }

    /// The entry names of the zip central directory found in `tail` (empty when it is not all there).
    static func centralDirectoryNames(_ tail: [UInt8]) -> [String] {
        guard tail.count >= 22 else { return [] }
        // The end-of-central-directory record: signature 50 4B 05 06, searched backwards.
        var eocd = tail.count - 22
        while eocd >= 0, !(tail[eocd] == 0x50 && tail[eocd + 1] == 0x4B && tail[eocd + 2] == 0x05 && tail[eocd + 3] == 0x06) { eocd -= 1 }
        guard eocd >= 0 else { return [] }
        let entries = Int(le16(tail, eocd + 10))
        let size = Int(le32(tail, eocd + 12))
        guard size <= eocd else { return [] }  // the directory must sit inside the tail we read
        var position = eocd - size
        var names: [String] = []
        for _ in 0..<entries {
            guard position + 46 <= eocd, le32(tail, position) == 0x0201_4B50 else { break }
            let nameLength = Int(le16(tail, position + 28))
            let extra = Int(le16(tail, position + 30)), comment = Int(le16(tail, position + 32))
            guard position + 46 + nameLength <= eocd else { break }
            names.append(String(decoding: tail[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self))
            position += 46 + nameLength + extra + comment
        }
        return names
    }

    static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
