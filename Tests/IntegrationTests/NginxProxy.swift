import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A throw-away certificate authority made with the `openssl` CLI, and server certificates it
/// signs: what a province with a private CA has. Files live in `directory` (the test's world).
struct TestCA {
    static let openssl = "/usr/bin/openssl"
    let directory: String
    let certificate: String
    let key: String

    /// Creates the CA's key and self-signed certificate.
    init(in directory: String) throws {
        self.directory = directory
        certificate = directory + "/ca.crt"
        key = directory + "/ca.key"
        try Self.run([Self.openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                      "-subj", "/CN=reformsync test CA", "-days", "2",
                      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    }

    /// A server certificate and key signed by this CA for `names` (`IP:127.0.0.1`, `DNS:localhost`).
    /// `wrapper` runs openssl (e.g. `faketime -f -10d` for a certificate expired by now).
    func serverCertificate(_ name: String, names: [String] = ["IP:127.0.0.1", "DNS:localhost"], days: Int = 2,
                           wrapper: [String] = []) throws -> (certificate: String, key: String) {
        let cert = directory + "/\(name).crt", key = directory + "/\(name).key", csr = directory + "/\(name).csr"
        let extensions = directory + "/\(name).ext"
        try Data("subjectAltName=\(names.joined(separator: ","))\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n".utf8)
            .write(to: URL(fileURLWithPath: extensions))
        try Self.run([Self.openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=\(name)"])
        try Self.run(wrapper + [Self.openssl, "x509", "-req", "-in", csr, "-CA", certificate, "-CAkey", self.key,
                                "-CAcreateserial", "-out", cert, "-days", "\(days)", "-extfile", extensions])
        return (cert, key)
    }

    /// Runs a program to its end; throws with its output when it fails.
    static func run(_ command: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        while process.isRunning { usleep(5_000) }
        guard process.terminationStatus == 0 else {
            throw TestFailure("`\(command.joined(separator: " "))` failed (\(process.terminationStatus)): \(String(decoding: printed, as: UTF8.self))")
        }
    }
}

/// Debian's nginx running the shipped `Config/nginx-hub.conf` in front of a test hub: the file's
/// lines marked CHANGE are replaced by the test's ports and certificates (each replacement must
/// match, so a reworded shipped file fails the test instead of silently testing something else),
/// wrapped in a minimal main configuration with every path in a temporary prefix, and run in the
/// foreground (`daemon off`, `master_process off`: one process, SIGKILLed at the end).
final class NginxProxy: @unchecked Sendable {
    static let executable = "/usr/sbin/nginx"
    /// The shipped example, found from this source file (Tests/IntegrationTests/ → repository root).
    static let shippedConfig = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Config/nginx-hub.conf").path

    let prefix: String
    let nodesPort: Int
    let operatorPort: Int
    private let process: Process

    /// Starts nginx; fails the test with a clear message when nginx is not installed.
    init(world: World, hubPort: Int, certificate: String, key: String, maxBodySize: String = "8m",
         sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            Issue.record("nginx is not installed: install Debian's nginx (`apt-get install nginx-light`, or run scripts/install-deps.sh as root); the reverse-proxy test cannot run without it",
                         sourceLocation: sourceLocation)
            throw TestFailure("nginx not installed")
        }
        let prefix = world.path("nginx-\(UUID().uuidString.prefix(6))")
        self.prefix = prefix
        try FileManager.default.createDirectory(atPath: prefix + "/temp", withIntermediateDirectories: true)
        var site = try String(contentsOfFile: Self.shippedConfig, encoding: .utf8)
        var lastError: Error?
        for _ in 0..<5 {
            let nodesPort = try freeLoopbackPort(), operatorPort = try freeLoopbackPort()
            let replacements: [(String, String)] = [
                ("server 127.0.0.1:8443;", "server 127.0.0.1:\(hubPort);"),
                ("listen 443 ssl;", "listen 127.0.0.1:\(nodesPort) ssl;"),
                ("listen 127.0.0.1:8444 ssl;", "listen 127.0.0.1:\(operatorPort) ssl;"),
                ("/etc/reformsync/tls/hub.crt;", certificate + ";"),
                ("/etc/reformsync/tls/hub.key;", key + ";"),
                ("client_max_body_size 8m;", "client_max_body_size \(maxBodySize);"),
            ]
            var text = site
            for (old, new) in replacements {
                guard text.contains(old) else {
                    Issue.record("Config/nginx-hub.conf no longer contains `\(old)`: update NginxProxy's replacements", sourceLocation: sourceLocation)
                    throw TestFailure("nginx-hub.conf changed")
                }
                text = text.replacingOccurrences(of: old, with: new)
            }
            let main = """
                daemon off;
                master_process off;
                worker_processes 1;
                pid \(prefix)/nginx.pid;
                error_log \(prefix)/error.log info;
                events { worker_connections 64; }
                http {
                    access_log \(prefix)/access.log;
                    client_body_temp_path \(prefix)/temp/body;
                    proxy_temp_path \(prefix)/temp/proxy;
                    fastcgi_temp_path \(prefix)/temp/fastcgi;
                    uwsgi_temp_path \(prefix)/temp/uwsgi;
                    scgi_temp_path \(prefix)/temp/scgi;
                \(text)
                }
                """
            try Data(main.utf8).write(to: URL(fileURLWithPath: prefix + "/nginx.conf"))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.executable)
            process.arguments = ["-p", prefix, "-c", prefix + "/nginx.conf", "-e", prefix + "/error.log"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let up = eventually(timeout: 10, every: 0.02) {
                !process.isRunning || (loopbackListening(nodesPort) && loopbackListening(operatorPort))
            }
            if up && process.isRunning {
                self.nodesPort = nodesPort
                self.operatorPort = operatorPort
                self.process = process
                return
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            while process.isRunning { usleep(5_000) }
            lastError = TestFailure("nginx did not start: \((try? String(contentsOfFile: prefix + "/error.log", encoding: .utf8)) ?? "")")
            site = try String(contentsOfFile: Self.shippedConfig, encoding: .utf8)
        }
        Issue.record("\(lastError.map { "\($0)" } ?? "nginx did not start")", sourceLocation: sourceLocation)
        throw lastError ?? TestFailure("nginx did not start")
    }

    deinit { stop() }

    var nodesURL: String { "https://127.0.0.1:\(nodesPort)" }
    var operatorURL: String { "https://127.0.0.1:\(operatorPort)" }
    var errorLog: String { (try? String(contentsOfFile: prefix + "/error.log", encoding: .utf8)) ?? "" }
    var accessLog: String { (try? String(contentsOfFile: prefix + "/access.log", encoding: .utf8)) ?? "" }

    /// SIGKILL (a single process: no workers left behind) and reap.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { usleep(5_000) }
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read, closed).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw TestFailure("bind: errno \(errno)") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw TestFailure("getsockname: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
func loopbackListening(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0, let port16 = UInt16(exactly: port) else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port16.bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}
