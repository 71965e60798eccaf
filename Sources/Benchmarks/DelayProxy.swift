import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on 127.0.0.1 that delivers every byte a fixed delay after it arrived, each way:
/// a long link (3G, satellite) on loopback, for `reformsync bench hub`'s round-trip figures.
/// Bandwidth is not limited; order is kept. One thread per direction per connection, plenty
/// for the handful of connections a benchmark opens.
public final class DelayProxy: Sendable {
    public let port: Int
    let targetPort: Int
    let delay: Double
    private let listener: Int32
    private let stopped = Atomic<Bool>(false)

    /// - Parameter delay: seconds added to each direction (a round trip gains twice that).
    public init(targetPort: Int, delay: Double) throws {
        self.targetPort = targetPort
        self.delay = max(0, delay)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ready else {
            close(fd)
            throw DaemonBenchmark.Failure(description: "the delay proxy cannot listen on 127.0.0.1 (errno \(errno))")
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                return
            }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: targetPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                close(client)
                close(server)
                continue
            }
            var yes: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            setsockopt(server, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            let pair = Pair(client: client, server: server)
            Thread.detachNewThread { [self] in pump(from: client, to: server, pair: pair) }
            Thread.detachNewThread { [self] in pump(from: server, to: client, pair: pair) }
        }
    }

    /// Both sockets of a connection, closed once when either direction ends.
    final class Pair: Sendable {
        let client: Int32
        let server: Int32
        private let closed = Atomic<Int>(0)
        init(client: Int32, server: Int32) {
            self.client = client
            self.server = server
        }
        func finish() {
            // The second direction to end closes both.
            if closed.add(1, ordering: .relaxed).newValue == 2 {
                close(client)
                close(server)
            } else {
                shutdown(client, Int32(SHUT_RDWR))
                shutdown(server, Int32(SHUT_RDWR))
            }
        }
    }

    /// Reads from `source`; a writer thread sends each chunk `delay` seconds after it was read.
    private func pump(from source: Int32, to destination: Int32, pair: Pair) {
        let queue = DelayQueue()
        let delay = self.delay
        Thread.detachNewThread {
            while let (due, bytes) = queue.next() {
                let wait = due - Self.now()
                if wait > 0 { usleep(useconds_t(min(wait, 10) * 1_000_000)) }
                var sent = 0
                while sent < bytes.count {
                    let n = bytes[sent...].withUnsafeBytes { send(destination, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if n <= 0 { if errno == EINTR { continue }; break }
                    sent += n
                }
            }
            pair.finish()
        }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(source, &buffer, buffer.count, 0)
            if n > 0 {
                queue.put(due: Self.now() + delay, Array(buffer[0..<n]))
                continue
            }
            if n < 0 && errno == EINTR { continue }
            break
        }
        queue.finish()
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Chunks in arrival order, each with the time it is due.
    final class DelayQueue: Sendable {
        private let state = Mutex<(chunks: [(Double, [UInt8])], finished: Bool)>(([], false))
        private let signal = DispatchSemaphore(value: 0)

        func put(due: Double, _ bytes: [UInt8]) {
            state.withLock { $0.chunks.append((due, bytes)) }
            signal.signal()
        }

        func finish() {
            state.withLock { $0.finished = true }
            signal.signal()
        }

        /// The next chunk, waiting for one; nil once finished and drained.
        func next() -> (Double, [UInt8])? {
            while true {
                let item = state.withLock { state -> (Double, [UInt8])?? in
                    if !state.chunks.isEmpty { return state.chunks.removeFirst() }
                    return state.finished ? .some(nil) : nil
                }
                if let item { return item }
                signal.wait()
            }
        }
    }
}
