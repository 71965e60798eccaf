// Fuzz target: what the office web apps read from a browser before any guard or handler acts on it
// (Sources/WebForms, Protocol-free but outside input all the same):
//
// - `FormBody(encoded:)`: a URL-encoded form body (every POST of both apps, the `_csrf` field),
//   decoded by hand and checked against Foundation's `removingPercentEncoding`;
// - `TypedNumber.decimal` / `whole` / `points`: scores typed with a decimal comma, counts with
//   dots between thousands, and figures printed back;
// - `MultipartFile.boundary(contentType:)`, `parse(_:boundary:)` and `MultipartFileReader` fed in
//   pieces (as the upload route reads the body): the evidence upload, the same either way;
// - `ContentDisposition.attachment(_:)`: the download header built from an uploaded file's name.
//
// Input: a first line (the upload's Content-Type, also a file name), then the body.
// Besides not crashing: every form name and value is NFC, and a form written back (percent-encoded)
// reads back the same; a number read is finite, made of digits, a sign and one separator, and
// printed then read again gives it back to the cent; printing any value gives digits and at most
// one comma; a boundary has 1 to 200 characters; a file part found lies inside the body, ends where
// the next delimiter begins, and has a plain NFC name (no folder, not `.` or `..`); a body built the
// way a browser builds it gives back its file; the Content-Disposition is printable ASCII whose
// `filename*` decodes to the NFC name.
import FileStore
import Foundation
import FuzzSupport
import WebForms

func isNFC(_ text: String) -> Bool { text.precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual(text.unicodeScalars) }

/// The form as Foundation decodes it (what `FormBody` did before its hand-written decoder): the
/// oracle. Nil where they part on purpose: `%XX` decoding to invalid UTF-8 is kept as sent by
/// `FormBody`, while Foundation gives nil for some such parts (`%A0n`: kept as sent too) and
/// repairs others with U+FFFD (`A%A9g`).
func foundationForm(_ text: String) -> [String: String]? {
    var fields: [String: String] = [:]
    for pair in text.utf8.split(separator: UInt8(ascii: "&")) {
        let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
        func decode(_ part: Substring.UTF8View) -> String? {
            // `+` replaced as a byte: as characters, a combining mark after it would hide it
            // (`+\u{06E4}` is one character), which FormBody rightly does not do.
            let spaced = String(decoding: part.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            guard let decoded = spaced.removingPercentEncoding else { return spaced.precomposedStringWithCanonicalMapping }
            return decoded.unicodeScalars.contains("\u{FFFD}") ? nil : decoded.precomposedStringWithCanonicalMapping
        }
        guard let name = decode(parts[0]), let value = parts.count > 1 ? decode(parts[1]) : "" else { return nil }
        fields[name] = value
    }
    return fields
}

func checkForm(_ text: String) {
    let form = FormBody(encoded: text)
    if let reference = foundationForm(text), form.fields != reference { fuzzFailure("FormBody and Foundation decode \(text.debugDescription) differently") }
    // ASCII only: a raw combining mark after `=` or `&` would join it into one character.
    let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    var written: [String] = []
    for (name, value) in form.fields {
        guard isNFC(name), isNFC(value) else { fuzzFailure("form field \(name.debugDescription)=\(value.debugDescription) is not NFC") }
        checkNumber(value)
        written.append(name.addingPercentEncoding(withAllowedCharacters: allowed)! + "=" + value.addingPercentEncoding(withAllowedCharacters: allowed)!)
    }
    guard FormBody(encoded: written.joined(separator: "&")) == form else { fuzzFailure("the form \(form.fields) written back reads differently") }
}

func checkNumber(_ text: String) {
    if let value = TypedNumber.decimal(text) {
        guard value.isFinite, text.trimmingCharacters(in: .whitespaces).allSatisfy({ "0123456789,.+-".contains($0) }) else {
            fuzzFailure("\(text.debugDescription) read as the number \(value)")
        }
        if abs(value) < 1e12 {
            let printed = TypedNumber.points(value)
            guard let again = TypedNumber.decimal(printed), abs(again - value) <= 0.005 + abs(value) * 1e-15 + 1e-9 else {
                fuzzFailure("\(value) printed as \(printed) reads back as \(String(describing: TypedNumber.decimal(printed)))")
            }
        }
    }
    if let whole = TypedNumber.whole(text) {
        guard Int64(text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ".", with: "")) == whole else {
            fuzzFailure("\(text.debugDescription) read as the whole number \(whole)")
        }
    }
}

