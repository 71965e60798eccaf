// Fuzz target: how an evidence file's type is told from its content (Protocol §16.5),
// `ContentSniffer.kind(head:tail:fileName:)`, given what `FileStore.add` gives it: the first
// 4 KiB and the last 64 KiB + 4 KiB + 22 bytes of the file.
//
// Input: byte 0 picks the file's name (the name only tells DOC from XLS); the rest is the file.
// Besides not crashing: the same bytes give the same kind; a kind is given only to a file that
// begins with that kind's signature (`%PDF-`, FF D8 FF, the PNG signature, the OLE2 header with a
// `.doc`/`.xls` name, a zip local header for DOCX, XLSX, ODT, ODS); and every kind's MIME type and
// configuration name read back as that kind.
import FileStore
import FuzzSupport

let names = ["bao-cao.pdf", "Quyết định.doc", "so-lieu.xls", "BANG.XLS", "to-trinh.docx", "anh.jpg", "tệp", ".doc", "a.doc.exe"]
let tailLimit = (64 << 10) + 22 + 4096

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    guard let choice = bytes.first else { return 0 }
    let name = names[Int(choice) % names.count]
    let file = Array(bytes.dropFirst())
    let head = Array(file.prefix(4096)), tail = Array(file.suffix(tailLimit))
    let kind = ContentSniffer.kind(head: head, tail: tail, fileName: name)
    guard ContentSniffer.kind(head: head, tail: tail, fileName: name) == kind else { fuzzFailure("two readings of the same file differ") }
    guard let kind else { return 0 }
    let signature: [UInt8]
    switch kind {
    case .pdf: signature = Array("%PDF-".utf8)
    case .jpeg: signature = [0xFF, 0xD8, 0xFF]
    case .png: signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    case .doc, .xls:
        signature = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
        guard name.lowercased().hasSuffix(".\(kind.rawValue)") else { fuzzFailure("\(name) read as \(kind)") }
    case .docx, .xlsx, .odt, .ods: signature = [0x50, 0x4B, 0x03, 0x04]
    }
    guard file.starts(with: signature) else { fuzzFailure("a file without the \(kind) signature read as \(kind)") }
    guard EvidenceKind(contentType: kind.contentType) == kind, EvidenceKind(configName: kind.rawValue) == kind else {
        fuzzFailure("\(kind) does not read back from its MIME type or configuration name")
    }
    return 0
}

@_cdecl("FuzzContentSniffer_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
