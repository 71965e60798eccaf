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
    /// Streams: a 2xx body goes to `target` instead of memory (no ``limit``); the request
    /// body comes from `source` (Protocol §16, evidence files).
    var target: (any DownloadTarget)?
    var source: (any UploadSource)?
    /// The status of the response being received (from its status line).
    var status = 0

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
        if let target = sink.target, (200...299).contains(sink.status) {
            return target.take(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
        }
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
            let parts = line.split(separator: " ", maxSplits: 2)
            if parts.count >= 2, let code = Int(parts[1]) { sink.status = code }
        } else if let colon = line.firstIndex(of: ":") {
            let name = trimmed(line[..<colon]).lowercased()
            let value = trimmed(line[line.index(after: colon)...])
            // (A streamed download goes to its target, not memory: no limit on its size.)
            if name == "content-length", sink.target == nil, let announced = Int64(value), announced > sink.limit {
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
        if downloaded > sink.limit, sink.target == nil {
            sink.exceeded = (.compressed, Int64(downloaded))
            return 1
        }
        return sink.cancellation.isCancelled ? 1 : 0
    }
}

/// CURLOPT_READFUNCTION: the next bytes of a streamed request body from ``source``.
extension TransferSink {
    static func sendBody(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                         _ context: UnsafeMutableRawPointer?) -> Int {
        guard let sink = from(context), let source = sink.source, let buffer else { return Int(CURL_READFUNC_ABORT) }
        if sink.cancellation.isCancelled { return Int(CURL_READFUNC_ABORT) }
        return source.fill(UnsafeMutableRawBufferPointer(start: buffer, count: size * count)) ?? Int(CURL_READFUNC_ABORT)
    }
}

/// Where a streamed download's body goes (e.g. a part file): called on the transfer's thread.
public protocol DownloadTarget: AnyObject {
    /// Takes the next bytes of a 2xx body; false aborts the transfer (a write failed, or the
    /// request's time is up).
    func take(_ bytes: UnsafeRawBufferPointer) -> Bool
}

/// Where a streamed upload's body comes from (e.g. chunk frames read from a file).
public protocol UploadSource: AnyObject {
    /// Fills `buffer` with the next bytes: how many (0: the body ends), or nil to abort.
    func fill(_ buffer: UnsafeMutableRawBufferPointer) -> Int?
}

/// Confined to the transfer thread that created it.
@available(*, unavailable)
extension TransferSink: Sendable {}
