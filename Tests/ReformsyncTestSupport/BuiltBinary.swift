import Foundation

/// Where the process-level test targets (CLI, integration, daemon) find the `reformsync` they run.
public enum BuiltBinary {
    /// The built `reformsync` executable: $REFORMSYNC_BIN, or the `reformsync` file in the build
    /// folder holding the test bundle (SwiftPM puts both in e.g. .build/x86_64-unknown-linux-gnu/debug/).
    public static let reformsync: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["REFORMSYNC_BIN"], !path.isEmpty { return path }
        var starts: [String] = CommandLine.arguments.prefix(1).map { $0 }
        starts += [Bundle.main.executablePath, Bundle.main.bundlePath].compactMap { $0 }
        starts += Bundle.allBundles.map(\.bundlePath) + Bundle.allFrameworks.map(\.bundlePath)
        starts.append(FileManager.default.currentDirectoryPath + "/.build/debug/x")
        for start in starts {
            var url = URL(fileURLWithPath: start).standardizedFileURL
            for _ in 0..<6 {
                url.deleteLastPathComponent()
                let candidate = url.appendingPathComponent("reformsync").path
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                   FileManager.default.isExecutableFile(atPath: candidate) {
                    return candidate
                }
            }
        }
        return nil
    }()
}
