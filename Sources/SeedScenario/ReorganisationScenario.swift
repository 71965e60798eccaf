import ReformData

/// The shape of the 2025 reorganisation in Tuyên Quang (Protocol/README.md §19.4, README
/// "Reorganisation"): on 1 July 2025 the district level was abolished and Hà Giang merged into
/// Tuyên Quang. Two assessed years: 2024 with the old units (Tuyên Quang's and Hà Giang's
/// departments and districts, ranked together as the merged province looks back on them) and
/// 2025 with the new ones (merged departments and a handful of communes).
///
/// What is real: the date, the abolition of districts, Hà Giang merging into Tuyên Quang, and
/// the kinds of department mergers of 2025 (Kế hoạch và Đầu tư into Tài chính; Tài nguyên và
/// Môi trường with Nông nghiệp into Nông nghiệp và Môi trường; Lao động - Thương binh và Xã hội
/// into Nội vụ; Ban Dân tộc renamed Sở Dân tộc và Tôn giáo). EVERYTHING ELSE IS ILLUSTRATIVE:
/// unit codes (HG-…, XA-…, P-…), commune names, which commune came from which district, decision
/// numbers and every score. Names carry "(minh họa)" where they are invented.
public enum ReorganisationScenario {
    public static let methodology = "TQ-CCHC-2024"
    public static let reformDay = "2025-07-01"
    public static let lastDistrictDay = "2025-06-30"
    /// ILLUSTRATIVE decision references (numbers not verified).
    public static let provinceDecision = "Nghị quyết của Quốc hội về sắp xếp đơn vị hành chính cấp tỉnh năm 2025 (số hiệu minh họa)"
    public static let communeDecision = "Nghị quyết của UBTVQH về sắp xếp đơn vị hành chính cấp xã tỉnh Tuyên Quang năm 2025 (số hiệu minh họa)"
    public static let departmentDecision = "Quyết định của UBND tỉnh về tổ chức lại các sở năm 2025 (số hiệu minh họa)"

    public struct Unit: Sendable {
        public var code: String
        public var name: String
        public var group: String
        public var validFrom: String?
        public var validTo: String?
    }

    public static let units: [Unit] = [
        Unit(code: "TUYENQUANG", name: "Tỉnh Tuyên Quang", group: "province", validFrom: nil, validTo: nil),
        Unit(code: "HAGIANG", name: "Tỉnh Hà Giang", group: "province", validFrom: nil, validTo: lastDistrictDay),
        // Departments that carry on, that end, that are new.
        Unit(code: "SNV", name: "Sở Nội vụ", group: "department", validFrom: nil, validTo: nil),
        Unit(code: "STC", name: "Sở Tài chính", group: "department", validFrom: nil, validTo: nil),
        Unit(code: "STP", name: "Sở Tư pháp", group: "department", validFrom: nil, validTo: nil),
        Unit(code: "SKHDT", name: "Sở Kế hoạch và Đầu tư", group: "department", validFrom: nil, validTo: "2025-02-28"),
        Unit(code: "STNMT", name: "Sở Tài nguyên và Môi trường", group: "department", validFrom: nil, validTo: "2025-02-28"),
        Unit(code: "SNNPTNT", name: "Sở Nông nghiệp và Phát triển nông thôn", group: "department", validFrom: nil, validTo: "2025-02-28"),
        Unit(code: "SLDTBXH", name: "Sở Lao động - Thương binh và Xã hội", group: "department", validFrom: nil, validTo: "2025-02-28"),
        Unit(code: "BDT", name: "Ban Dân tộc tỉnh", group: "department", validFrom: nil, validTo: "2025-02-28"),
        Unit(code: "SNNMT", name: "Sở Nông nghiệp và Môi trường", group: "department", validFrom: "2025-03-01", validTo: nil),
        Unit(code: "SDTTG", name: "Sở Dân tộc và Tôn giáo", group: "department", validFrom: "2025-03-01", validTo: nil),
        // Hà Giang's departments, merged into Tuyên Quang's on the day of the merger.
        Unit(code: "HG-SNV", name: "Sở Nội vụ tỉnh Hà Giang", group: "department", validFrom: nil, validTo: lastDistrictDay),
        Unit(code: "HG-STC", name: "Sở Tài chính tỉnh Hà Giang", group: "department", validFrom: nil, validTo: lastDistrictDay),
        Unit(code: "HG-STP", name: "Sở Tư pháp tỉnh Hà Giang", group: "department", validFrom: nil, validTo: lastDistrictDay),
        Unit(code: "HG-BDT", name: "Ban Dân tộc tỉnh Hà Giang", group: "department", validFrom: nil, validTo: lastDistrictDay),
        // Districts, valid until 30 June 2025.
        Unit(code: "TPTUYENQUANG", name: "UBND thành phố Tuyên Quang", group: "district", validFrom: nil, validTo: lastDistrictDay),
        Unit(code: "SONDUONG", name: "UBND huyện Sơn Dương", group: "district", validFrom: nil, validTo: lastDistrictDay),
        Unit(code: "YENSON", name: "UBND huyện Yên Sơn", group: "district", validFrom: nil, validTo: lastDistrictDay),
        Unit(code: "LAMBINH", name: "UBND huyện Lâm Bình", group: "district", validFrom: nil, validTo: lastDistrictDay),
        Unit(code: "HG-VIXUYEN", name: "UBND huyện Vị Xuyên (Hà Giang)", group: "district", validFrom: nil, validTo: lastDistrictDay),
        // A handful of communes from 1 July 2025 (illustrative codes and names).
        Unit(code: "P-MINHXUAN", name: "UBND phường Minh Xuân (minh họa)", group: "commune", validFrom: reformDay, validTo: nil),
        Unit(code: "XA-SONDUONG", name: "UBND xã Sơn Dương (minh họa)", group: "commune", validFrom: reformDay, validTo: nil),
        Unit(code: "XA-YENSON", name: "UBND xã Yên Sơn (minh họa)", group: "commune", validFrom: reformDay, validTo: nil),
        Unit(code: "XA-LAMBINH", name: "UBND xã Lâm Bình (minh họa)", group: "commune", validFrom: reformDay, validTo: nil),
        Unit(code: "XA-VIXUYEN", name: "UBND xã Vị Xuyên (minh họa)", group: "commune", validFrom: reformDay, validTo: nil),
    ]

