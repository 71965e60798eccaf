import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 exchange over a plain socket (`Connection: close`), headers and body as they
/// came: the hub's error tests need what a client library hides (WWW-Authenticate, Allow, the
/// raw envelope of any status).
struct RawResponse: CustomStringConvertible {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }
    /// The envelope's code and message, when the body is `{"error":{"code","message"}}`.
    var envelope: (code: String, message: String)? {
        guard let error = json?["error"] as? [String: Any], let code = error["code"] as? String,
              let message = error["message"] as? String, !code.isEmpty, !message.isEmpty else { return nil }
        return (code, message)
    }
    var description: String { "HTTP \(status) \(headers) \(text.prefix(600))" }
}

struct RawHTTPError: Error, CustomStringConvertible { var description: String }

/// Bearer and Basic `Authorization` values.
enum Auth {
    static func bearer(_ token: String) -> [(String, String)] { [("Authorization", "Bearer \(token)")] }
    static func basic(_ user: String, _ password: String) -> [(String, String)] {
        [("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())]
    }
}

func rawHTTP(_ method: String, _ base: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
             timeout: Double = 20) throws -> RawResponse {
    guard let url = URL(string: base), let port = url.port else { throw RawHTTPError(description: "bad base URL \(base)") }
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw RawHTTPError(description: "socket: errno \(errno)") }
    defer { close(fd) }
    var time = timeval(tv_sec: Int(timeout), tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw RawHTTPError(description: "connect to \(base): errno \(errno)") }
    // A test may send its own Host (the office apps' allow-list); otherwise the address it connects to.
    let ownHost = headers.contains { $0.0.lowercased() == "host" }
    var head = "\(method) \(path) HTTP/1.1\r\n" + (ownHost ? "" : "Host: 127.0.0.1:\(port)\r\n") + "Connection: close\r\n"
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    if let body { head += "Content-Length: \(body.count)\r\n" } else if method == "POST" || method == "PUT" { head += "Content-Length: 0\r\n" }
    head += "\r\n"
    let request = Array(head.utf8) + (body ?? [])
    var sent = 0
    while sent < request.count {
        let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { if errno == EINTR { continue }; break }  // the server may answer (413) before reading everything
        sent += n
    }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n > 0 { received += buffer[0..<n]; continue }
        if n < 0 && errno == EINTR { continue }
        break
    }
    guard let split = received.firstRange(of: Array("\r\n\r\n".utf8)) else {
        throw RawHTTPError(description: "no HTTP header in the answer to \(method) \(path) (\(received.count) bytes)")
    }
    var lines = String(decoding: received[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
    let statusLine = lines.removeFirst().split(separator: " ")
    guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw RawHTTPError(description: "bad status line") }
    var fields: [String: String] = [:]
    for line in lines {
        guard let colon = line.firstIndex(of: ":") else { continue }
        fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    var payload = Array(received[split.upperBound...])
    if fields["transfer-encoding"]?.lowercased() == "chunked" {
        var decoded: [UInt8] = []
        var rest = payload[...]
        while let end = rest.firstRange(of: Array("\r\n".utf8)) {
            let size = Int(String(decoding: rest[rest.startIndex..<end.lowerBound], as: UTF8.self).split(separator: ";").first ?? "0", radix: 16) ?? 0
            if size == 0 { break }
            let start = end.upperBound
            guard rest.endIndex >= start + size else { break }
            decoded += rest[start..<(start + size)]
            rest = rest[min(rest.endIndex, start + size + 2)...]
        }
        payload = decoded
    }
    return RawResponse(status: status, headers: fields, body: payload)
}
