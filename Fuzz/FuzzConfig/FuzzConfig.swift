// Fuzz target: a configuration file with its environment overrides
// (`ReformsyncConfiguration.load(yaml:path:environment:)`: Yams, then every key's range check).
//
// Input: the YAML text, then optionally a line `---ENV---` followed by `NAME=value` lines, each
// set as `REFORMSYNC_NAME` (so `HUB_URL=...` overrides `hub.url`). The text must be UTF-8, as
// `load(path:)` requires. Besides not crashing: every loaded number is inside its documented range.
import FuzzSupport
import ReformsyncConfig

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let (yamlBytes, envBytes) = bytes.splitOnce(Array("\n---ENV---\n".utf8))
    guard let yaml = String(validating: yamlBytes, as: UTF8.self) else { return 0 }
    var environment: [String: String] = [:]
    for line in String(decoding: envBytes ?? [], as: UTF8.self).split(separator: "\n") {
        let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        environment["REFORMSYNC_" + parts[0]] = parts.count > 1 ? String(parts[1]) : ""
    }
    let config: ReformsyncConfiguration
    do {
        config = try ReformsyncConfiguration.load(yaml: yaml, path: "/etc/reformsync/fuzz.yaml", environment: environment)
    } catch {
        _ = error.description
        return 0
    }
    func within<T: Comparable>(_ value: T?, _ range: ClosedRange<T>, _ key: String) {
        if let value, !range.contains(value) { fuzzFailure("\(key) = \(value) is outside \(range)") }
    }
    within(config.server.port, 0...65535, "server.port")
    within(config.api.port, 0...65535, "api.port")
    within(config.sync.batchChanges, 1...100_000, "sync.batch_changes")
    within(config.hub.timeout, 1...3600, "hub.timeout")
    within(config.sync.intervalSeconds, 1...86_400, "sync.interval")
    _ = config.sync.window?.description
    return 0
}

@_cdecl("FuzzConfig_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
