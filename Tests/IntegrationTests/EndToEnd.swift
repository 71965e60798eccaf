import CRDT
import Foundation
import Replica
import Testing

/// Every end-to-end test starts its own hub and nodes as real processes, in its own temporary
/// folder. They run one at a time: the machines are small, and the kill tests aim their signals
/// by watching progress, which parallel load would make erratic.
@Suite("end-to-end sync (real hub and node processes)", .serialized)
struct EndToEnd {}

/// Reference data the hub (Sở Nội vụ) enters: units, the PAR INDEX method and criteria, the
/// Decision-06 services, a directive and one task per district.
enum Reference {
    static let districts = ["SONDUONG", "YENSON", "NAHANG"]

    static let names = ["SONDUONG": "UBND huyện Sơn Dương", "YENSON": "UBND huyện Yên Sơn", "NAHANG": "UBND huyện Na Hang",
                        "SNV": "Sở Nội vụ tỉnh Tuyên Quang"]

    static func units(_ codes: [String] = ["SNV"] + districts) -> [[String: Any]] {
        codes.enumerated().map { index, code in
            ["id": code, "name": names[code] ?? "Đơn vị \(code)", "group": code == "SNV" ? "department" : "district",
             "valid_from": "2020-01-01", "sort": index + 1]
        }
    }

    static var methodology: [[String: Any]] { [
        ["id": "M876", "name": "Chỉ số cải cách hành chính (876/QĐ-BNV)", "decision": "876/QĐ-BNV",
         "first_year": 2022, "last_year": 2030, "max_points": 100],
    ] }

    static var criteria: [[String: Any]] { [
        ["id": "F1", "methodology": "M876", "level": "field", "code": "1", "name": "Công tác chỉ đạo, điều hành", "max_points": 10, "sort": 1],
        ["id": "C1.1", "methodology": "M876", "parent": "F1", "level": "criterion", "code": "1.1", "name": "Kế hoạch CCHC năm", "max_points": 2, "sort": 2],
        ["id": "C1.2", "methodology": "M876", "parent": "F1", "level": "criterion", "code": "1.2", "name": "Báo cáo CCHC", "max_points": 1.5, "sort": 3],
        ["id": "C6.1", "methodology": "M876", "level": "criterion", "code": "6.1", "name": "Mức độ hài lòng", "max_points": 5, "survey": true, "sort": 4],
    ] }

    static var services: [[String: Any]] { [
        ["id": "DVC01", "number": 1, "name": "Thông báo lưu trú", "field": "Công an"],
        ["id": "DVC02", "number": 2, "name": "Đăng ký khai sinh", "field": "Tư pháp"],
        ["id": "DVC03", "number": 3, "name": "Cấp phiếu lý lịch tư pháp", "field": "Tư pháp"],
    ] }

    static var directive: [[String: Any]] { [
        ["id": "KL-15", "title": "Kết luận 15-KL/TU về đẩy mạnh CCHC", "issued_by": "Tỉnh uỷ", "issued_on": "2023-03-01"],
    ] }

    static func taskID(_ unit: String) -> String { "T-\(unit)" }

    static func tasks(_ units: [String] = districts) -> [[String: Any]] {
        units.map { unit in
            ["id": taskID(unit), "directive": "KL-15", "title": "Số hoá hồ sơ TTHC tại \(names[unit] ?? unit)",
             "responsible_unit": unit, "deadline": "2023-12-31", "target": "100% hồ sơ được số hoá", "target_value": 100]
        }
    }

    /// Enters all of the above at the hub (local, trusted writes).
    static func seed(_ hub: HubProcess, districts units: [String] = districts) {
        hub.put("units", Self.units(["SNV"] + units))
        hub.put("methodologies", methodology)
        hub.put("criteria", criteria)
        hub.put("services", services)
        hub.put("directives", directive)
        hub.put("tasks", tasks(units))
    }

    /// A district's own yearly data: self-assessment, two scores, an initiative, a service deployment.
    static func ownData(_ node: NodeHandle, year: Int = 2023) {
        let unit = node.unit
        node.put("assessments", [["unit": unit, "year": year, "methodology": "M876", "status": "draft", "note": "Tự đánh giá \(unit)"]])
        node.put("assessment_scores", [
            ["unit": unit, "year": year, "criterion": "C1.1", "self_score": 2, "evidence": "KH số 12/KH-UBND", "self_note": "Đủ"],
            ["unit": unit, "year": year, "criterion": "C1.2", "self_score": 1.25, "evidence": "BC số 34/BC-UBND"],
        ])
        node.put("initiatives", [["id": "SK-\(unit)-\(year)", "unit": unit, "year": year, "title": "Sáng kiến của \(unit)", "status": "proposed"]])
        node.put("service_deployments", [["unit": unit, "period": "\(year)", "service": "DVC02", "level": "full",
                                          "dossiers_received": 1200, "dossiers_online": 950]])
    }
}

extension Replica {
    /// Keys of the live records of `table` whose `field` equals `value`.
    func keys(_ table: String, where field: String, is value: String) throws -> [String] {
        try list(table, where: [field: .text(value)]).map(\.key)
    }

    func liveCount(_ table: String) throws -> Int {
        try tableCounts().first { $0.table == table }?.live ?? -1
    }

    func deletedCount(_ table: String) throws -> Int {
        try tableCounts().first { $0.table == table }?.deleted ?? -1
    }
}

/// Asserts a node holds exactly what the hub lets its unit read (and nothing more), stamps included.
func expectNodeMatchesHub(_ node: NodeHandle, _ hub: HubProcess, sourceLocation: SourceLocation = #_sourceLocation) throws {
    expectSameDump(try dumpLines(node.replicaPath), try hubView(hub, for: node.unit),
                   "\(node.unit)'s replica against the hub's rows readable by \(node.unit)", sourceLocation: sourceLocation)
}
