import Foundation

/// A throw-away TLS server: a self-signed certificate for 127.0.0.1/localhost and
/// `openssl s_server -www` serving a status page with it.
final class OpenSSLServer {
    /// The `openssl` executable on PATH, or nil (the TLS tests are then skipped).
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":")
            .map { "\($0)/openssl" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let directory: URL
    let certificatePath: String
    let port: Int
    private let process: Process

    private init(directory: URL, certificatePath: String, port: Int, process: Process) {
        self.directory = directory
        self.certificatePath = certificatePath
        self.port = port
        self.process = process
    }

    /// Generates the certificate and starts the server, retrying with another port if the
    /// one picked was taken in the meantime.
    static func start() throws -> OpenSSLServer {
        guard let openssl = executable else { throw Failure(description: "openssl not found") }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("hubclient-tls-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let generate = try run(openssl, [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-days", "1",
        ])
        generate.waitUntilExit()
        guard generate.terminationStatus == 0 else {
            throw Failure(description: "openssl req failed with status \(generate.terminationStatus)")
        }

        for _ in 0..<5 {
            let port = try Sockets.unusedPort()
            let server = try run(openssl, [
                "s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-www", "-quiet",
            ])
            // Wait up to 10 s for the listener; if s_server died (port taken), try another port.
            for _ in 0..<200 where server.isRunning {
                if Sockets.isListening(port: port) {
                    return OpenSSLServer(directory: directory, certificatePath: cert, port: port, process: server)
                }
                usleep(50_000)
            }
            forceKill(server)
        }
        throw Failure(description: "openssl s_server did not start listening")
    }

    private static func run(_ executable: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Kills the server and removes the certificate directory.
    func stop() {
        Self.forceKill(process)
        try? FileManager.default.removeItem(at: directory)
    }

    /// SIGKILL, not `terminate()`: the child inherits the signal mask of the Dispatch thread
    /// that spawned it, where SIGTERM is blocked, so s_server would ignore a SIGTERM.
    /// Polls instead of `waitUntilExit()`, which spins a run loop at 100 % CPU on Linux.
    private static func forceKill(_ process: Process) {
        guard process.isRunning else { return }
        _ = kill(process.processIdentifier, SIGKILL)
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
    }

    deinit { stop() }
}
