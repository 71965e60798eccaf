import ReformData

extension SeedScenario {
    // MARK: External indices

    /// The province's national indices. 2021 values and ranks are the seed's and DOMAIN.md's
    /// (PAR INDEX 86.57 % 34/63, SIPAS 86.27 % 42/63, PAPI 43.402 20/63, PCI 64.76 29/63). For 2020
    /// only the ranks follow from the seed ("up 1", "up 7"); the 2020 VALUES are ILLUSTRATIVE.
    static func externalIndexRecords() -> [ValidatedRecord] {
        let rows: [(index: String, year: Int, value: Double, scale: String, rank: Int, source: String)] = [
            ("PAR_INDEX", 2021, 86.57, "percent", 34, "Bộ Nội vụ, Chỉ số CCHC năm 2021 (công bố năm 2022)"),
            ("PAR_INDEX", 2020, 85.21, "percent", 35, "Bộ Nội vụ, Chỉ số CCHC năm 2020 (giá trị minh họa)"),
            ("SIPAS", 2021, 86.27, "percent", 42, "Bộ Nội vụ, Chỉ số SIPAS năm 2021 (công bố năm 2022)"),
            ("SIPAS", 2020, 84.76, "percent", 49, "Bộ Nội vụ, Chỉ số SIPAS năm 2020 (giá trị minh họa)"),
            ("PAPI", 2021, 43.402, "points", 20, "UNDP và các đối tác, PAPI 2021"),
            ("PCI", 2021, 64.76, "points", 29, "VCCI, PCI 2021"),
        ]
        return rows.map { row in
            Fixture.record("external_indices", [
                "index": .text(row.index), "year": .int(row.year), "value": .real(row.value), "scale": .text(row.scale),
                "national_rank": .int(row.rank), "ranked_of": 63, "source": .text(row.source),
            ])
        }
    }

    // MARK: Decision 06

    /// The 25 essential online public services of Decision 06/QĐ-TTg (Đề án 06), as the fixture
    /// numbers them. The names follow the published list in substance; check the numbering and
    /// wording against Annex I of the decision before relying on them.
    public static let essentialServices: [(number: Int, name: String, field: String)] = [
        (1, "Cấp Phiếu lý lịch tư pháp", "Tư pháp"),
        (2, "Đăng ký khai sinh", "Hộ tịch"),
        (3, "Đăng ký khai tử", "Hộ tịch"),
        (4, "Đăng ký kết hôn", "Hộ tịch"),
        (5, "Cấp giấy xác nhận tình trạng hôn nhân", "Hộ tịch"),
        (6, "Đăng ký thường trú", "Cư trú"),
        (7, "Đăng ký tạm trú", "Cư trú"),
        (8, "Thông báo lưu trú", "Cư trú"),
        (9, "Khai báo tạm vắng", "Cư trú"),
        (10, "Cấp hộ chiếu phổ thông", "Xuất nhập cảnh"),
        (11, "Cấp đổi, cấp lại giấy phép lái xe", "Giao thông vận tải"),
        (12, "Đăng ký, cấp biển số xe", "Giao thông vận tải"),
        (13, "Nộp phạt vi phạm hành chính lĩnh vực giao thông đường bộ", "Giao thông vận tải"),
        (14, "Gia hạn thẻ bảo hiểm y tế theo hộ gia đình", "Bảo hiểm y tế"),
        (15, "Giải quyết hưởng trợ cấp thất nghiệp", "Việc làm"),
        (16, "Hỗ trợ chi phí mai táng, trợ cấp mai táng", "Bảo trợ xã hội"),
        (17, "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", "Liên thông"),
        (18, "Liên thông đăng ký khai tử, xóa đăng ký thường trú, hưởng chế độ tử tuất, mai táng phí", "Liên thông"),
        (19, "Đăng ký biến động quyền sử dụng đất, tài sản gắn liền với đất", "Đất đai"),
        (20, "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng"),
        (21, "Cấp điện mới từ lưới điện hạ áp", "Điện lực"),
        (22, "Thay đổi chủ thể hợp đồng mua bán điện", "Điện lực"),
        (23, "Thông báo thực hiện khuyến mại", "Công Thương"),
        (24, "Khai, nộp lệ phí trước bạ nhà, đất", "Thuế"),
        (25, "Đăng ký dự thi tốt nghiệp trung học phổ thông và xét tuyển đại học", "Giáo dục"),
    ]

