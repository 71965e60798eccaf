import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on 127.0.0.1 for `bench files`: a capped link that cuts every connection after a
/// few seconds, counting the bytes that went up. (The tests have a richer one; benchmarks may not
/// depend on test code.)
final class CuttingProxy: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let target: Int
    private let bytesPerSecond: Int
    private let cutAfterSeconds: Double
    private let state = Mutex((up: 0, cuts: 0, stopped: false))

    init(targetPort: Int, bytesPerSecond: Int, cutAfterSeconds: Double) throws {
        target = targetPort
        self.bytesPerSecond = bytesPerSecond
        self.cutAfterSeconds = cutAfterSeconds
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(0)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 16) == 0 else { throw BenchError("cannot listen on 127.0.0.1 for the proxy") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in accept() }
    }

    var bytesUp: Int { state.withLock { $0.up } }
    var cuts: Int { state.withLock { $0.cuts } }

    func stop() {
        state.withLock { $0.stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    static func loopback(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    private func accept() {
        while !state.withLock({ $0.stopped }) {
            let client = Glibc.accept(listener, nil, nil)
            guard client >= 0 else { return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(target)
            let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard connected == 0 else { close(client); close(server); continue }
            let connection = Connection(client: client, server: server) { [self] in state.withLock { $0.cuts += 1 } }
            Thread.detachNewThread { [self] in pump(from: client, to: server, up: true, connection: connection) }
            Thread.detachNewThread { [self] in pump(from: server, to: client, up: false, connection: connection) }
            Thread.detachNewThread { [cutAfterSeconds] in
                Thread.sleep(forTimeInterval: cutAfterSeconds)
                connection.end(cut: true)
            }
        }
    }

    /// One proxied connection, ended once (by a cut, or by either side closing).
    final class Connection: @unchecked Sendable {
        let client: Int32, server: Int32
        let opened = Date()
        private let closed = Mutex(false)
        private let onCut: @Sendable () -> Void
        init(client: Int32, server: Int32, onCut: @escaping @Sendable () -> Void) {
            self.client = client
            self.server = server
            self.onCut = onCut
        }
        func end(cut: Bool) {
            let first = closed.withLock { done -> Bool in defer { done = true }; return !done }
            guard first else { return }
            if cut { onCut() }
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(server, Int32(SHUT_RDWR))
        }
    }

    private func pump(from: Int32, to: Int32, up: Bool, connection: Connection) {
        let opened = connection.opened
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        var sent = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            if up { state.withLock { $0.up += n } }
            sent += n
            // Pace to the cap: this direction may not be ahead of bytesPerSecond since the connection opened.
            let ahead = Double(sent) / Double(bytesPerSecond) - Date().timeIntervalSince(opened)
            if ahead > 0 { Thread.sleep(forTimeInterval: ahead) }
            var done = 0
            while done < n {
                let w = buffer.withUnsafeBytes { write(to, $0.baseAddress! + done, n - done) }
                if w <= 0 { connection.end(cut: false); close(from); return }
                done += w
            }
        }
        connection.end(cut: false)
        close(from)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
