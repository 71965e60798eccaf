import Foundation
import Testing

/// `promtool check metrics` (Debian's `prometheus` package) on an exposition text: the exit code
/// and what it printed. A missing promtool is a recorded failure naming the package, never a
/// silent pass: `scripts/install-deps.sh` installs it (as root, as CI runs).
public func promtoolCheck(_ exposition: String, sourceLocation: SourceLocation = #_sourceLocation) -> (code: Int32, output: String)? {
    let candidates = ["/usr/bin/promtool", "/usr/local/bin/promtool"]
    guard let promtool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        Issue.record("promtool is not installed: install Debian's `prometheus` package (`apt-get install prometheus`, or run scripts/install-deps.sh as root); the metrics lint cannot run without it",
                     sourceLocation: sourceLocation)
        return nil
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: promtool)
    process.arguments = ["check", "metrics"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    do {
        try process.run()
    } catch {
        Issue.record("cannot run \(promtool): \(error)", sourceLocation: sourceLocation)
        return nil
    }
    input.fileHandleForWriting.write(Data(exposition.utf8))
    try? input.fileHandleForWriting.close()
    let printed = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
}
