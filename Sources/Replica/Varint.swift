/// Unsigned LEB128 varints: the compact integers of the per-row clock blob.
enum Varint {
    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Reads one varint at `offset`, advancing it; nil when the bytes end early or overflow.
    static func read<C: RandomAccessCollection>(_ bytes: C, at offset: inout C.Index) -> UInt64? where C.Element == UInt8 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.endIndex {
            let byte = bytes[offset]
            bytes.formIndex(after: &offset)
            if shift > 63 { return nil }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }
}
