import Foundation
import ReformData
import Replica

/// Whether a unit may be issued a node token: it exists at this hub and has not ceased. A token
/// for a unit the hub does not know (a typo such as `sonduong_typo`) would open the sync
/// protocol to a unit that owns nothing; one for a unit merged away in a reorganisation
/// (`units.valid_to` past) would let a closed office write again. `reformsync hub token create`
/// and the admins' token page both ask here, so neither issues what the other refuses.
public enum TokenEligibility {
    /// Why a token was refused, in English for the command line and Vietnamese for the page.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let message: String
        public let vietnamese: String
        public var description: String { message }
    }

    /// Throws unless `unit` exists in `units` and its `valid_to` (if any) is today or later (Vietnam time).
    public static func check(_ unit: String, in replica: Replica, nowMillis: UInt64 = Replica.systemMillis()) throws {
        guard let record = try replica.get("units", key: unit) else {
            let near = try replica.list("units").map(\.key).first { $0.lowercased() == unit.lowercased() }
            let hint = near.map { " (did you mean \($0)?)" } ?? ""
            throw Refusal(message: "unit '\(unit)' does not exist at this hub\(hint); no token was issued. Load the units first " +
                          "(`reformsync hub load units.csv`, see README \"Setting up a new hub\") or check the code with `reformsync record list units`",
                          vietnamese: "Không có đơn vị \"\(unit)\" ở hub\(near.map { " (có phải \($0)?)" } ?? ""): nạp danh sách đơn vị trước hoặc kiểm tra mã đơn vị.")
        }
        if case .text(let validTo) = record.values["valid_to"] ?? .null, validTo < SeasonDay.date(millis: nowMillis) {
            throw Refusal(message: "unit '\(unit)' ceased on \(validTo) (units.valid_to); no token was issued. Its existing tokens keep " +
                          "working until revoked; if the date is wrong, correct it with `reformsync hub load` or `reformsync record put units`",
                          vietnamese: "Đơn vị \"\(unit)\" đã thôi hoạt động từ \(validTo) (sau sắp xếp đơn vị hành chính): không cấp mã mới. " +
                          "Nếu ngày này sai, sửa danh sách đơn vị trước.")
        }
    }
}
