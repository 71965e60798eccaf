#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A failure a test helper reports as a thrown error.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension BuiltBinary {
    /// The binary, or a failure that says how to build it.
    public static func require() throws -> String {
        guard let reformsync else {
            throw TestFailure("reformsync executable not found next to the test bundle; run `swift build --build-tests` or set REFORMSYNC_BIN")
        }
        return reformsync
    }

    /// The children's environment: ours without REFORMSYNC_* overrides or systemd's variables, so
    /// neither a developer's settings nor a CI service manager leak in.
    public static let childEnvironment: [String: String] = {
        var environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("REFORMSYNC_") && !["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "STATE_DIRECTORY"].contains($0.key)
        }
        environment["LC_ALL"] = "C.UTF-8"
        return environment
    }()
}

public func monotonicSeconds() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1e9
}

public func sleepSeconds(_ seconds: Double) {
    usleep(useconds_t(max(0, seconds) * 1_000_000))
}

/// Polls `condition` until it holds; false when `timeout` seconds passed first.
@discardableResult
public func eventually(timeout: Double, every interval: Double = 0.1, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = monotonicSeconds() + timeout
    while true {
        if try condition() { return true }
        if monotonicSeconds() > deadline { return false }
        sleepSeconds(interval)
    }
}

/// How a child process ended, with its output.
public struct CommandResult: CustomStringConvertible, Sendable {
    public var code: Int32
    public var stdout: String
    public var stderr: String
    /// Killed by a signal (its number), rather than exited.
    public var signal: Int32?

    public init(code: Int32, stdout: String, stderr: String, signal: Int32? = nil) {
        self.code = code
        self.stdout = stdout
        self.stderr = stderr
        self.signal = signal
    }

    public var description: String {
        "exit \(code)\(signal.map { " (signal \($0))" } ?? "")\n--- stdout\n\(stdout.suffix(3000))\n--- stderr\n\(stderr.suffix(3000))"
    }
}

/// The real `reformsync` as a child process whose output goes to files (a chatty child never
/// blocks on a full pipe); SIGKILLed when released, so a failing test leaves nothing running.
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    public let stdoutPath: String
    public let stderrPath: String
    public let arguments: [String]
    private let handles: [FileHandle]

    /// - Parameter wrapper: a program and its arguments that run the binary (e.g. `faketime -f +365d`).
    public init(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:], wrapper: [String] = [],
                outputDirectory: String) throws {
        let binary = try BuiltBinary.require()
        self.arguments = arguments
        let id = UUID().uuidString.prefix(8)
        let name = arguments.first ?? "run"
        stdoutPath = outputDirectory + "/\(name)-\(id).out"
        stderrPath = outputDirectory + "/\(name)-\(id).err"
        let inPath = outputDirectory + "/\(name)-\(id).in"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        _ = FileManager.default.createFile(atPath: inPath, contents: stdin ?? Data())
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        handles = [out, err, input]
        if let program = wrapper.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = wrapper.dropFirst() + [binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        process.environment = BuiltBinary.childEnvironment.merging(environment) { $1 }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
    }

    deinit {
        killNow()
        for handle in handles { try? handle.close() }
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits until the process ends; false on timeout.
    @discardableResult
    public func waitForExit(timeout: Double) -> Bool {
        let deadline = monotonicSeconds() + timeout
        while process.isRunning {
            if monotonicSeconds() > deadline { return false }
            usleep(2_000)
        }
        return true
    }

    /// Sends `number` to the process and to every process it started: a wrapper such as
    /// `faketime` forks the real binary and waits for it, so a signal to the wrapper alone would
    /// leave the binary running (a hub still listening after its test).
    public func signal(_ number: Int32) {
        guard process.isRunning else { return }
        for child in Self.descendants(of: process.processIdentifier) { kill(child, number) }
        kill(process.processIdentifier, number)
    }

    /// SIGKILL (the process and what it started) and reap.
    public func killNow() {
        guard process.isRunning else { return }
        signal(SIGKILL)
        waitForExit(timeout: 10)
    }

    /// The processes below `pid`, children first found from `/proc/PID/stat` (Linux).
    static func descendants(of pid: Int32) -> [Int32] {
        var parents: [Int32: [Int32]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After the command's name in parentheses: state, then the parent's pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { parents[parent, default: []].append(child) }
        }
        var found: [Int32] = [], queue = [pid]
        while let next = queue.popLast() {
            for child in parents[next] ?? [] { found.append(child); queue.append(child) }
        }
        return found
    }

    public var result: CommandResult {
        let signalled = !process.isRunning && process.terminationReason == .uncaughtSignal
        return CommandResult(code: process.isRunning ? -1 : (signalled ? 128 + process.terminationStatus : process.terminationStatus),
                             stdout: stdout, stderr: stderr, signal: signalled ? process.terminationStatus : nil)
    }

    /// Waits for a line of standard output matching `pattern` (a regular expression); its match.
    public func waitForOutput(_ pattern: String, timeout: Double = 30) throws -> String {
        let deadline = monotonicSeconds() + timeout
        while true {
            let out = stdout
            if let range = out.range(of: pattern, options: .regularExpression) { return String(out[range]) }
            if !isRunning {
                throw TestFailure("`reformsync \(arguments.joined(separator: " "))` exited before printing /\(pattern)/: \(result)")
            }
            if monotonicSeconds() > deadline {
                throw TestFailure("`reformsync \(arguments.joined(separator: " "))` printed no /\(pattern)/ within \(timeout) s: \(result)")
            }
            usleep(5_000)
        }
    }
}
