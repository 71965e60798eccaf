import Foundation

/// Reads the file part (field `file`) of a `multipart/form-data` body as the body arrives, handing
/// its bytes on in pieces, so that an evidence upload of any allowed size is never held in memory
/// (at most one piece plus a delimiter's length is). The upload form has that one field; other
/// parts are skipped, and only the first file part is kept.
///
/// Feed the body's pieces in order to ``feed(_:into:)``, then call ``finish()``: it returns the
/// file's name (NFC, path stripped), or throws ``MultipartError`` naming what was wrong with the body.
public struct MultipartFileReader: Sendable {
    /// Longest header block of one part: a browser sends a few hundred bytes.
    public static let maxHeaderBytes = 16 << 10

    enum State { case seeking, afterDelimiter, headers, content, done }

    /// `CRLF--boundary`; the body is read as if it began with CRLF, so the first delimiter matches too.
    let delimiter: [UInt8]
    var state = State.seeking
    var pending: [UInt8] = Array("\r\n".utf8)
    public private(set) var fileName: String?
    public private(set) var fileBytes: Int64 = 0

    /// The boundary of a `multipart/form-data` content type, or nil when it is not one.
    public static func boundary(contentType: String) -> String? { MultipartFile.boundary(contentType: contentType) }

    public init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// Consumes the next piece of the body; the file's bytes go to `sink` (in order, never an empty piece).
    public mutating func feed(_ bytes: some Collection<UInt8>, into sink: ([UInt8]) throws -> Void) throws {
        guard state != .done else { return }
        pending.append(contentsOf: bytes)
        while true {
            switch state {
            case .seeking, .content:
                if let found = Self.find(delimiter, in: pending) {
                    if state == .content {
                        if found > 0 { try emit(Array(pending[..<found]), sink) }
                        state = .done
                        pending = []
                        return
                    }
                    pending.removeFirst(found + delimiter.count)
                    state = .afterDelimiter
                } else {
                    // Keep what could still be the start of a delimiter.
                    let keep = min(pending.count, delimiter.count - 1)
                    if state == .content, pending.count > keep { try emit(Array(pending[..<(pending.count - keep)]), sink) }
                    pending.removeFirst(pending.count - keep)
                    return
                }
            case .afterDelimiter:
                guard pending.count >= 2 else { return }
                if pending[0] == UInt8(ascii: "-"), pending[1] == UInt8(ascii: "-") { state = .done; pending = []; return }
                guard pending[0] == 13, pending[1] == 10 else { throw MultipartError("a part delimiter is not followed by a line break") }
                pending.removeFirst(2)
                state = .headers
            case .headers:
                guard let end = Self.find(Array("\r\n\r\n".utf8), in: pending) else {
                    if pending.count > Self.maxHeaderBytes { throw MultipartError("a part's headers are longer than \(Self.maxHeaderBytes) bytes") }
                    return
                }
                let headers = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end + 4)
                if fileName == nil, let name = Self.fileName(in: headers) {
                    fileName = name
                    state = .content
                } else {
                    state = .seeking  // another field: skipped up to the next delimiter
                }
            case .done:
                return
            }
        }
    }

    /// The file's name once the whole body was fed; throws when the body had no complete file part.
    public func finish() throws -> String {
        guard state == .done else {
            throw MultipartError(state == .content ? "the body ended inside the file (upload cut short)" : "the body has no complete part")
        }
        guard let fileName else { throw MultipartError("the form holds no file") }
        return fileName
    }

    mutating func emit(_ bytes: [UInt8], _ sink: ([UInt8]) throws -> Void) throws {
        fileBytes += Int64(bytes.count)
        try sink(bytes)
    }

    /// The file name of a part's headers (``MultipartFile/fileName(in:)``: read as bytes, NFC, last path component).
    static func fileName(in headers: String) -> String? { MultipartFile.fileName(in: headers) }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? { MultipartFile.find(needle, in: haystack, from: 0) }
}

/// A `multipart/form-data` body that cannot be read, with what was wrong.
public struct MultipartError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
