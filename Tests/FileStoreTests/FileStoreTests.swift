import Foundation
import Testing
@testable import FileStore

@Suite("evidence kinds by content signature")
struct ContentSnifferTests {
    @Test("each allowed kind is recognised from its bytes", arguments: [
        ("a.pdf", Samples.pdf(), EvidenceKind.pdf), ("a.png", Samples.png, .png), ("a.jpg", Samples.jpeg, .jpeg),
        ("a.docx", Samples.docx, .docx), ("a.xlsx", Samples.xlsx, .xlsx), ("a.odt", Samples.odt, .odt), ("a.ods", Samples.ods, .ods),
        ("a.doc", Samples.ole2, .doc), ("a.xls", Samples.ole2, .xls),
    ])
    func recognised(_ name: String, _ bytes: [UInt8], _ kind: EvidenceKind) {
        #expect(ContentSniffer.kind(head: Array(bytes.prefix(4096)), tail: bytes, fileName: name) == kind)
    }

    @Test("the name does not decide: text named .pdf, a plain zip named .docx, OLE2 named .txt are refused", arguments: [
        ("bao-cao.pdf", Array("just some text\n".utf8)), ("scans.docx", Samples.plainZip), ("old.txt", Samples.ole2),
        ("program.xlsx", [0x7F, 0x45, 0x4C, 0x46] + Samples.random(100)),
    ])
    func refused(_ name: String, _ bytes: [UInt8]) {
        #expect(ContentSniffer.kind(head: Array(bytes.prefix(4096)), tail: bytes, fileName: name) == nil)
    }
}

@Suite("the content-addressed store")
struct FileStoreTests {
    @Test("a file is stored once under its SHA-256, complete, and verified by check")
    func storesByHash() throws {
        let folder = try Folder()
        let bytes = Samples.pdf(300_000)
        let source = folder.write("qd.pdf", bytes)
        let store = FileStore(dataDirectory: folder.path + "/data")
        let added = try store.add(copying: source, fileName: "Quyết định.pdf")
        #expect(added.hash == SHA256Hex.of(bytes))
        #expect(added.size == Int64(bytes.count) && added.kind == .pdf)
        #expect(FileManager.default.contents(atPath: store.path(added.hash)) == Data(bytes))
        #expect(store.path(added.hash).hasSuffix("/files/\(added.hash.prefix(2))/\(added.hash)"))
        // Again: nothing new, nothing left in tmp.
        _ = try store.add(copying: source, fileName: "copy.pdf")
        #expect(store.storedHashes() == [added.hash])
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.temporaryFolder).isEmpty)
        #expect(store.verifyAll().damaged.isEmpty)
    }

    @Test("check finds a stored file whose bytes changed")
    func damageFound() throws {
        let folder = try Folder()
        let store = FileStore(dataDirectory: folder.path)
        let added = try store.add(copying: folder.write("a.png", Samples.png), fileName: "a.png")
        let handle = try #require(FileHandle(forWritingAtPath: store.path(added.hash)))
        try handle.seek(toOffset: 10)
        handle.write(Data([0x42]))
        try handle.close()
        let result = store.verifyAll()
        #expect(result.checked == 1)
        #expect(result.damaged.map(\.hash) == [added.hash])
        #expect(result.damaged.first?.problem.contains("damaged on disk") == true)
    }

    @Test("a limit refused before the copy becomes visible leaves the store as it was")
    func refusedLeavesNothing() throws {
        let folder = try Folder()
        let store = FileStore(dataDirectory: folder.path)
        let limits = FileLimits(maxFileBytes: 1_000)
        #expect {
            try store.add(copying: folder.write("big.pdf", Samples.pdf(5_000)), fileName: "big.pdf") { file throws(FileStoreError) in
                try limits.check(file, name: "big.pdf", unit: "SONDUONG", year: 2024, used: 0)
            }
        } throws: { error in
            let error = error as? FileStoreError
            return error?.kind == .tooLarge && error?.message.contains("files.max_file_bytes") == true
        }
        #expect(store.storedHashes().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.temporaryFolder).isEmpty)
    }

    @Test("limits name the limit and its setting: size, type, quota")
    func limitMessages() {
        let limits = FileLimits(maxFileBytes: 100, allowedKinds: [.pdf], quotaBytesPerYear: 150)
        func message(_ file: FileStore.Added, used: Int64) -> String? {
            do { try limits.check(file, name: "x", unit: "SONDUONG", year: 2024, used: used); return nil } catch { return error.message }
        }
        #expect(message(.init(hash: "", size: 101, kind: .pdf), used: 0)?.contains("files.max_file_bytes") == true)
        #expect(message(.init(hash: "", size: 10, kind: .png), used: 0)?.contains("files.allowed_types") == true)
        #expect(message(.init(hash: "", size: 10, kind: nil), used: 0)?.contains("by its content") == true)
        #expect(message(.init(hash: "", size: 60, kind: .pdf), used: 100)?.contains("files.quota_bytes_per_year") == true)
        #expect(message(.init(hash: "", size: 50, kind: .pdf), used: 100) == nil)
    }

    @Test("an empty file is refused")
    func empty() throws {
        let folder = try Folder()
        let store = FileStore(dataDirectory: folder.path)
        #expect(throws: FileStoreError.self) { try store.add(copying: folder.write("e.pdf", []), fileName: "e.pdf") }
    }
}

@Suite("chunk frames (Protocol §16.3)")
struct ChunkFrameTests {
    @Test("frames fed in pieces of any size give back the chunks, verified")
    func pieces() throws {
        let chunks = [Samples.random(65_536), Samples.random(1), Samples.random(10_000)]
        let stream = chunks.flatMap(ChunkFrame.frame)
        for piece in [1, 7, 36, 4096, 100_000] {
            var decoder = ChunkFrameDecoder()
            var got: [[UInt8]] = []
            var start = 0
            while start < stream.count {
                let end = min(start + piece, stream.count)
                try Array(stream[start..<end]).withUnsafeBytes { raw in
                    try decoder.feed(raw, offset: 0) { got.append(Array($0)) }
                }
                start = end
            }
            #expect(got == chunks, "pieces of \(piece) bytes")
            #expect(decoder.buffered == 0)
        }
    }

    @Test("a damaged chunk is refused, the chunks before it kept")
    func damaged() throws {
        let good = Samples.random(1_000)
        var bad = ChunkFrame.frame(Samples.random(1_000))
        bad[ChunkFrame.headerBytes + 5] ^= 0xFF
        var decoder = ChunkFrameDecoder()
        var got: [[UInt8]] = []
        #expect {
            try (ChunkFrame.frame(good) + bad).withUnsafeBytes { raw in try decoder.feed(raw, offset: 0) { got.append(Array($0)) } }
        } throws: { ($0 as? FileStoreError)?.kind == .hashMismatch && "\($0)".contains("byte 1000") }
        #expect(got == [good])
    }

    @Test("a length outside 1…65536 is refused", arguments: [0, 65_537, Int(UInt32.max)])
    func badLength(_ length: Int) {
        let header: [UInt8] = [UInt8(length >> 24 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + Array(repeating: 0, count: 32)
        var decoder = ChunkFrameDecoder()
        #expect { try header.withUnsafeBytes { raw in try decoder.feed(raw, offset: 0) { _ in } } } throws: { ($0 as? FileStoreError)?.kind == .badFrame }
    }
}
