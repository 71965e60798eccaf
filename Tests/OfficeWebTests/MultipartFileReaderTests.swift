import Foundation
@testable import WebForms
import Testing

/// The evidence upload form read as it arrives: whatever the pieces the body comes in, the file
/// is the same bytes and nothing else; a body cut short or without a file is an error.
@Suite struct MultipartFileReaderTests {
    let boundary = "----WebKitFormBoundaryq7Xk2Lm"

    func body(parts: [(headers: String, content: [UInt8])], closed: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        for part in parts {
            out += Array("--\(boundary)\r\n\(part.headers)\r\n\r\n".utf8) + part.content + Array("\r\n".utf8)
        }
        if closed { out += Array("--\(boundary)--\r\n".utf8) }
        return out
    }

    /// Feeds `body` in pieces cut at `cuts`; returns the file's bytes and name.
    func read(_ body: [UInt8], cuts: [Int]) throws -> (name: String, bytes: [UInt8]) {
        var reader = MultipartFileReader(boundary: boundary)
        var file: [UInt8] = []
        var start = 0
        for cut in cuts.sorted() + [body.count] where cut >= start {
            try reader.feed(body[start..<cut]) { piece in
                #expect(!piece.isEmpty)
                file += piece
            }
            start = cut
        }
        let name = try reader.finish()
        #expect(reader.fileBytes == Int64(file.count))
        return (name, file)
    }

    @Test func sameFileWhereverTheBodyIsCut() throws {
        // Content that looks like delimiters without being one: CRLF, dashes, the boundary without its CRLF.
        let content = Array("%PDF-1.4\r\n--\r\n\(boundary)\r\n-\r\n--\(boundary.dropLast())\r\nend".utf8) + [0, 255, 13, 10]
        let whole = body(parts: [("Content-Disposition: form-data; name=\"note\"", Array("ghi chú".utf8)),
                                 ("Content-Disposition: form-data; name=\"file\"; filename=\"C:\\\\Tài liệu\\\\Quyết định.pdf\"\r\nContent-Type: application/pdf", content)])
        for cut in 0...whole.count {
            let read = try read(whole, cuts: [cut])
            #expect(read.bytes == content, "cut at \(cut)")
            #expect(read.name == "Quyết định.pdf".precomposedStringWithCanonicalMapping, "cut at \(cut)")
        }
        // Byte by byte, and in pieces of 7.
        #expect(try read(whole, cuts: Array(0..<whole.count)).bytes == content)
        #expect(try read(whole, cuts: Array(stride(from: 0, to: whole.count, by: 7))).bytes == content)
    }

    @Test func emptyFileAndNamesFromPaths() throws {
        let empty = try read(body(parts: [("Content-Disposition: form-data; name=\"file\"; filename=\"/etc/../a.pdf\"", [])]), cuts: [])
        #expect(empty.bytes.isEmpty && empty.name == "a.pdf")
    }

    @Test func refusesCutAndFilelessBodies() {
        let content = Array(repeating: UInt8(ascii: "x"), count: 1000)
        let cut = Array(body(parts: [("Content-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"", content)], closed: false).dropLast(30))
        #expect(throws: MultipartError.self) { try read(cut, cuts: [500]) }
        #expect(throws: MultipartError.self) { try read(body(parts: [("Content-Disposition: form-data; name=\"note\"", content)]), cuts: []) }
        #expect(throws: MultipartError.self) { try read(body(parts: [("Content-Disposition: form-data; name=\"file\"; filename=\"..\"", content)]), cuts: []) }
        #expect(throws: MultipartError.self) { try read(Array("no multipart here".utf8), cuts: []) }
        let longHeaders = Array("--\(boundary)\r\nX: ".utf8) + Array(repeating: UInt8(ascii: "h"), count: MultipartFileReader.maxHeaderBytes + 10)
        #expect(throws: MultipartError.self) { try read(longHeaders, cuts: [100]) }
    }

    @Test func boundaryFromContentType() {
        #expect(MultipartFileReader.boundary(contentType: "multipart/form-data; boundary=\"abc\"") == "abc")
        #expect(MultipartFileReader.boundary(contentType: "Multipart/Form-Data;boundary=x1") == "x1")
        #expect(MultipartFileReader.boundary(contentType: "application/x-www-form-urlencoded") == nil)
        #expect(MultipartFileReader.boundary(contentType: "multipart/form-data; boundary=" + String(repeating: "b", count: 201)) == nil)
    }
}
