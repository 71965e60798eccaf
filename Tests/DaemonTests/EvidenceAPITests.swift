import FileStore
import Foundation
import Testing

/// Evidence files through the daemon's local API: an office program uploads a scan (streamed to
/// disk, checked against the limits) and opens it again with its Vietnamese name.
@Suite("evidence files through the local API", .serialized, .timeLimit(.minutes(2)))
struct EvidenceAPITests {
    @Test("upload attaches with the limits of files add; download has the content type and an RFC 5987 file name")
    func uploadAndDownload() throws {
        let world = try World("files-api")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        let node = try world.makeNode(hub: hub, settings: ["files.max_file_bytes": "200000"])
        node.put("assessment_scores", [["unit": node.unit, "year": 2024, "criterion": "1.1", "self_score": 2]])
        let daemon = try node.startDaemon()
        let id = "\(node.unit)/2024/1.1".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let name = "Quyết định 15.pdf".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let pdf = Data("%PDF-1.4\n".utf8) + Data((0..<50_000).map { UInt8($0 % 251) })

        let uploaded = try daemon.request("POST", "/records/assessment_scores/files?id=\(id)&name=\(name)", body: pdf)
        #expect(uploaded.status == 200, "\(uploaded)")
        let sha256 = SHA256Hex.of(Array(pdf))
        #expect(uploaded.text.contains(sha256) && uploaded.text.contains("Quyết định 15.pdf"), "\(uploaded)")

        let listed = try daemon.request("GET", "/records/assessment_scores/files?id=\(id)")
        #expect(listed.status == 200 && listed.text.contains(sha256) && listed.text.contains(#""here":true"#), "\(listed)")

        let opened = try daemon.request("GET", "/files/\(sha256)")
        #expect(opened.status == 200)
        #expect(opened.body == pdf)
        #expect(opened.headers["content-type"] == "application/pdf")
        #expect(opened.headers["content-disposition"] == #"attachment; filename="Quyet dinh 15.pdf"; filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%2015.pdf"#,
                "\(opened.headers)")

        // The limits of `files add`, as HTTP statuses with the envelope naming the setting.
        let text = try daemon.request("POST", "/records/assessment_scores/files?id=\(id)&name=a.pdf", body: Data("chỉ là văn bản".utf8))
        #expect(text.status == 415 && text.text.contains("file_type_refused") && text.text.contains("files.allowed_types"), "\(text)")
        let big = try daemon.request("POST", "/records/assessment_scores/files?id=\(id)&name=b.pdf", body: Data("%PDF-".utf8) + Data(count: 200_000))
        #expect(big.status == 413 && big.text.contains("files.max_file_bytes"), "\(big)")
        let unknown = try daemon.request("GET", "/files/\(String(repeating: "ab", count: 32))")
        #expect(unknown.status == 404 && unknown.text.contains("file_not_found"), "\(unknown)")
        let noRecord = try daemon.request("POST", "/records/assessment_scores/files?id=NOPE&name=c.pdf", body: pdf)
        #expect(noRecord.status == 422 && noRecord.text.contains("create it first"), "\(noRecord)")
        // Nothing refused was stored.
        #expect(FileStore(dataDirectory: node.dataDirectory).storedHashes() == [sha256])
    }
}
