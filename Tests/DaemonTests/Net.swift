import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
private let streamType = Int32(SOCK_STREAM.rawValue)
private let datagramType = Int32(SOCK_DGRAM.rawValue)
#elseif canImport(Darwin)
import Darwin
private let streamType = SOCK_STREAM
private let datagramType = SOCK_DGRAM
#endif

// Plain POSIX sockets for the tests: a free port, a tiny blocking HTTP/1.1 client for the daemon's
// local API, a throttling and dropping TCP proxy standing in for a poor district link, and the
// datagram socket systemd listens on for sd_notify messages.

struct SocketError: Error, CustomStringConvertible {
    let description: String
    init(_ what: String, _ code: Int32 = errno) { description = "\(what): \(String(cString: strerror(code))) (errno \(code))" }
}

private func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return address
}

private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}

private func setTimeout(_ fd: Int32, _ option: Int32, seconds: Double) {
    var tv = timeval()
    tv.tv_sec = .init(seconds)
    tv.tv_usec = .init((seconds - Double(Int(seconds))) * 1_000_000)
    _ = setsockopt(fd, SOL_SOCKET, option, &tv, socklen_t(MemoryLayout<timeval>.size))
}

/// A TCP socket connected to 127.0.0.1:`port`.
private func connectLoopback(port: Int, timeout: Double) throws -> Int32 {
    let fd = socket(AF_INET, streamType, 0)
    guard fd >= 0 else { throw SocketError("socket") }
    setTimeout(fd, SO_RCVTIMEO, seconds: timeout)
    setTimeout(fd, SO_SNDTIMEO, seconds: timeout)
    var address = loopback(port: port)
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard result == 0 else {
        let code = errno
        close(fd)
        throw SocketError("connect to 127.0.0.1:\(port)", code)
    }
    return fd
}

/// A listening TCP socket on 127.0.0.1 (`port` 0: any free port) and the port it got.
private func listenLoopback(port: Int = 0) throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, streamType, 0)
    guard fd >= 0 else { throw SocketError("socket") }
    var one: Int32 = 1
    _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var address = loopback(port: port)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0, listen(fd, 64) == 0 else {
        let code = errno
        close(fd)
        throw SocketError("bind/listen on 127.0.0.1:\(port)", code)
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read, closed), for a
/// process that must come back on the same port after a restart.
func freePort() throws -> Int {
    let (fd, port) = try listenLoopback()
    close(fd)
    return port
}

private func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n < 0 {
            if errno == EINTR { continue }
            throw SocketError("send")
        }
        offset += n
    }
}

// MARK: - HTTP client

struct HTTPResponse: CustomStringConvertible {
    var status: Int
    var headers: [String: String]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    var object: [String: Any]? { json as? [String: Any] }
    var description: String { "HTTP \(status) \(text.prefix(2000))" }
}

