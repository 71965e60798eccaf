import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A shift of this process's wall clock, for demonstrations and tests: when the environment
/// variable `REFORMSYNC_CLOCK_OFFSET_FILE` names a file, the milliseconds written in it (a whole
/// number, may be negative) are added to the system clock on every reading, so a script can move
/// the hub and the nodes through a season's phases by rewriting one file.
///
/// It is no way round the season's rules: it shifts only this process's clock, exactly as setting
/// the system clock would, and the hub judges a node's stamps against what it saw of that node's
/// clock (Protocol §17.4). An unreadable file or text that is not a whole number leaves the clock
/// unshifted.
public enum ClockOffset {
    public static let variable = "REFORMSYNC_CLOCK_OFFSET_FILE"

    static func apply(_ millis: UInt64) -> UInt64 {
        guard let path = getenv(variable), let offset = read(String(cString: path)) else { return millis }
        let shifted = Int64(clamping: millis).addingReportingOverflow(offset)
        return shifted.overflow ? millis : UInt64(max(0, shifted.partialValue))
    }

    static func read(_ path: String) -> Int64? {
        guard let data = FileManager.default.contents(atPath: path), data.count < 64 else { return nil }
        return Int64(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Writes the offset that makes this process's clock read `millis` now (the file is replaced whole).
    public static func set(file: String, toRead millis: UInt64) throws {
        let real = Int64(max(0, (Date().timeIntervalSince1970 * 1000).rounded(.down)))
        try String(Int64(clamping: millis) - real).write(toFile: file, atomically: true, encoding: .utf8)
    }
}
