import Testing
import FileStore

/// The download header of an evidence file (Sources/FileStore/ContentDisposition.swift).
@Suite struct ContentDispositionTests {
    @Test func asciiFallbackAndTheExactNameEncoded() {
        #expect(ContentDisposition.attachment("Quyết định 15.pdf")
            == #"attachment; filename="Quyet dinh 15.pdf"; filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%2015.pdf"#)
    }

    /// Regression (found writing FuzzOfficeForms' invariant): DEL (0x7F) is ASCII but not allowed in
    /// a header value, and the fallback kept it. Every byte of the header is now printable ASCII.
    @Test("only printable ASCII in the header, whatever the name", arguments: ["a\u{7F}b.pdf", "tab\tand\r\nbreak.pdf", "\"quoted\\\".pdf", "\u{0}.pdf"])
    func printableOnly(_ name: String) {
        let header = ContentDisposition.attachment(name)
        #expect(header.unicodeScalars.allSatisfy { (0x20..<0x7F).contains($0.value) }, "\(header.debugDescription)")
        #expect(header.hasSuffix(name.utf8.map { byte in
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~".utf8.contains(byte)
                ? String(UnicodeScalar(byte)) : "%" + String(byte, radix: 16, uppercase: true).leftPadded
        }.joined()))
    }
}

private extension String {
    var leftPadded: String { count == 1 ? "0" + self : self }
}
