import ReformData

extension SeedScenario {
    /// One unit of the fixture: code, names, ranking group.
    public struct Unit: Sendable, Equatable {
        public var code: String
        public var name: String
        public var shortName: String
        public var group: String
        /// Last day the unit existed (districts were abolished on 1/7/2025); nil while it exists.
        public var validTo: String?
        public var sort: Int
    }

    /// The 7 district-level units of 2022, in the province's usual order.
    public static let districtUnits: [Unit] = [
        Unit(code: "TPTUYENQUANG", name: "UBND thành phố Tuyên Quang", shortName: "TP Tuyên Quang", group: "district", validTo: districtsAbolished, sort: 201),
        Unit(code: "LAMBINH", name: "UBND huyện Lâm Bình", shortName: "Lâm Bình", group: "district", validTo: districtsAbolished, sort: 202),
        Unit(code: "NAHANG", name: "UBND huyện Na Hang", shortName: "Na Hang", group: "district", validTo: districtsAbolished, sort: 203),
        Unit(code: "CHIEMHOA", name: "UBND huyện Chiêm Hóa", shortName: "Chiêm Hóa", group: "district", validTo: districtsAbolished, sort: 204),
        Unit(code: "HAMYEN", name: "UBND huyện Hàm Yên", shortName: "Hàm Yên", group: "district", validTo: districtsAbolished, sort: 205),
        Unit(code: "YENSON", name: "UBND huyện Yên Sơn", shortName: "Yên Sơn", group: "district", validTo: districtsAbolished, sort: 206),
        Unit(code: "SONDUONG", name: "UBND huyện Sơn Dương", shortName: "Sơn Dương", group: "district", validTo: districtsAbolished, sort: 207),
    ]

    /// The 19 departments and department-level agencies ranked in the province.
    public static let departmentUnits: [Unit] = [
        Unit(code: "STP", name: "Sở Tư pháp", shortName: "STP", group: "department", validTo: nil, sort: 101),
        Unit(code: "SNV", name: "Sở Nội vụ", shortName: "SNV", group: "department", validTo: nil, sort: 102),
        Unit(code: "STC", name: "Sở Tài chính", shortName: "STC", group: "department", validTo: nil, sort: 103),
        Unit(code: "SKHDT", name: "Sở Kế hoạch và Đầu tư", shortName: "SKHĐT", group: "department", validTo: nil, sort: 104),
        Unit(code: "SYT", name: "Sở Y tế", shortName: "SYT", group: "department", validTo: nil, sort: 105),
        Unit(code: "SGDDT", name: "Sở Giáo dục và Đào tạo", shortName: "SGD&ĐT", group: "department", validTo: nil, sort: 106),
        Unit(code: "SGTVT", name: "Sở Giao thông vận tải", shortName: "SGTVT", group: "department", validTo: nil, sort: 107),
        Unit(code: "SXD", name: "Sở Xây dựng", shortName: "SXD", group: "department", validTo: nil, sort: 108),
        Unit(code: "SLDTBXH", name: "Sở Lao động - Thương binh và Xã hội", shortName: "SLĐ-TB&XH", group: "department", validTo: nil, sort: 109),
        Unit(code: "STNMT", name: "Sở Tài nguyên và Môi trường", shortName: "STN&MT", group: "department", validTo: nil, sort: 110),
        Unit(code: "STTTT", name: "Sở Thông tin và Truyền thông", shortName: "STT&TT", group: "department", validTo: nil, sort: 111),
        Unit(code: "SCT", name: "Sở Công Thương", shortName: "SCT", group: "department", validTo: nil, sort: 112),
        Unit(code: "SNNPTNT", name: "Sở Nông nghiệp và Phát triển nông thôn", shortName: "SNN&PTNT", group: "department", validTo: nil, sort: 113),
        Unit(code: "SVHTTDL", name: "Sở Văn hóa, Thể thao và Du lịch", shortName: "SVHTT&DL", group: "department", validTo: nil, sort: 114),
        Unit(code: "SKHCN", name: "Sở Khoa học và Công nghệ", shortName: "SKH&CN", group: "department", validTo: nil, sort: 115),
        Unit(code: "SNGV", name: "Sở Ngoại vụ", shortName: "SNgV", group: "department", validTo: nil, sort: 116),
        Unit(code: "TTRA", name: "Thanh tra tỉnh", shortName: "Thanh tra", group: "department", validTo: nil, sort: 117),
        Unit(code: "VPUBND", name: "Văn phòng UBND tỉnh", shortName: "VP UBND", group: "department", validTo: nil, sort: 118),
        Unit(code: "BDT", name: "Ban Dân tộc tỉnh", shortName: "Ban Dân tộc", group: "department", validTo: nil, sort: 119),
    ]

    /// The province itself, for province-level survey rows (SIPAS of the province).
    public static let provinceUnit = Unit(code: "TUYENQUANG", name: "Tỉnh Tuyên Quang", shortName: "Tuyên Quang",
                                          group: "province", validTo: nil, sort: 1)

    /// The district-level units were abolished when the two-level local government began on
    /// 1/7/2025 (the province merged with Hà Giang the same day, keeping the name Tuyên Quang).
    static let districtsAbolished = "2025-06-30"

    static func unitRecords() -> [ValidatedRecord] {
        ([provinceUnit] + departmentUnits + districtUnits).map { unit in
            Fixture.record("units", [
                "id": .text(unit.code), "name": .text(unit.name), "short_name": .text(unit.shortName),
                "group": .text(unit.group), "valid_to": .text(unit.validTo), "sort": .int(unit.sort),
            ])
        }
    }

    static func unit(_ code: String) -> Unit? {
        (departmentUnits + districtUnits + [provinceUnit]).first { $0.code == code }
    }
}
