import CCurl

/// Collects what libcurl hands to the callbacks during one transfer. Reached from C through an
/// unretained pointer; lives on the stack of ``CurlTransfer/run(_:configuration:handle:cancellation:)``.
final class TransferSink {
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    let cancellation: CancellationFlag
    /// ``HubClientConfiguration/maxResponseBytes``: checked on `Content-Length`, on the bytes
    /// received (progress callback) and on the decoded body (write callback).
    let limit: Int
    /// Set when a callback aborted the transfer because the response passed ``limit``.
    var exceeded: (count: HubClientError.ResponseSizeCount, bytes: Int64)?

    init(cancellation: CancellationFlag, limit: Int = .max) {
        self.cancellation = cancellation
        self.limit = limit
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> TransferSink? {
        guard let pointer else { return nil }
        return Unmanaged<TransferSink>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// CURLOPT_WRITEFUNCTION: append decoded body bytes. Returning fewer bytes than given aborts.
    static func receiveBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                            _ context: UnsafeMutableRawPointer?) -> Int {
        let length = size * count
        guard let sink = from(context) else { return 0 }
        guard let data, length > 0 else { return length }
        // Decoded bytes: libcurl undoes gzip before this call, so a bomb stops here, a chunk
        // (at most 16 kB of output) past the limit, never buffered whole.
        guard sink.body.count + length <= sink.limit else {
            sink.exceeded = (.decompressed, Int64(sink.body.count) + Int64(length))
            return 0
        }
        UnsafeRawBufferPointer(start: data, count: length).withMemoryRebound(to: UInt8.self) {
            sink.body.append(contentsOf: $0)
        }
        return length
    }

    /// CURLOPT_HEADERFUNCTION: one complete header line per call, CRLF included.
    static func receiveHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                              _ context: UnsafeMutableRawPointer?) -> Int {
        let length = size * count
        guard let sink = from(context) else { return 0 }
        guard let data, length > 0 else { return length }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new status line starts a new header block (after "100 Continue", for instance);
            // only the final response's headers matter.
            sink.headers = [:]
        } else if let colon = line.firstIndex(of: ":") {
            let name = trimmed(line[..<colon]).lowercased()
            let value = trimmed(line[line.index(after: colon)...])
            if name == "content-length", let announced = Int64(value), announced > sink.limit {
                // Refused before the first body byte (returning less than given aborts).
                sink.exceeded = (.announced, announced)
                return 0
            }
            if !name.isEmpty {
                if let existing = sink.headers[name] {
                    sink.headers[name] = existing + ", " + value
                } else {
                    sink.headers[name] = value
                }
            }
        }
        return length
    }

    private static func trimmed(_ text: Substring) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    /// CURLOPT_XFERINFOFUNCTION: called at least once a second; non-zero aborts the transfer.
    /// Also aborts when the bytes received so far (`downloaded`, counted before decoding) pass
    /// the limit, which the decoded count alone would miss for data that does not expand.
    static func progress(_ context: UnsafeMutableRawPointer?, _: curl_off_t, _ downloaded: curl_off_t,
                         _: curl_off_t, _: curl_off_t) -> Int32 {
        guard let sink = from(context) else { return 0 }
        if downloaded > sink.limit {
            sink.exceeded = (.compressed, Int64(downloaded))
            return 1
        }
        return sink.cancellation.isCancelled ? 1 : 0
    }
}

/// Confined to the transfer thread that created it.
@available(*, unavailable)
extension TransferSink: Sendable {}
