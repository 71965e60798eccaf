import Foundation

/// Real files on disk for the store's tests: a temporary folder, and minimal but well-formed
/// examples of every evidence kind (a stored zip written byte by byte for DOCX/XLSX/ODT/ODS).
final class Folder: @unchecked Sendable {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-files-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let file = path + "/" + name
        FileManager.default.createFile(atPath: file, contents: Data(bytes))
        return file
    }
}

enum Samples {
    static func pdf(_ size: Int = 2_000) -> [UInt8] { Array("%PDF-1.4\n".utf8) + random(size) }
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 40)
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 7, count: 40)
    static let ole2: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + Array(repeating: 0, count: 504)

    static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    static var docx: [UInt8] { zip([("[Content_Types].xml", "<Types/>"), ("_rels/.rels", "<r/>"), ("word/document.xml", "<w/>")]) }
    static var xlsx: [UInt8] { zip([("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<wb/>")]) }
    static var odt: [UInt8] { zip([("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", "<c/>")]) }
    static var ods: [UInt8] { zip([("mimetype", "application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", "<c/>")]) }
    /// A zip that is none of them (e.g. an archive of scans).
    static var plainZip: [UInt8] { zip([("scan1.txt", "hello")]) }

    /// A zip with stored (uncompressed) entries and its central directory.
    static func zip(_ entries: [(String, String)]) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (name, text) in entries {
            let offset = out.count
            let data = Array(text.utf8), nameBytes = Array(name.utf8)
            out += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0)
                + le32(data.count) + le32(data.count) + le16(nameBytes.count) + le16(0) + nameBytes + data
            central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0)
                + le32(data.count) + le32(data.count) + le16(nameBytes.count) + le16(0) + le16(0) + le16(0) + le16(0)
                + le32(0) + le32(offset) + nameBytes
        }
        let start = out.count
        out += central
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(entries.count) + le16(entries.count) + le32(central.count) + le32(start) + le16(0)
        return out
    }
}