    /// The id of service number `n`, e.g. `D06-07`.
    public static func serviceID(_ number: Int) -> String { "D06-" + (number < 10 ? "0\(number)" : "\(number)") }

    /// The reporting period of the fixture's Decision-06 deployments.
    public static let deploymentPeriod = "2022-Q2"

    static func serviceRecords() -> [ValidatedRecord] {
        essentialServices.map { service in
            Fixture.record("services", [
                "id": .text(serviceID(service.number)), "number": .int(service.number), "name": .text(service.name),
                "field": .text(service.field), "decision": "06/QĐ-TTg",
            ])
        }
    }

    /// Who reports which service (districts: the services of their one-stop shops; departments:
    /// their sector's), and at what level. The province counts a service as running at level 4
    /// when every unit reporting it runs it fully online (level4 or full): 11 of the 25 here,
    /// services 1, 2, 3, 5, 6, 7, 8, 9, 11, 14 and 23, the seed's "11 dịch vụ công ... mức độ 4".
    static let departmentServices: [String: [(service: Int, level: String)]] = [
        "STP": [(1, "full")],
        "SGTVT": [(11, "level4")],
        "SLDTBXH": [(15, "partial")],
        "STNMT": [(19, "level3")],
        "SXD": [(20, "partial")],
        "SCT": [(21, "partial"), (22, "none"), (23, "full")],
        "STC": [(24, "level3")],
        "SGDDT": [(25, "partial")],
    ]

    static let districtServices = [2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 16, 17, 18]
    /// Services every district runs fully online.
    static let districtFullServices: Set<Int> = [2, 3, 5, 6, 7, 8, 9, 14]

    static func deploymentLevels(unit: String) -> [(service: Int, level: String)] {
        if let services = departmentServices[unit] { return services }
        guard districtUnits.contains(where: { $0.code == unit }) else { return [] }
        var random = FixtureRandom("d06-" + unit)
        return districtServices.map { service in
            if districtFullServices.contains(service) {
                // Old and new terms side by side, as the reports of 2022 mixed them.
                return (service, random.below(2) == 0 ? "full" : "level4")
            }
            // TP Tuyên Quang already runs the birth-registration chain fully online: one district
            // alone does not make it a province-wide level-4 service.
            if unit == "TPTUYENQUANG" && service == 17 { return (service, "full") }
            return (service, ["partial", "level3", "partial", "none"][random.below(4)])
        }
    }

    static func deploymentRecords(unit: String) -> [ValidatedRecord] {
        var random = FixtureRandom("dossiers-" + unit)
        return deploymentLevels(unit: unit).map { entry in
            let received = 20 + random.below(600)
            let online: Int = switch entry.level {
            case "full", "level4": received * (60 + random.below(41)) / 100
            case "partial", "level3": received * (10 + random.below(40)) / 100
            default: 0
            }
            return Fixture.record("service_deployments", [
                "unit": .text(unit), "period": .text(deploymentPeriod), "service": .text(serviceID(entry.service)),
                "level": .text(entry.level), "dossiers_received": .int(received), "dossiers_online": .int(online),
            ])
        }
    }

    // MARK: Directives and tasks

    /// The chairman's conclusions at the steering committee's meeting of 18/06/2022 (the seed).
    public static let directive = "KL-2022-06-18"

