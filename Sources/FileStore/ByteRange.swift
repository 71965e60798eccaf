import Foundation

/// One `Range: bytes=FIRST-[LAST]` request header (RFC 9110 §14.1.2), the way the hub's file and
/// snapshot downloads resume (Protocol §16.6, §19.3): one range, FIRST within the file, LAST
/// clipped to its end. One reader for both routes, so they cannot disagree about what they accept.
///
///     ByteRange.parse("bytes=65536-", size: 100_000) == .success(ByteRange(first: 65536, last: 99_999))
public struct ByteRange: Sendable, Equatable {
    /// First byte sent, `0 ≤ first ≤ last`.
    public var first: Int64
    /// Last byte sent (inclusive), below the file's size.
    public var last: Int64

    public init(first: Int64, last: Int64) {
        self.first = first
        self.last = last
    }

    /// Why a header was refused (each answered 416 by the routes).
    public enum Problem: Error, Sendable, Equatable {
        /// Not `bytes=` and decimal digits, or more than one range.
        case notUnderstood
        /// `LAST` below `FIRST`.
        case lastBeforeFirst
        /// `FIRST` at or beyond the end of the file.
        case beyondEnd
    }

    /// Reads `header` for a file of `size` bytes.
    public static func parse(_ header: String, size: Int64) -> Result<ByteRange, Problem> {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.hasPrefix("bytes=") else { return .failure(.notUnderstood) }
        let parts = text.utf8.dropFirst(6).split(separator: UInt8(ascii: "-"), maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let first = number(parts[0]) else { return .failure(.notUnderstood) }
        var last = size - 1
        if !parts[1].isEmpty {
            guard let asked = number(parts[1]) else { return .failure(.notUnderstood) }
            guard asked >= first else { return .failure(.lastBeforeFirst) }
            last = min(asked, size - 1)
        }
        guard first < size else { return .failure(.beyondEnd) }
        return .success(ByteRange(first: first, last: last))
    }

    /// 1 to 18 decimal digits (so it fits `Int64`), else nil.
    static func number(_ digits: Substring.UTF8View.SubSequence) -> Int64? {
        guard (1...18).contains(digits.count), digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
    }
}