    public static let successions: [UnitSuccession] = [
        UnitSuccession(predecessor: "HAGIANG", successor: "TUYENQUANG", kind: .mergedInto, effectiveOn: reformDay, decision: provinceDecision),
        UnitSuccession(predecessor: "HG-SNV", successor: "SNV", kind: .mergedInto, effectiveOn: reformDay, decision: provinceDecision),
        UnitSuccession(predecessor: "SLDTBXH", successor: "SNV", kind: .mergedInto, effectiveOn: "2025-03-01", decision: departmentDecision),
        UnitSuccession(predecessor: "HG-STC", successor: "STC", kind: .mergedInto, effectiveOn: reformDay, decision: provinceDecision),
        UnitSuccession(predecessor: "SKHDT", successor: "STC", kind: .mergedInto, effectiveOn: "2025-03-01", decision: departmentDecision),
        UnitSuccession(predecessor: "HG-STP", successor: "STP", kind: .mergedInto, effectiveOn: reformDay, decision: provinceDecision),
        UnitSuccession(predecessor: "STNMT", successor: "SNNMT", kind: .mergedInto, effectiveOn: "2025-03-01", decision: departmentDecision),
        UnitSuccession(predecessor: "SNNPTNT", successor: "SNNMT", kind: .mergedInto, effectiveOn: "2025-03-01", decision: departmentDecision),
        UnitSuccession(predecessor: "BDT", successor: "SDTTG", kind: .renamed, effectiveOn: "2025-03-01", decision: departmentDecision),
        UnitSuccession(predecessor: "HG-BDT", successor: nil, kind: .abolished, effectiveOn: reformDay, decision: provinceDecision),
        UnitSuccession(predecessor: "TPTUYENQUANG", successor: "P-MINHXUAN", kind: .splitFrom, effectiveOn: reformDay, decision: communeDecision),
        UnitSuccession(predecessor: "SONDUONG", successor: "XA-SONDUONG", kind: .splitFrom, effectiveOn: reformDay, decision: communeDecision),
        UnitSuccession(predecessor: "YENSON", successor: "XA-YENSON", kind: .splitFrom, effectiveOn: reformDay, decision: communeDecision),
        UnitSuccession(predecessor: "LAMBINH", successor: "XA-LAMBINH", kind: .splitFrom, effectiveOn: reformDay, decision: communeDecision),
        UnitSuccession(predecessor: "HG-VIXUYEN", successor: "XA-VIXUYEN", kind: .splitFrom, effectiveOn: reformDay, decision: communeDecision),
    ]