func checkPoints(_ value: Double) {
    let printed = TypedNumber.points(value)
    if !value.isFinite { guard printed == "—" else { fuzzFailure("\(value) printed as \(printed)") }; return }
    let body = printed.hasPrefix("-") ? printed.dropFirst() : Substring(printed)
    let parts = body.split(separator: ",", omittingEmptySubsequences: false)
    guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
          parts.count == 1 || parts[1].count <= 2 else { fuzzFailure("\(value) printed as \(printed)") }
}

func checkUpload(contentType: String, body: [UInt8]) {
    let boundary = MultipartFile.boundary(contentType: contentType)
    if let boundary, !(1...200).contains(boundary.count) { fuzzFailure("boundary of \(boundary.count) characters") }
    let used = boundary ?? "b"
    let delimiter = Array("\r\n--\(used)".utf8)
    let whole = MultipartFile.parse(body, boundary: used)
    if let file = whole {
        checkFileName(file.fileName)
        // The file is bytes of the body, up to (never across) the next delimiter.
        guard MultipartFile.find(delimiter, in: Array(file.bytes), from: 0) == nil,
              MultipartFile.find(Array(file.bytes) + delimiter, in: body, from: 0) != nil else {
            fuzzFailure("the file part (\(file.bytes.count) bytes) is not a stretch of the body followed by the delimiter")
        }
    }
    // As the upload route reads it: the body in pieces as they arrive, cut where the input says.
    var reader = MultipartFileReader(boundary: used)
    var pieces: [UInt8] = []
    var cut = 0, failed = false
    while cut < body.count && !failed {
        let next = min(body.count, cut + 1 + Int(body[cut]) % 37)
        do { try reader.feed(body[cut..<next]) { pieces += $0 } } catch { failed = true }
        cut = next
    }
    let piecesName = failed ? nil : try? reader.finish()
    guard piecesName == whole?.fileName, piecesName == nil || pieces == Array(whole!.bytes), reader.fileBytes == Int64(pieces.count) else {
        fuzzFailure("read in pieces: \(piecesName.debugDescription), \(pieces.count) bytes; whole: \(whole.map { "\($0.fileName.debugDescription), \($0.bytes.count) bytes" } ?? "nil")")
    }
    // The way a browser sends a file: the name from the first line (quotes, line ends and
    // folders are what a browser never puts there), the body as the file.
    let name = String(contentType.unicodeScalars.filter { !"\"\r\n/\\".unicodeScalars.contains($0) })
    let content = body
    guard !name.isEmpty, name != ".", name != "..", MultipartFile.find(Array("\r\n--\(used)".utf8), in: content, from: 0) == nil else { return }
    var sent = Array("--\(used)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: application/pdf\r\n\r\n".utf8)
    sent += content
    sent += Array("\r\n--\(used)--\r\n".utf8)
    guard let file = MultipartFile.parse(sent, boundary: used) else { fuzzFailure("a browser's upload of \(name.debugDescription) was not found") }
    let expected = name.precomposedStringWithCanonicalMapping
    guard file.fileName == expected, Array(file.bytes) == content else {
        fuzzFailure("a browser's upload of \(name.debugDescription) (\(content.count) bytes) read as \(file.fileName.debugDescription) (\(file.bytes.count) bytes)")
    }
}

func checkFileName(_ name: String) {
    guard !name.isEmpty, name != ".", name != "..", !name.unicodeScalars.contains("/"), !name.unicodeScalars.contains("\\"), isNFC(name) else {
        fuzzFailure("file name \(name.debugDescription)")
    }
    checkDisposition(name)
}

func checkDisposition(_ name: String) {
    let header = ContentDisposition.attachment(name)
    guard header.unicodeScalars.allSatisfy({ (0x20..<0x7F).contains($0.value) }) else { fuzzFailure("Content-Disposition \(header.debugDescription) is not printable ASCII") }
    guard let range = header.range(of: "filename*=UTF-8''"), String(header[range.upperBound...]).removingPercentEncoding == name.precomposedStringWithCanonicalMapping else {
        fuzzFailure("Content-Disposition \(header) does not give back \(name.debugDescription)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let (line, rest) = bytes.splitOnce([UInt8(ascii: "\n")])
    let first = String(decoding: line, as: UTF8.self), body = rest ?? []
    checkForm(String(decoding: body, as: UTF8.self))
    checkForm(first)
    checkNumber(first)
    if bytes.count >= 8 {
        var bits: UInt64 = 0
        for byte in bytes.prefix(8) { bits = bits << 8 | UInt64(byte) }
        checkPoints(Double(bitPattern: bits))
    }
    checkUpload(contentType: first, body: body)
    if !first.isEmpty { checkDisposition(first) }
    return 0
}

@_cdecl("FuzzOfficeForms_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