    /// Task ids of the directive, in the seed's order.
    public enum TaskID {
        /// Raise the administrative-procedure-reform component by at least 20 places in 2022.
        public static let procedures = "KL-2022-06-18-01"
        /// Publish every administrative procedure on the public-service portal now; VP UBND reports.
        public static let publishProcedures = "KL-2022-06-18-02"
        /// Public-finance reform up 10 places or more from 2022; Sở Tài chính leads.
        public static let publicFinance = "KL-2022-06-18-03"
        /// Modernisation of the administration up at least 10 places.
        public static let modernisation = "KL-2022-06-18-04"
        /// Review the 25 Decision-06 services and remove blockers.
        public static let decision06 = "KL-2022-06-18-05"
    }

    /// The day the fixture's task statuses are meant to be read: 15/07/2022. On that day the
    /// publication of procedures is done, the Decision-06 review is overdue (deadline 10/07), the
    /// public-finance task is on track, and two tasks have no report yet.
    public static let asOf = "2022-07-15"

    static func directiveRecords() -> [ValidatedRecord] {
        [Fixture.record("directives", [
            "id": .text(directive),
            "title": "Kết luận của Chủ tịch UBND tỉnh tại cuộc họp Ban Chỉ đạo Cải cách hành chính và nâng cao chỉ số năng lực cạnh tranh tỉnh ngày 18/6/2022",
            "issued_by": "Đồng chí Nguyễn Văn Sơn, Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh",
            "issued_on": "2022-06-18",
        ])]
    }

    /// Deadlines are ILLUSTRATIVE except "ngay" (now) for publishing the procedures, read as the end of June 2022.
    static func taskRecords() -> [ValidatedRecord] {
        let tasks: [(id: String, title: String, unit: String, deadline: String, target: String, value: Double)] = [
            (TaskID.procedures, "Nâng Chỉ số thành phần cải cách thủ tục hành chính năm 2022 tăng ít nhất 20 bậc trong bảng xếp hạng",
             "VPUBND", "2022-12-31", "Tăng ít nhất 20 bậc so với năm 2021", 20),
            (TaskID.publishProcedures, "Thực hiện ngay việc công khai thủ tục hành chính trên Cổng dịch vụ công; báo cáo UBND tỉnh",
             "VPUBND", "2022-06-30", "100% thủ tục hành chính được công khai trên Cổng dịch vụ công", 100),
            (TaskID.publicFinance, "Cải cách tài chính công: phấn đấu tăng 10 bậc trở lên từ năm 2022; chủ trì, theo dõi việc triển khai thực hiện",
             "STC", "2022-12-31", "Tăng ít nhất 10 bậc", 10),
            (TaskID.modernisation, "Hiện đại hóa nền hành chính: tăng tối thiểu 10 bậc; nâng cao hiệu quả dịch vụ công trực tuyến, đẩy mạnh gửi văn bản điện tử nội bộ",
             "STTTT", "2022-12-31", "Tăng ít nhất 10 bậc", 10),
            (TaskID.decision06, "Rà soát việc triển khai 25 dịch vụ công thiết yếu theo Đề án 06, tháo gỡ vướng mắc; hướng dẫn người dân tiếp cận dịch vụ công",
             "STTTT", "2022-07-10", "25/25 dịch vụ được rà soát, có giải pháp tháo gỡ", 25),
        ]
        return tasks.map { task in
            Fixture.record("tasks", [
                "id": .text(task.id), "directive": .text(directive), "title": .text(task.title),
                "responsible_unit": .text(task.unit), "deadline": .text(task.deadline), "target": .text(task.target),
                "target_value": .real(task.value),
            ])
        }
    }

    /// The districts cooperate on the Decision-06 review.
    static func taskAssigneeRecords() -> [ValidatedRecord] {
        districtUnits.map { unit in
            Fixture.record("task_assignees", ["task": .text(TaskID.decision06), "unit": .text(unit.code), "role": "cooperate"])
        }
    }