/// One blocking HTTP/1.1 exchange (`Connection: close`) with `base` (`http://127.0.0.1:PORT`).
/// `headers` are added as given; `host` replaces the Host header (nil: 127.0.0.1:PORT, "": none).
func http(_ method: String, _ base: String, _ path: String, body: Data? = nil, headers: [(String, String)] = [], host: String? = nil,
          timeout: Double = 15) throws -> HTTPResponse {
    guard let url = URL(string: base), let port = url.port else { throw SocketError("bad base URL \(base)", EINVAL) }
    let fd = try connectLoopback(port: port, timeout: timeout)
    defer { close(fd) }
    let hostLine = host.map { $0.isEmpty ? "" : "Host: \($0)\r\n" } ?? "Host: 127.0.0.1:\(port)\r\n"
    var head = "\(method) \(path) HTTP/1.1\r\n\(hostLine)Connection: close\r\nUser-Agent: reformsync-daemon-tests\r\n"
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    if let body {
        head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
    } else if method == "PUT" || method == "POST" {
        head += "Content-Length: 0\r\n"
    }
    head += "\r\n"
    try writeAll(fd, Array(head.utf8) + Array(body ?? Data()))
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n > 0 { received += buffer[0..<n]; continue }
        if n == 0 { break }
        if errno == EINTR { continue }
        throw SocketError("recv from \(base)\(path)")
    }
    guard let split = received.firstRange(of: Array("\r\n\r\n".utf8)) else {
        throw SocketError("no HTTP header in the answer of \(method) \(path) (\(received.count) bytes)", EPROTO)
    }
    let headText = String(decoding: received[..<split.lowerBound], as: UTF8.self)
    var lines = headText.components(separatedBy: "\r\n")
    let statusLine = lines.removeFirst().split(separator: " ")
    guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw SocketError("bad status line \(headText)", EPROTO) }
    var headers: [String: String] = [:]
    for line in lines {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    var payload = Array(received[split.upperBound...])
    if headers["transfer-encoding"]?.lowercased() == "chunked" {
        var decoded: [UInt8] = []
        var rest = payload[...]
        while let lineEnd = rest.firstRange(of: Array("\r\n".utf8)) {
            let size = Int(String(decoding: rest[rest.startIndex..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";")[0], radix: 16) ?? 0
            if size == 0 { break }
            let start = lineEnd.upperBound
            guard rest.endIndex >= start + size else { break }
            decoded += rest[start..<(start + size)]
            rest = rest[min(rest.endIndex, start + size + 2)...]
        }
        payload = decoded
    }
    return HTTPResponse(status: status, headers: headers, body: Data(payload))
}

// MARK: - A poor link

/// A TCP proxy on 127.0.0.1 between the daemon and the hub: optionally throttled (a shared budget
/// of bytes per second each way, like one capped link) and dropping every connection after some
/// seconds or bytes, like a district line that goes down every minute. Counts and timestamps what
/// crosses it.
final class LinkProxy: @unchecked Sendable {
    struct Settings: Sendable {
        /// Bytes per second each way, for all connections together (nil: unthrottled).
        var bytesPerSecond: Int?
        /// Close every connection this many seconds after it was accepted.
        var dropAfterSeconds: Double?
        /// Close every connection once this many bytes crossed it (both ways).
        var dropAfterBytes: Int?
    }

    /// Bytes read from one side at one moment (seconds since the proxy started).
    struct Chunk: Sendable {
        var connection: Int
        var upstream: Bool
        var time: Double
        var bytes: Int
        /// Upstream, begins with an HTTP method: the first bytes of a request.
        var startsRequest: Bool
    }

    private struct State {
        var chunks: [Chunk] = []
        var connections = 0
        var drops = 0
        var open: [Int: (client: Int32, server: Int32)] = [:]
        var nextSlot: [Bool: Double] = [:]
        var stopped = false
    }

    let settings: Settings
    let targetPort: Int
    let port: Int
    private let listener: Int32
    private let started = monotonicSeconds()
    private let state = Mutex(State())

    init(targetPort: Int, settings: Settings) throws {
        self.settings = settings
        self.targetPort = targetPort
        (listener, port) = try listenLoopback()
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var chunks: [Chunk] { state.withLock { $0.chunks } }
    var connections: Int { state.withLock { $0.connections } }
    /// Connections the proxy closed on purpose (timer or byte budget) while they were open.
    var drops: Int { state.withLock { $0.drops } }
    func bytes(upstream: Bool) -> Int { chunks.filter { $0.upstream == upstream }.reduce(0) { $0 + $1.bytes } }

    /// Closes the listener and every open connection.
    func stop() {
        let open = state.withLock { state -> [(Int32, Int32)] in
            guard !state.stopped else { return [] }
            state.stopped = true
            return state.open.values.map { ($0.client, $0.server) }
        }
        shutdown(listener, Int32(SHUT_RDWR))
        for (a, b) in open {
            shutdown(a, Int32(SHUT_RDWR))
            shutdown(b, Int32(SHUT_RDWR))
        }
    }

    private func now() -> Double { monotonicSeconds() - started }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            if state.withLock({ $0.stopped }) { close(client); return }
            guard let server = try? connectLoopback(port: targetPort, timeout: 0.2) else {
                close(client)
                continue
            }
            // Short receive timeouts let the pumps notice the drop deadline while idle.
            setTimeout(client, SO_RCVTIMEO, seconds: 0.05)
            setTimeout(server, SO_RCVTIMEO, seconds: 0.05)
            setTimeout(client, SO_SNDTIMEO, seconds: 30)
            setTimeout(server, SO_SNDTIMEO, seconds: 30)
            let id = state.withLock { state -> Int in
                state.connections += 1
                state.open[state.connections] = (client, server)
                return state.connections
            }
            let connection = Connection(id: id, client: client, server: server,
                                        deadline: settings.dropAfterSeconds.map { monotonicSeconds() + $0 })
            Thread.detachNewThread { [self] in pump(connection, upstream: true) }
            Thread.detachNewThread { [self] in pump(connection, upstream: false) }
        }
    }

    private final class Connection: @unchecked Sendable {
        let id: Int
        let client: Int32
        let server: Int32
        let deadline: Double?
        let shared = Mutex((bytes: 0, finished: 0, dropped: false))

        init(id: Int, client: Int32, server: Int32, deadline: Double?) {
            self.id = id
            self.client = client
            self.server = server
            self.deadline = deadline
        }
    }

    /// Waits for this direction's turn on the throttled link, then returns.
    private func pace(_ bytes: Int, upstream: Bool) {
        guard let rate = settings.bytesPerSecond else { return }
        let slotEnd = state.withLock { state -> Double in
            let start = max(monotonicSeconds(), state.nextSlot[upstream] ?? 0)
            let end = start + Double(bytes) / Double(rate)
            state.nextSlot[upstream] = end
            return end
        }
        let wait = slotEnd - monotonicSeconds()
        if wait > 0 { usleep(useconds_t(wait * 1_000_000)) }
    }

    private func drop(_ connection: Connection) {
        let first = connection.shared.withLock { shared -> Bool in
            defer { shared.dropped = true }
            return !shared.dropped
        }
        if first { state.withLock { $0.drops += 1 } }
        shutdown(connection.client, Int32(SHUT_RDWR))
        shutdown(connection.server, Int32(SHUT_RDWR))
    }

    private func pump(_ connection: Connection, upstream: Bool) {
        let from = upstream ? connection.client : connection.server
        let to = upstream ? connection.server : connection.client
        // Small reads keep the throttle smooth: about 20 slices a second at the configured rate.
        let size = settings.bytesPerSecond.map { max(256, min(16384, $0 / 20)) } ?? 65536
        var buffer = [UInt8](repeating: 0, count: size)
        loop: while true {
            if let deadline = connection.deadline, monotonicSeconds() >= deadline {
                drop(connection)
                break
            }
            let n = recv(from, &buffer, size, 0)
            if n == 0 { break }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                break
            }
            pace(n, upstream: upstream)
            let head = String(decoding: buffer[0..<min(n, 8)], as: UTF8.self)
            let startsRequest = upstream && ["GET ", "POST ", "PUT ", "DELETE ", "HEAD "].contains { head.hasPrefix($0) }
            let chunk = Chunk(connection: connection.id, upstream: upstream, time: now(), bytes: n, startsRequest: startsRequest)
            state.withLock { $0.chunks.append(chunk) }
            do {
                try writeAll(to, Array(buffer[0..<n]))
            } catch {
                break loop
            }
            let total = connection.shared.withLock { shared -> Int in
                shared.bytes += n
                return shared.bytes
            }
            if let limit = settings.dropAfterBytes, total >= limit {
                drop(connection)
                break
            }
        }
        // Half-close: the other direction may still be flowing.
        shutdown(to, Int32(SHUT_WR))
        let last = connection.shared.withLock { shared -> Bool in
            shared.finished += 1
            return shared.finished == 2
        }
        if last {
            state.withLock { _ = $0.open.removeValue(forKey: connection.id) }
            close(connection.client)
            close(connection.server)
        }
    }
}