    /// ILLUSTRATIVE index per unit and year, in hundredths of a percent (the maximum is 100 points).
    public static let indices: [Int: [String: Int]] = [
        2024: [
            "STP": 9040, "SNV": 8810, "HG-STP": 8660, "HG-SNV": 8530, "STC": 8420, "SKHDT": 8300, "HG-STC": 8170,
            "SNNPTNT": 8010, "SLDTBXH": 7890, "STNMT": 7750, "BDT": 7620, "HG-BDT": 7400,
            "TPTUYENQUANG": 8310, "SONDUONG": 8140, "HG-VIXUYEN": 7950, "LAMBINH": 7820, "YENSON": 7630,
        ],
        2025: [
            "STP": 9010, "SNV": 8900, "STC": 8350, "SNNMT": 8120, "SDTTG": 7780,
            "P-MINHXUAN": 8400, "XA-SONDUONG": 8060, "XA-VIXUYEN": 7990, "XA-YENSON": 7810, "XA-LAMBINH": 7540,
        ],
    ]

    /// Survey points of every unit (the survey criterion's maximum is 30).
    static let surveyCents = 2500

    /// Every record, in loading order: units, successions, the method and its criteria, then each
    /// unit-year's self-assessment with its appraisal and survey points.
    public static func records() -> [SeedScenario.TableRecords] {
        let unitRecords = units.enumerated().map { index, unit in
            Fixture.record("units", [
                "id": .text(unit.code), "name": .text(unit.name), "group": .text(unit.group),
                "valid_from": .text(unit.validFrom), "valid_to": .text(unit.validTo), "sort": .int(index + 1),
            ])
        }
        let successionRecords = successions.map { s in
            Fixture.record("unit_successions", [
                "id": .text("\(s.predecessor)>\(s.successor ?? "-")"), "predecessor": .text(s.predecessor), "successor": .text(s.successor),
                "kind": .text(s.kind.rawValue), "effective_on": .text(s.effectiveOn), "decision": .text(s.decision),
                "note": "Minh họa (illustrative): mã, tên và số hiệu văn bản không phải danh mục chính thức",
            ])
        }
        let method = Fixture.record("methodologies", [
            "id": .text(methodology), "name": "Bộ chỉ số CCHC từ năm 2024 (minh họa)", "first_year": 2024, "max_points": 100.0,
        ])
        let criteria = [
            Fixture.record("criteria", ["id": "R-1", "methodology": .text(methodology), "level": "criterion", "code": "1",
                                        "name": "Công tác chỉ đạo, điều hành và thể chế (minh họa)", "max_points": 40.0, "applies_to": "all", "sort": 1]),
            Fixture.record("criteria", ["id": "R-2", "methodology": .text(methodology), "level": "criterion", "code": "2",
                                        "name": "Thủ tục hành chính và chính quyền số (minh họa)", "max_points": 30.0, "applies_to": "all", "sort": 2]),
            Fixture.record("criteria", ["id": "R-S", "methodology": .text(methodology), "level": "criterion", "code": "3",
                                        "name": "Điều tra xã hội học (minh họa)", "max_points": 30.0, "applies_to": "all",
                                        "survey": .json(.bool(true)), "sort": 3]),
        ]
        var scores: [ValidatedRecord] = [], surveys: [ValidatedRecord] = []
        for (year, byUnit) in indices.sorted(by: { $0.key < $1.key }) {
            for (unit, index) in byUnit.sorted(by: { $0.key < $1.key }) {
                for (criterion, cents) in appraised(index) {
                    scores.append(Fixture.record("assessment_scores", [
                        "unit": .text(unit), "year": .int(year), "criterion": .text(criterion),
                        "self_score": .cents(cents), "appraised_score": .cents(cents),
                    ]))
                }
                surveys.append(Fixture.record("survey_results", [
                    "unit": .text(unit), "year": .int(year), "survey_points": .cents(surveyCents),
                ]))
            }
        }
        return [("units", unitRecords), ("unit_successions", successionRecords), ("methodologies", [method]), ("criteria", criteria),
                ("assessment_scores", scores), ("survey_results", surveys)]
    }

    /// The appraised points of R-1 (of 40) and R-2 (of 30) giving `index` with the survey's 25.
    static func appraised(_ index: Int) -> [(String, Int)] {
        let points = index - surveyCents
        let first = min(4000, points * 4 / 7)
        return [("R-1", first), ("R-2", points - first)]
    }
}
