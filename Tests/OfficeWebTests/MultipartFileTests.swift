import Testing
import WebForms

/// The evidence upload's `multipart/form-data` body (Sources/WebForms/MultipartFile.swift).
@Suite struct MultipartFileTests {
    static func body(_ name: String, _ content: String, boundary: String = "x") -> [UInt8] {
        Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: application/pdf\r\n\r\n\(content)\r\n--\(boundary)--\r\n".utf8)
    }

    @Test func readsTheFilePartAndItsBoundary() throws {
        #expect(MultipartFile.boundary(contentType: "multipart/form-data; boundary=\"abc\"") == "abc")
        #expect(MultipartFile.boundary(contentType: "multipart/form-data; boundary=" + String(repeating: "b", count: 201)) == nil)
        #expect(MultipartFile.boundary(contentType: "application/x-www-form-urlencoded") == nil)
        let file = try #require(MultipartFile.parse(Self.body("Quyết định 06.pdf", "%PDF-1.4"), boundary: "x"))
        #expect(file.fileName == "Quyết định 06.pdf")
        #expect(Array(file.bytes) == Array("%PDF-1.4".utf8))
    }

    /// Old browsers send the whole Windows path; the name kept has no folder in it.
    @Test func keepsOnlyTheLastPathComponent() throws {
        #expect(try #require(MultipartFile.parse(Self.body(#"C:\Users\cb\Báo cáo.docx"#, "PK"), boundary: "x")).fileName == "Báo cáo.docx")
        #expect(try #require(MultipartFile.parse(Self.body("a/b/c.pdf", "%PDF"), boundary: "x")).fileName == "c.pdf")
        #expect(MultipartFile.parse(Self.body("..", "%PDF"), boundary: "x") == nil)
        #expect(MultipartFile.parse(Self.body("/", "%PDF"), boundary: "x") == nil)
        #expect(try #require(MultipartFile.parse(Self.body("a/\u{301}b.pdf", "%PDF"), boundary: "x")).fileName == "\u{301}b.pdf")
    }

    /// Regression (FuzzOfficeForms, input `cc 9a ef bf bd 2b ad`): a name beginning with a combining
    /// mark forms one character with the quote before it; read by characters, `filename="` was not
    /// found and the upload was refused as having no file.
    @Test func aNameBeginningWithACombiningMarkIsFound() throws {
        let name = "\u{31A}\u{FFFD}+\u{FFFD}"
        let file = try #require(MultipartFile.parse(Self.body(name, ""), boundary: "x"))
        #expect(file.fileName == name)
        #expect(file.bytes.isEmpty)
        #expect(try #require(MultipartFile.parse(Self.body("\u{301}Quyết định.pdf", "%PDF"), boundary: "x")).fileName == "\u{301}Quyết định.pdf")
    }
}