// MARK: - systemd's notify socket

/// A Unix datagram socket standing in for systemd's `$NOTIFY_SOCKET`: collects every message.
final class NotifySocket: @unchecked Sendable {
    struct Message: Sendable {
        var time: Double
        var text: String
        var fields: [String: String] {
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            return fields
        }
    }

    let path: String
    private let fd: Int32
    private let received = Mutex<[Message]>([])
    private let closed = Mutex(false)

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, datagramType, 0)
        guard fd >= 0 else { throw SocketError("socket(AF_UNIX)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            closeDescriptor(fd)
            throw SocketError("socket path too long: \(path)", ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in bytes.enumerated() { buffer[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let code = errno
            closeDescriptor(fd)
            throw SocketError("bind \(path)", code)
        }
        setTimeout(fd, SO_RCVTIMEO, seconds: 0.1)
        Thread.detachNewThread { [self] in receiveLoop() }
    }

    /// Stops receiving and removes the socket file.
    func stop() {
        let first = closed.withLock { closed -> Bool in
            defer { closed = true }
            return !closed
        }
        if first { unlink(path) }
    }

    var messages: [Message] { received.withLock { $0 } }

    /// The first message that has `key=value` (e.g. READY=1), waiting up to `timeout` seconds.
    func wait(for key: String, _ value: String = "1", after: Double = -1, timeout: Double) -> Message? {
        let deadline = monotonicSeconds() + timeout
        while true {
            if let found = messages.first(where: { $0.time > after && $0.fields[key] == value }) { return found }
            if monotonicSeconds() > deadline { return nil }
            usleep(10_000)
        }
    }

    private func receiveLoop() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !closed.withLock({ $0 }) {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 {
                let message = Message(time: monotonicSeconds(), text: String(decoding: buffer[0..<n], as: UTF8.self))
                received.withLock { $0.append(message) }
            }
        }
        closeDescriptor(fd)
    }
}
