// Fuzz target: evidence file transfer. The `Range` header of downloads (ByteRangeCheck.swift), and
// the upload chunk frames the hub reads from a unit (Protocol §16.3), through
// `ChunkFrameDecoder.feed`, the way `PUT /v1/files/{sha256}` hands it the body: piece by piece, cut
// wherever the network cut it.
//
// Input: byte 0 holds the number of cuts (low 4 bits) and the mode (high bit); then 2 bytes
// (big-endian) per cut, each the length of one piece; the rest is the payload.
// - Stream mode (high bit clear): the payload is a byte stream as received. Fed whole and fed in
//   the pieces the cuts give (the last piece takes what remains), it must give the same chunks and
//   the same error, message included (it names the file position).
// - Frame mode (high bit set): the payload is cut into chunks (the cut lengths, 1...64 KiB), each
//   framed with `ChunkFrame.frame`; the stream of these frames, fed in pieces, must give back
//   exactly those chunks and no error.
// Always: after every piece, the decoder buffers exactly the bytes of the frame it has begun (never
// a whole frame or more); every chunk it delivers has 1...64 KiB, and framing it again gives the
// bytes it was read from.
import FileStore
import FuzzSupport

struct Outcome: Equatable {
    var chunks: [[UInt8]] = []
    var error: String?
}

/// Feeds `stream` in `pieces` (lengths summing to its size), checking the bounds after each.
func decode(_ stream: [UInt8], pieces: [Int]) -> Outcome {
    var decoder = ChunkFrameDecoder()
    var outcome = Outcome()
    var fed = 0, consumed = 0
    // A plain function and a Result, not nested typed-throws closures: Swift 6.3's optimiser
    // crashes inlining those.
    func deliver(_ chunk: UnsafeRawBufferPointer) throws(FileStoreError) {
        let content = Array(chunk)
        guard (1...ChunkFrame.maxChunkBytes).contains(content.count) else {
            fuzzFailure("a chunk of \(content.count) bytes was delivered")
        }
        let frame = ChunkFrame.frame(content)
        guard consumed + frame.count <= stream.count, Array(stream[consumed..<(consumed + frame.count)]) == frame else {
            fuzzFailure("the chunk delivered at stream byte \(consumed) does not frame back to the bytes it was read from")
        }
        consumed += frame.count
        outcome.chunks.append(content)
    }
    for piece in pieces {
        let bytes = Array(stream[fed..<(fed + piece)])
        fed += piece
        let offset = Int64(outcome.chunks.reduce(0) { $0 + $1.count })
        let failure = bytes.withUnsafeBytes { raw -> FileStoreError? in
            do throws(FileStoreError) { try decoder.feed(raw, offset: offset, chunk: deliver); return nil } catch { return error }
        }
        if let failure {
            outcome.error = "\(failure.kind.rawValue): \(failure.message)"
            return outcome
        }
        guard decoder.buffered == fed - consumed else {
            fuzzFailure("after \(fed) bytes fed and \(consumed) delivered as frames, the decoder buffers \(decoder.buffered) bytes")
        }
        guard decoder.buffered < ChunkFrame.headerBytes + ChunkFrame.maxChunkBytes else {
            fuzzFailure("the decoder buffers \(decoder.buffered) bytes, a whole frame or more")
        }
    }
    return outcome
}

/// Piece lengths from the cuts: each cut taken as it is (clamped to what remains), the rest last.
func pieces(_ cuts: [Int], total: Int) -> [Int] {
    var out: [Int] = [], left = total
    for cut in cuts {
        let piece = min(cut, left)
        out.append(piece)
        left -= piece
    }
    out.append(left)
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    checkByteRange(bytes)
    guard let control = bytes.first else { return 0 }
    let count = Int(control & 0x0F)
    guard bytes.count >= 1 + 2 * count else { return 0 }
    let cuts = (0..<count).map { Int(bytes[1 + 2 * $0]) << 8 | Int(bytes[2 + 2 * $0]) }
    let payload = Array(bytes[(1 + 2 * count)...])

    if control & 0x80 == 0 {
        let whole = decode(payload, pieces: [payload.count])
        let split = decode(payload, pieces: pieces(cuts, total: payload.count))
        guard whole == split else {
            fuzzFailure("fed whole: \(whole.chunks.count) chunks, error \(whole.error ?? "none"); fed in pieces \(cuts): \(split.chunks.count) chunks, error \(split.error ?? "none")")
        }
    } else {
        var chunks: [[UInt8]] = [], start = 0
        while start < payload.count {
            let cut = chunks.count < cuts.count ? cuts[chunks.count] : payload.count
            let length = min(max(1, cut), ChunkFrame.maxChunkBytes, payload.count - start)
            chunks.append(Array(payload[start..<(start + length)]))
            start += length
        }
        let stream = chunks.flatMap(ChunkFrame.frame)
        // The same cuts again, now over the framed stream, so frames are split at every place.
        let outcome = decode(stream, pieces: pieces(cuts.map { $0 % 97 }, total: stream.count))
        guard outcome == Outcome(chunks: chunks, error: nil) else {
            fuzzFailure("\(chunks.count) valid frames read back as \(outcome.chunks.count) chunks, error \(outcome.error ?? "none")")
        }
    }
    return 0
}

@_cdecl("FuzzFileTransfer_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
