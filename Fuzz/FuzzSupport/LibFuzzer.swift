// What every fuzz target shares: libFuzzer's driver as the program's entry point, and slicing
// one input into the several inputs a decoder takes.
//
// SwiftPM links an executable with `main` defined as `<Module>_main` (so that tests can import
// executables); with `-sanitize=fuzzer` libFuzzer brings its own `main`, which is therefore never
// reached. Each target defines `<Module>_main` (via `@_cdecl`) and hands over to
// `LLVMFuzzerRunDriver`, libFuzzer's documented entry point for programs with their own `main`.

/// `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size))`.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The callback libFuzzer calls with each input; it returns 0 (nothing else is defined).
public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Runs libFuzzer with the program's arguments (`-runs=`, `-max_total_time=`, corpus directories...).
public func runLibFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ callback: FuzzCallback) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, callback)
}

/// The input as an array (libFuzzer passes a null pointer for the empty input).
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// A fuzz target found a property broken without crashing on its own: stop with a message, so
/// that libFuzzer saves the input as a crash.
public func fuzzFailure(_ message: String, file: StaticString = #file, line: UInt = #line) -> Never {
    fatalError("fuzz property broken: \(message)", file: file, line: line)
}

extension Array where Element == UInt8 {
    /// Splits at the first occurrence of `separator`: (before, after), or (self, nil) without one.
    public func splitOnce(_ separator: [UInt8]) -> (head: [UInt8], tail: [UInt8]?) {
        guard !separator.isEmpty, count >= separator.count else { return (self, nil) }
        var i = 0
        while i + separator.count <= count {
            if self[i] == separator[0] && Array(self[i..<(i + separator.count)]) == separator {
                return (Array(self[..<i]), Array(self[(i + separator.count)...]))
            }
            i += 1
        }
        return (self, nil)
    }
}
