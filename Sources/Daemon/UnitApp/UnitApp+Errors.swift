import Foundation
import OfficeWeb
import ReformData
import Replica

/// A write refused, in Vietnamese, with the field it concerns (shown next to that field) and the
/// technical detail for the IT officer.
struct FieldError: Sendable {
    var field: String?
    var message: String
}

extension UnitApp {
    /// The Vietnamese words for what `Replica.put` or a season action refused.
    static func fieldError(_ error: any Error) -> FieldError {
        switch error {
        case let error as RecordError:
            return FieldError(field: error.field, message: "Giá trị không hợp lệ (\(error.field ?? error.table)): \(error.message)")
        case let error as ReplicaError:
            if case let .refused(_, _, column, code, reason) = error {
                switch code {
                case "phase_closed": return FieldError(field: column, message: "Đã hết thời hạn của giai đoạn này nên không lưu được (\(reason)).")
                case "submitted": return FieldError(field: column, message: "Bản tự đánh giá đã nộp nên chỉ xem được; Sở Nội vụ mở lại nếu cần sửa.")
                case "not_owner", "hub_only": return FieldError(field: column, message: "Đơn vị không được sửa dữ liệu này (\(reason)).")
                default: return FieldError(field: column, message: "Không lưu được: \(reason) (\(code)).")
                }
            }
            if case let .missingRequired(_, _, field) = error { return FieldError(field: field, message: "Thiếu thông tin bắt buộc: \(field).") }
            if case .notWritable = error { return FieldError(field: nil, message: "Máy chủ không ghi được dữ liệu (đĩa đầy hoặc không có quyền): báo cán bộ CNTT. \(error)") }
            return FieldError(field: nil, message: "Không lưu được: \(error)")
        case let error as UnitActionError:
            switch error.code {
            case .alreadySubmitted: return FieldError(field: nil, message: "Bản tự đánh giá đã được nộp trước đó; Sở Nội vụ mở lại nếu cần sửa.")
            case .notScored: return FieldError(field: nil, message: "Tiêu chí này chưa có điểm tự đánh giá nên không có gì để giải trình.")
            case .notAppraised: return FieldError(field: nil, message: "Tiêu chí này chưa có kết quả thẩm định (nhận khi đồng bộ) nên chưa cần giải trình.")
            case .emptyText: return FieldError(field: "explanation", message: "Nội dung giải trình đang để trống.")
            }
        default:
            return FieldError(field: nil, message: "Không lưu được: \(error)")
        }
    }

    /// A number typed by a person: "2,5" or "2.5" (``TypedNumber/decimal(_:)``); nil when empty;
    /// a Vietnamese error otherwise.
    static func number(_ text: String?, label: String, range: ClosedRange<Double>) -> (value: Double?, error: String?) {
        guard !(text ?? "").trimmingCharacters(in: .whitespaces).isEmpty else { return (nil, nil) }
        guard let value = TypedNumber.decimal(text ?? "") else { return (nil, "\(label): \"\(text ?? "")\" không phải là số.") }
        guard range.contains(value) else {
            return (nil, "\(label) phải từ \(Self.points(range.lowerBound)) đến \(Self.points(range.upperBound)).")
        }
        return (value, nil)
    }

    /// A whole number typed by a person, dots between thousands allowed (``TypedNumber/whole(_:)``).
    static func integer(_ text: String?, label: String, range: ClosedRange<Int64>) -> (value: Int64?, error: String?) {
        guard !(text ?? "").trimmingCharacters(in: .whitespaces).isEmpty else { return (nil, nil) }
        guard let value = TypedNumber.whole(text ?? "") else { return (nil, "\(label): \"\(text ?? "")\" không phải là số nguyên.") }
        guard range.contains(value) else { return (nil, "\(label) phải từ \(range.lowerBound) đến \(range.upperBound).") }
        return (value, nil)
    }

    /// Points as Vietnamese write them: "2,5", "10" (``TypedNumber/points(_:)``).
    static func points(_ value: Double) -> String { TypedNumber.points(value) }
}
