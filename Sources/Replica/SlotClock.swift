import Foundation

/// The stamp and local version of one slot of a stored row (slot 0: the row marker; slot i: column i-1).
struct SlotClock: Equatable {
    var site: Int64
    var hlc: UInt64
    var version: Int64
}

/// Encodes the clocks of a row's slots into the `_clk` blob.
///
/// Each slot is `varint(siteIndex + 1)` (0: slot unset) followed, when set, by
/// `varint(rowHLC - hlc)` and `varint(rowVersion - version)`. A row written in one go stores
/// three bytes per field, which keeps the replica within twice the size of a plain table.
enum ClockBlob {
    static func encode(_ slots: [SlotClock?], rowHLC: UInt64, rowVersion: Int64) -> Data {
        var bytes: [UInt8] = []
        encode(slots, rowHLC: rowHLC, rowVersion: rowVersion, into: &bytes)
        return Data(bytes)
    }

    /// Encodes into `bytes`, replacing its contents (a buffer reused from row to row).
    static func encode(_ slots: [SlotClock?], rowHLC: UInt64, rowVersion: Int64, into bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        bytes.reserveCapacity(slots.count * 3)
        for slot in slots {
            guard let slot else { bytes.append(0); continue }
            Varint.append(UInt64(slot.site + 1), to: &bytes)
            Varint.append(rowHLC - slot.hlc, to: &bytes)
            Varint.append(UInt64(rowVersion - slot.version), to: &bytes)
        }
    }

    /// Decodes `count` slots; slots missing at the end (a column added later) are unset.
    static func decode<Bytes: RandomAccessCollection<UInt8>>(_ data: Bytes, count: Int, rowHLC: UInt64, rowVersion: Int64) -> [SlotClock?]? {
        var slots = [SlotClock?](repeating: nil, count: count)
        var offset = data.startIndex
        var index = 0
        while offset < data.endIndex {
            guard let site = Varint.read(data, at: &offset) else { return nil }
            if site > 0 {
                guard let dh = Varint.read(data, at: &offset), let dv = Varint.read(data, at: &offset),
                      dh <= rowHLC, dv <= UInt64(rowVersion) else { return nil }
                if index < count {
                    slots[index] = SlotClock(site: Int64(site - 1), hlc: rowHLC - dh, version: rowVersion - Int64(dv))
                }
            }
            index += 1
        }
        return slots
    }

    /// Whether every set slot of a stored row was written by the site with local index `site`
    /// (reads only the site numbers, so a reader can skip a row without decoding it).
    static func onlySite<Bytes: RandomAccessCollection<UInt8>>(_ site: Int64, in data: Bytes) -> Bool {
        var offset = data.startIndex
        var any = false
        while offset < data.endIndex {
            guard let stored = Varint.read(data, at: &offset) else { return false }
            if stored > 0 {
                if Int64(stored - 1) != site { return false }
                any = true
                guard Varint.read(data, at: &offset) != nil, Varint.read(data, at: &offset) != nil else { return false }
            }
        }
        return any
    }
}
