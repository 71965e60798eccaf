import CCurl

/// Collects what libcurl hands to the callbacks during one transfer. Reached from C through an
/// unretained pointer; lives on the stack of ``CurlTransfer/run(_:configuration:handle:cancellation:)``.
final class TransferSink {
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    let cancellation: CancellationFlag

    init(cancellation: CancellationFlag) {
        self.cancellation = cancellation
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
    static func progress(_ context: UnsafeMutableRawPointer?, _: curl_off_t, _: curl_off_t,
                         _: curl_off_t, _: curl_off_t) -> Int32 {
        guard let sink = from(context) else { return 0 }
        return sink.cancellation.isCancelled ? 1 : 0
    }
}

/// Confined to the transfer thread that created it.
@available(*, unavailable)
extension TransferSink: Sendable {}