    static func taskReportRecords(unit: String) -> [ValidatedRecord] {
        let reports: [(task: String, unit: String, on: String, percent: Double, done: Bool, note: String)] = [
            (TaskID.publishProcedures, "VPUBND", "2022-06-28", 100, true,
             "Đã công khai toàn bộ thủ tục hành chính thuộc thẩm quyền giải quyết của tỉnh trên Cổng dịch vụ công"),
            (TaskID.publicFinance, "STC", "2022-07-12", 30, false,
             "Đã ban hành kế hoạch; đang hướng dẫn các đơn vị sự nghiệp xây dựng phương án tự chủ tài chính"),
            (TaskID.decision06, "STTTT", "2022-07-05", 60, false,
             "Đã rà soát 15/25 dịch vụ; vướng mắc về kết nối cơ sở dữ liệu quốc gia về dân cư"),
            (TaskID.decision06, "SONDUONG", "2022-07-01", 80, false,
             "Đã rà soát các dịch vụ tại Bộ phận Một cửa huyện; kiến nghị hỗ trợ thiết bị đọc thẻ căn cước"),
        ]
        return reports.filter { $0.unit == unit }.map { report in
            Fixture.record("task_reports", [
                "id": .text("\(report.task)/\(report.unit)/\(report.on)"), "task": .text(report.task), "unit": .text(report.unit),
                "reported_on": .text(report.on), "progress_percent": .real(report.percent), "done": .json(.bool(report.done)),
                "note": .text(report.note),
            ])
        }
    }

    // MARK: Initiatives

    /// 2021 initiatives: 6 recognised by the Ministry of Home Affairs (the seed), 2 others proposed.
    /// Titles and decisions are ILLUSTRATIVE.
    static let initiativeList: [(id: String, unit: String, title: String, recognized: Bool)] = [
        ("SK-2021-STP-01", "STP", "Cấp Phiếu lý lịch tư pháp trực tuyến, trả kết quả qua dịch vụ bưu chính công ích", true),
        ("SK-2021-SNV-01", "SNV", "Phần mềm chấm điểm, thẩm định Chỉ số cải cách hành chính trực tuyến", true),
        ("SK-2021-VPUBND-01", "VPUBND", "Kết nối Hệ thống thông tin giải quyết thủ tục hành chính của tỉnh với Cổng dịch vụ công quốc gia", true),
        ("SK-2021-STTTT-01", "STTTT", "Nền tảng tích hợp, chia sẻ dữ liệu (LGSP) tỉnh Tuyên Quang", true),
        ("SK-2021-TPTUYENQUANG-01", "TPTUYENQUANG", "Bộ phận Một cửa hiện đại cấp phường, không hẹn lại với thủ tục đơn giản", true),
        ("SK-2021-SONDUONG-01", "SONDUONG", "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại Bộ phận Một cửa cấp huyện", true),
        ("SK-2021-CHIEMHOA-01", "CHIEMHOA", "Tổ công nghệ số cộng đồng hướng dẫn người dân sử dụng dịch vụ công trực tuyến", false),
        ("SK-2021-YENSON-01", "YENSON", "Niêm yết thủ tục hành chính bằng mã QR tại nhà văn hóa thôn", false),
    ]

    static func initiativeRecords(unit: String) -> [ValidatedRecord] {
        initiativeList.filter { $0.unit == unit }.map { initiative in
            Fixture.record("initiatives", [
                "id": .text(initiative.id), "unit": .text(initiative.unit), "year": 2021, "title": .text(initiative.title),
                "status": "proposed",
            ])
        }
    }

    static func recognitionRecords() -> [ValidatedRecord] {
        initiativeList.filter(\.recognized).map { initiative in
            Fixture.record("initiative_recognitions", [
                "id": .text("CN-" + initiative.id), "initiative": .text(initiative.id), "unit": .text(initiative.unit),
                "year": 2021, "recognized_by": "Bộ Nội vụ", "recognized_on": "2021-12-20",
            ])
        }
    }
}
