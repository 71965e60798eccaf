import Foundation
import Testing

/// Runs `reformsync arguments…` to completion, its output files in `directory`. A run still
/// going after `timeout` seconds is SIGKILLed and recorded as an issue, as is a binary that
/// cannot start.
@discardableResult
public func reformsync(_ arguments: [String], stdin: Data? = nil, in directory: String, timeout: Double = 120,
                       wrapper: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) -> CommandResult {
    do {
        let child = try ChildProcess(arguments, stdin: stdin, wrapper: wrapper, outputDirectory: directory)
        if !child.waitForExit(timeout: timeout) {
            child.killNow()
            Issue.record("`reformsync \(arguments.joined(separator: " "))` still running after \(timeout) s; killed", sourceLocation: sourceLocation)
        }
        return child.result
    } catch {
        Issue.record("cannot run reformsync: \(error)", sourceLocation: sourceLocation)
        return CommandResult(code: -1, stdout: "", stderr: "\(error)")
    }
}
