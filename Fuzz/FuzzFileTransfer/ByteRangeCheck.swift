// Also in this target (the same module, FileStore): `ByteRange.parse`, the `Range` header of
// `GET /v1/files/{sha256}` and `GET /v1/snapshot/{id}` (Protocol §16.6, §19.3).
//
// Input for it: the first 4 bytes give the file's size (0 included), the rest is the header.
// Besides not crashing: a range read lies within the file, `first ≤ last`; written back as
// `bytes=FIRST-LAST` it reads the same; a refusal is the one the header deserves.
import FileStore
import FuzzSupport

func checkByteRange(_ bytes: [UInt8]) {
    guard bytes.count >= 4 else { return }
    let size = Int64(bytes[0]) << 24 | Int64(bytes[1]) << 16 | Int64(bytes[2]) << 8 | Int64(bytes[3])
    let header = String(decoding: bytes.dropFirst(4), as: UTF8.self)
    switch ByteRange.parse(header, size: size) {
    case .success(let range):
        guard 0 <= range.first, range.first <= range.last, range.last < size else { fuzzFailure("\(header.debugDescription) read as \(range) of \(size) bytes") }
        guard ByteRange.parse("bytes=\(range.first)-\(range.last)", size: size) == .success(range) else { fuzzFailure("\(range) written back reads differently") }
    case .failure(.beyondEnd):
        guard case .success = ByteRange.parse(header, size: Int64(1) << 62) else { fuzzFailure("\(header.debugDescription) beyond the end of \(size) bytes, but refused for a huge file") }
    case .failure(.lastBeforeFirst), .failure(.notUnderstood):
        guard case .failure = ByteRange.parse(header, size: Int64(1) << 62) else { fuzzFailure("\(header.debugDescription) refused as malformed for \(size) bytes, accepted for a huge file") }
    }
}
