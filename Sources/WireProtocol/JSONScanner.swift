import ReformData

/// A forward-only reader of JSON text, for the messages that carry change sets.
///
/// `JSONDecoder` builds a tree of the whole body and then walks it through `Codable`'s generic
/// containers: for a page of 10,000 changes that cost more than merging them. This reader walks
/// the bytes once and lets the caller build its value as it goes. It accepts exactly RFC 8259
/// JSON (UTF-8, no trailing commas, no comments) and reads numbers the way `JSONDecoder` does
/// for this protocol's fields: a whole number (also written `5.0` or `1e3`) is an integer.
///
/// Errors are ``WireError``s naming the place (`rows[3].l`) and what was expected there.
struct JSONScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var index: Int = 0
    /// Nesting depth of arrays and objects, bounded so hostile input cannot exhaust the stack.
    private var depth = 0
    static let maxDepth = 64
    /// The member names read so far in each open object, outermost first (reused from object to
    /// object). A name may appear once per object: JSON parsers disagree on which of two
    /// occurrences counts (JSONDecoder keeps the first, a dictionary the last), so a body that
    /// repeats one could mean different changes to different readers (found by fuzzing).
    private var memberNames: [Set<String>] = []
    private var openObjects = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Runs `body` with a scanner over `bytes`, then checks that only whitespace follows.
    static func scan<T>(_ bytes: [UInt8], _ body: (inout JSONScanner) throws(WireError) -> T) throws(WireError) -> T {
        let result: Result<T, WireError> = bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            do throws(WireError) {
                let value = try body(&scanner)
                try scanner.finish()
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    // MARK: Structure

    /// Consumes `{`.
    mutating func beginObject(_ path: @autoclosure () -> String) throws(WireError) {
        try open(UInt8(ascii: "{"), "an object", path())
        if openObjects == memberNames.count { memberNames.append([]) } else { memberNames[openObjects].removeAll(keepingCapacity: true) }
        openObjects += 1
    }

    /// The next key of the object being read, or nil after its closing `}`.
    ///
    /// `first` must be true for the first call after ``beginObject(_:)``.
    mutating func nextKey(first: inout Bool, _ path: @autoclosure () -> String) throws(WireError) -> String? {
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            openObjects -= 1
            return nil
        }
        if !first {
            guard peek() == UInt8(ascii: ",") else { throw unexpected("`,` or `}`", path()) }
            index += 1
            skipSpace()
            // A trailing comma is tolerated, as `JSONDecoder` tolerates it.
            if peek() == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                openObjects -= 1
                return nil
            }
        }
        first = false
        guard peek() == UInt8(ascii: "\"") else { throw unexpected("a quoted member name", path()) }
        let key = try readString(path())
        guard memberNames[openObjects - 1].insert(key).inserted else {
            throw WireError("\(prefix(path()))member \"\(key)\" appears twice in one object (each name may appear once)")
        }
        skipSpace()
        guard peek() == UInt8(ascii: ":") else { throw unexpected("`:` after \"\(key)\"", path()) }
        index += 1
        return key
    }

    /// Consumes `[`.
    mutating func beginArray(_ path: @autoclosure () -> String) throws(WireError) {
        try open(UInt8(ascii: "["), "an array", path())
    }

    /// Whether another element follows in the array being read (false after its closing `]`).
    mutating func nextElement(first: inout Bool, _ path: @autoclosure () -> String) throws(WireError) -> Bool {
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return false
        }
        if !first {
            guard peek() == UInt8(ascii: ",") else { throw unexpected("`,` or `]`", path()) }
            index += 1
            skipSpace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return false
            }
        }
        first = false
        return true
    }

    private mutating func open(_ byte: UInt8, _ what: String, _ path: @autoclosure () -> String) throws(WireError) {
        skipSpace()
        guard peek() == byte else { throw shape(what, path()) }
        guard depth < Self.maxDepth else { throw WireError("\(prefix(path()))nested deeper than \(Self.maxDepth) levels") }
        depth += 1
        index += 1
    }

    // MARK: Values

    /// Consumes `null` if it comes next.
    mutating func readNull() -> Bool {
        skipSpace()
        guard literal("null") else { return false }
        return true
    }

    mutating func readString(_ path: @autoclosure () -> String) throws(WireError) -> String {
        skipSpace()
        guard peek() == UInt8(ascii: "\"") else { throw shape("text", path()) }
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = try utf8(start, index, path())
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw WireError("\(prefix(path()))control character U+\(hex(byte, 4)) inside text (write it as \\u\(hex(byte, 4)))") }
            index += 1
        }
        var text = try utf8(start, index, path())
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): text.append("\"")
                case UInt8(ascii: "\\"): text.append("\\")
                case UInt8(ascii: "/"): text.append("/")
                case UInt8(ascii: "b"): text.append("\u{8}")
                case UInt8(ascii: "f"): text.append("\u{c}")
                case UInt8(ascii: "n"): text.append("\n")
                case UInt8(ascii: "r"): text.append("\r")
                case UInt8(ascii: "t"): text.append("\t")
                case UInt8(ascii: "u"):
                    var scalar = try hex4(path())
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by an escaped low one.
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw WireError("\(prefix(path()))unpaired surrogate \\u\(hex(scalar, 4)) in text")
                        }
                        index += 2
                        let low = try hex4(path())
                        guard (0xDC00...0xDFFF).contains(low) else { throw WireError("\(prefix(path()))unpaired surrogate \\u\(hex(scalar, 4)) in text") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw WireError("\(prefix(path()))unpaired surrogate \\u\(hex(scalar, 4)) in text") }
                    text.unicodeScalars.append(unicode)
                default:
                    throw WireError("\(prefix(path()))unknown escape \\\(Character(Unicode.Scalar(escape))) in text")
                }
            default:
                if byte < 0x20 { throw WireError("\(prefix(path()))control character U+\(hex(byte, 4)) inside text (write it as \\u\(hex(byte, 4)))") }
                let start = index
                while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"), bytes[index] >= 0x20 { index += 1 }
                text += try utf8(start, index, path())
            }
        }
        throw WireError("\(prefix(path()))text is not closed (the body ends inside it)")
    }

    /// A JSON number: integers stay exact; a whole number written with a fraction or an exponent
    /// (`5.0`, `1e3`) is an integer too, as `JSONDecoder` reads it into an integer field.
    enum Number: Equatable {
        case integer(Int64)
        case double(Double)
    }

    mutating func readNumber(_ path: @autoclosure () -> String) throws(WireError) -> Number {
        skipSpace()
        let start = index
        var isInteger = true
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), isDigit(first) else {
            index = start
            throw shape("a number", path())
        }
        if first == UInt8(ascii: "0") {
            index += 1
        } else {
            while let byte = peek(), isDigit(byte) { index += 1 }
        }
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard let byte = peek(), isDigit(byte) else { throw WireError("\(prefix(path()))a number needs digits after its decimal point") }
            while let byte = peek(), isDigit(byte) { index += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let byte = peek(), isDigit(byte) else { throw WireError("\(prefix(path()))a number needs digits in its exponent") }
            while let byte = peek(), isDigit(byte) { index += 1 }
        }
        if isInteger, let value = integer(start, index) { return .integer(value) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else { throw WireError("\(prefix(path()))number \(text) is out of range") }
        if abs(double) < 0x1p53, let whole = Int64(exactly: double) { return .integer(whole) }
        return .double(double)
    }

    /// A whole number from 0 to `UInt64.max` (HLCs and their offsets).
    mutating func readUInt64(_ path: @autoclosure () -> String) throws(WireError) -> UInt64 {
        skipSpace()
        let start = index
        var value: UInt64 = 0
        var overflow = false
        while let byte = peek(), isDigit(byte) {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            overflow = overflow || o1 || o2
            value = sum
            index += 1
        }
        let next = peek()
        if index > start, !overflow, next != UInt8(ascii: "."), next != UInt8(ascii: "e"), next != UInt8(ascii: "E"),
           !(index - start > 1 && bytes[start] == UInt8(ascii: "0")) {
            return value
        }
        index = start
        switch try readNumber(path()) {
        case .integer(let i) where i >= 0: return UInt64(i)
        case .double(let d) where d >= 0 && d < 0x1p53:
            // Beyond 2^53 a Double cannot tell whether `12345678901234567.5` is whole: refused.
            if let exact = UInt64(exactly: d) { return exact }
        default: break
        }
        throw shape("a whole number from 0 to \(UInt64.max)", path())
    }

    /// A whole number within `range`.
    mutating func readInt(in range: ClosedRange<Int64>, _ path: @autoclosure () -> String) throws(WireError) -> Int64 {
        let start = index
        if case .integer(let value) = try readNumber(path()), range.contains(value) { return value }
        index = start
        throw shape("a whole number from \(range.lowerBound) to \(range.upperBound)", path())
    }

    mutating func readBool(_ path: @autoclosure () -> String) throws(WireError) -> Bool {
        skipSpace()
        if literal("true") { return true }
        if literal("false") { return false }
        throw shape("true or false", path())
    }

    /// Any JSON value (field values, and members this reader does not know, which it skips).
    mutating func readValue(_ path: @autoclosure () -> String) throws(WireError) -> JSONValue {
        skipSpace()
        switch peek() {
        case UInt8(ascii: "\"")?: return .string(try readString(path()))
        case UInt8(ascii: "{")?:
            try beginObject(path())
            var object: [String: JSONValue] = [:]
            var first = true
            while let key = try nextKey(first: &first, path()) { object[key] = try readValue("\(path()).\(key)") }
            return .object(object)
        case UInt8(ascii: "[")?:
            try beginArray(path())
            var array: [JSONValue] = []
            var first = true
            while try nextElement(first: &first, path()) { array.append(try readValue("\(path())[\(array.count)]")) }
            return .array(array)
        case UInt8(ascii: "t")?, UInt8(ascii: "f")?: return .bool(try readBool(path()))
        case UInt8(ascii: "n")?:
            guard readNull() else { throw unexpected("a value", path()) }
            return .null
        default:
            switch try readNumber(path()) {
            case .integer(let i): return .integer(i)
            case .double(let d): return .double(d)
            }
        }
    }

    /// Only whitespace may follow the top-level value.
    mutating func finish() throws(WireError) {
        skipSpace()
        guard index == bytes.count else { throw unexpected("the end of the body", "") }
    }

    // MARK: Errors

    /// The value at `path` has another type than expected. The wording matches ``WireJSON/describe(_:)``.
    func shape(_ expected: String, _ path: String) -> WireError {
        WireError("\(prefix(path))not valid JSON or not the expected shape (expected \(expected), found \(found))")
    }

    func unexpected(_ expected: String, _ path: String) -> WireError {
        WireError("\(prefix(path))not valid JSON (expected \(expected) at byte \(index), found \(found))")
    }

    /// `"path: "`, or nothing at the top level.
    private func prefix(_ path: String) -> String { path.isEmpty ? "" : path + ": " }

    private var found: String {
        guard index < bytes.count else { return "the end of the body" }
        let byte = bytes[index]
        if byte >= 0x21 && byte < 0x7F { return "`\(Character(Unicode.Scalar(byte)))`" }
        return "byte 0x\(hex(byte, 2))"
    }

    // MARK: Bytes

    @inline(__always)
    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    @inline(__always)
    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    private func utf8(_ start: Int, _ end: Int, _ path: @autoclosure () -> String) throws(WireError) -> String {
        guard let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) else {
            throw WireError("\(prefix(path()))text is not valid UTF-8")
        }
        return text
    }

    /// A run of digits (with an optional minus) as an Int64, or nil when it does not fit.
    private func integer(_ start: Int, _ end: Int) -> Int64? {
        var position = start
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        var magnitude: UInt64 = 0
        while position < end {
            let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(bytes[position] - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            magnitude = sum
            position += 1
        }
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    private mutating func hex4(_ path: @autoclosure () -> String) throws(WireError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw WireError("\(prefix(path()))\\u needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw WireError("\(prefix(path()))\\u needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private func hex<T: BinaryInteger>(_ value: T, _ width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
