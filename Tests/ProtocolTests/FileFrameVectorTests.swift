import FileStore
import Foundation
import ReformData
import Testing

/// Protocol/vectors/files/frames.json: the upload chunk frames of §16.3, encoded and decoded by
/// the code the hub and the node run.
@Suite("Protocol/vectors/files: chunk frames")
struct FileFrameVectorTests {
    static func bytes(_ hex: JSONValue?) throws -> [UInt8] {
        guard case .string(let text)? = hex, text.utf8.count % 2 == 0 else { throw VectorFileError("expected a hex string, got \(String(describing: hex))") }
        var out: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { throw VectorFileError("not hex: \(text[index..<next])") }
            out.append(byte)
            index = next
        }
        return out
    }

    static func list(_ value: JSONValue?) throws -> [JSONValue] {
        guard case .array(let items)? = value else { throw VectorFileError("expected an array") }
        return items
    }

    static func decode(_ stream: [UInt8]) -> (chunks: [[UInt8]], error: FileStoreError?) {
        var decoder = ChunkFrameDecoder()
        var chunks: [[UInt8]] = []
        do {
            try stream.withUnsafeBytes { raw in try decoder.feed(raw, offset: 0) { chunks.append(Array($0)) } }
        } catch {
            return (chunks, error as? FileStoreError)
        }
        return (chunks, nil)
    }

    @Test("valid frames encode and decode as the vector says; invalid ones are refused with their code after the chunks before them")
    func frames() throws {
        let vector = try JSONValue.read(ProtocolFiles.vector("files", "frames.json"))
        guard case .object(let root) = vector else { throw VectorFileError("frames.json is not an object") }
        let valid = try Self.list(root["valid"]), invalid = try Self.list(root["invalid"])
        #expect(valid.count >= 2 && invalid.count >= 3)
        for case .object(let item) in valid {
            let chunks = try Self.list(item["chunks_hex"]).map { try Self.bytes($0) }
            let stream = try Self.bytes(item["stream_hex"])
            #expect(chunks.flatMap(ChunkFrame.frame) == stream, "\(item["description"] ?? .null)")
            let decoded = Self.decode(stream)
            #expect(decoded.chunks == chunks && decoded.error == nil, "\(item["description"] ?? .null)")
        }
        for case .object(let item) in invalid {
            let decoded = Self.decode(try Self.bytes(item["stream_hex"]))
            #expect(decoded.chunks == (try Self.list(item["kept_hex"]).map { try Self.bytes($0) }), "\(item["description"] ?? .null)")
            let code: String? = if case .string(let text)? = item["code"] { text } else { nil }
            #expect(decoded.error?.code == code, "\(item["description"] ?? .null): \(String(describing: decoded.error))")
        }
    }
}
