import ReformData

extension SeedScenario {
    /// The fixture's PAR INDEX method for 2021.
    public static let methodology = "TQ2021"

    /// One node of the criteria tree: a field (lĩnh vực), a criterion (tiêu chí) or a sub-criterion
    /// (tiêu chí thành phần). Maxima are in hundredths of a point.
    struct CriterionNode {
        var code: String
        var name: String
        var maxCents: Int
        /// nil: every group; "department" or "district": that group only.
        var appliesTo: String?
        /// Scored by the sociological survey (điều tra xã hội học), not self-assessed.
        var survey: Bool
        var children: [CriterionNode]

        init(_ code: String, _ name: String, _ maxCents: Int, _ appliesTo: String? = nil, survey: Bool = false,
             _ children: [CriterionNode] = []) {
            self.code = code
            self.name = name
            self.maxCents = maxCents
            self.appliesTo = appliesTo
            self.survey = survey
            self.children = children
        }

        init(_ code: String, _ name: String, _ maxCents: Int, _ children: [CriterionNode]) {
            self.init(code, name, maxCents, nil, survey: false, children)
        }

        var id: String { SeedScenario.criterionID(code) }
        var level: String { code.split(separator: ".").count == 1 ? "field" : code.split(separator: ".").count == 2 ? "criterion" : "sub_criterion" }
    }

    /// The id of a criterion of the fixture's method, e.g. `TQ2021-3.1.2`.
    public static func criterionID(_ code: String) -> String { "\(methodology)-\(code)" }

    /// ILLUSTRATIVE criteria tree for 2021: the 8 fields of `shared/DOMAIN.md` (field 8 unverified),
    /// with criteria and sub-criteria modelled on the province's practice. The per-field maxima, the
    /// criteria and their points are NOT the official ones (those were not found): they are plausible
    /// values, loaded as data like any real method would be. Each group's maximum is 100 points, of
    /// which 28 come from the sociological survey; a few criteria apply only to departments (e.g.
    /// drafting the province's legal documents) or only to districts (e.g. the district budget).
    static let criteriaTree: [CriterionNode] = [
        CriterionNode("1", "Công tác chỉ đạo, điều hành cải cách hành chính", 1000, [
            CriterionNode("1.1", "Kế hoạch cải cách hành chính năm", 300, [
                CriterionNode("1.1.1", "Ban hành kế hoạch cải cách hành chính năm kịp thời", 100),
                CriterionNode("1.1.2", "Mức độ hoàn thành kế hoạch cải cách hành chính", 200),
            ]),
            CriterionNode("1.2", "Thực hiện chế độ báo cáo cải cách hành chính định kỳ", 150),
            CriterionNode("1.3", "Kiểm tra công tác cải cách hành chính đối với cơ quan, đơn vị trực thuộc", 200),
            CriterionNode("1.4", "Công tác thông tin, tuyên truyền cải cách hành chính", 150),
            CriterionNode("1.5", "Sáng kiến, giải pháp mới trong công tác cải cách hành chính", 200),
        ]),
        CriterionNode("2", "Cải cách thể chế", 800, [
            CriterionNode("2.1", "Tham mưu xây dựng văn bản quy phạm pháp luật thuộc thẩm quyền của HĐND, UBND tỉnh", 300, "department"),
            CriterionNode("2.2", "Ban hành văn bản quy phạm pháp luật thuộc thẩm quyền của HĐND, UBND cấp huyện", 300, "district"),
            CriterionNode("2.3", "Rà soát, hệ thống hóa văn bản quy phạm pháp luật", 200),
            CriterionNode("2.4", "Theo dõi tình hình thi hành pháp luật", 150),
            CriterionNode("2.5", "Kiểm tra, xử lý văn bản quy phạm pháp luật", 150),
        ]),
        CriterionNode("3", "Cải cách thủ tục hành chính", 1400, [
            CriterionNode("3.1", "Công bố, công khai thủ tục hành chính", 300, [
                CriterionNode("3.1.1", "Công bố danh mục thủ tục hành chính kịp thời", 150),
                CriterionNode("3.1.2", "Công khai thủ tục hành chính trên Cổng dịch vụ công và tại Bộ phận Một cửa", 150),
            ]),
            CriterionNode("3.2", "Rà soát, đơn giản hóa thủ tục hành chính", 200),
            CriterionNode("3.3", "Thực hiện cơ chế một cửa, một cửa liên thông", 400, [
                CriterionNode("3.3.1", "Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn", 200),
                CriterionNode("3.3.2", "Thực hiện xin lỗi tổ chức, cá nhân khi giải quyết hồ sơ trễ hạn", 100),
                CriterionNode("3.3.3", "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", 100),
            ]),
            CriterionNode("3.4", "Tiếp nhận, xử lý phản ánh, kiến nghị về quy định hành chính", 100),
            CriterionNode("3.5", "Mức độ hài lòng về thủ tục hành chính (điều tra xã hội học)", 400, survey: true),
        ]),
        CriterionNode("4", "Cải cách tổ chức bộ máy hành chính nhà nước", 800, [
            CriterionNode("4.1", "Sắp xếp, kiện toàn tổ chức bộ máy", 250),
            CriterionNode("4.2", "Quản lý, sử dụng biên chế được giao", 200),
            CriterionNode("4.3", "Thực hiện phân cấp quản lý", 150),
            CriterionNode("4.4", "Đánh giá của người dân, tổ chức về tổ chức bộ máy (điều tra xã hội học)", 200, survey: true),
        ]),
        CriterionNode("5", "Xây dựng và nâng cao chất lượng đội ngũ cán bộ, công chức, viên chức", 1200, [
            CriterionNode("5.1", "Xác định vị trí việc làm và cơ cấu ngạch công chức", 200),
            CriterionNode("5.2", "Tuyển dụng, bổ nhiệm cán bộ, công chức, viên chức", 200),
            CriterionNode("5.3", "Đào tạo, bồi dưỡng cán bộ, công chức, viên chức", 200),
            CriterionNode("5.4", "Kỷ luật, kỷ cương hành chính", 300, [
                CriterionNode("5.4.1", "Chấp hành kỷ luật, kỷ cương hành chính", 200),
                CriterionNode("5.4.2", "Xử lý cán bộ, công chức, viên chức vi phạm", 100),
            ]),
            CriterionNode("5.5", "Mức độ hài lòng về cán bộ, công chức (điều tra xã hội học)", 300, survey: true),
        ]),
        CriterionNode("6", "Cải cách tài chính công", 1000, [
            CriterionNode("6.1", "Thực hiện cơ chế tự chủ, tự chịu trách nhiệm về tài chính", 200),
            CriterionNode("6.2", "Giải ngân kế hoạch vốn đầu tư công", 300),
            CriterionNode("6.3", "Quản lý, sử dụng tài sản công", 200),
            CriterionNode("6.4", "Thực hiện dự toán thu ngân sách nhà nước trên địa bàn", 150, "district"),
            CriterionNode("6.5", "Tự chủ của các đơn vị sự nghiệp công lập trực thuộc", 150, "department"),
            CriterionNode("6.6", "Tác động của cải cách tài chính công (điều tra xã hội học)", 150, survey: true),
        ]),
        CriterionNode("7", "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số", 1600, [
            CriterionNode("7.1", "Ứng dụng công nghệ thông tin trong hoạt động của cơ quan", 300, [
                CriterionNode("7.1.1", "Gửi, nhận văn bản điện tử", 150),
                CriterionNode("7.1.2", "Sử dụng hệ thống quản lý văn bản và điều hành", 150),
            ]),
            CriterionNode("7.2", "Cung cấp dịch vụ công trực tuyến", 400, [
                CriterionNode("7.2.1", "Tỷ lệ dịch vụ công trực tuyến toàn trình", 200),
                CriterionNode("7.2.2", "Tỷ lệ hồ sơ được tiếp nhận, giải quyết trực tuyến", 200),
            ]),
            CriterionNode("7.3", "Triển khai các dịch vụ công thiết yếu theo Đề án 06", 200),
            CriterionNode("7.4", "Áp dụng Hệ thống quản lý chất lượng theo TCVN ISO 9001", 200),
            CriterionNode("7.5", "Thanh toán trực tuyến nghĩa vụ tài chính trong giải quyết thủ tục hành chính", 200),
            CriterionNode("7.6", "Mức độ hài lòng về dịch vụ công trực tuyến (điều tra xã hội học)", 300, survey: true),
        ]),
        CriterionNode("8", "Tác động của cải cách hành chính đến người dân, tổ chức và phát triển kinh tế - xã hội", 2200, [
            CriterionNode("8.1", "Mức độ hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính (SIPAS)", 1000, survey: true),
            CriterionNode("8.2", "Tác động đến chất lượng quản lý nhà nước (điều tra xã hội học)", 450, survey: true),
            CriterionNode("8.3", "Thực hiện các chỉ tiêu phát triển kinh tế - xã hội được giao", 300),
            CriterionNode("8.4", "Thu hút đầu tư, phát triển doanh nghiệp trên địa bàn", 200, "district"),
            CriterionNode("8.5", "Hoàn thành nhiệm vụ chuyên môn của ngành", 200, "department"),
            CriterionNode("8.6", "Giải quyết khiếu nại, tố cáo thuộc thẩm quyền", 250),
        ]),
    ]

    /// A leaf of the tree (the level that is scored), with what it inherits from its ancestors.
    struct Leaf {
        var node: CriterionNode
        var ancestors: [String]
        var appliesTo: String?
        var survey: Bool
    }

    static let leaves: [Leaf] = {
        var result: [Leaf] = []
        func walk(_ node: CriterionNode, ancestors: [String], appliesTo: String?, survey: Bool) {
            let applies = node.appliesTo ?? appliesTo
            let isSurvey = survey || node.survey
            if node.children.isEmpty {
                result.append(Leaf(node: node, ancestors: ancestors, appliesTo: applies, survey: isSurvey))
            }
            for child in node.children { walk(child, ancestors: ancestors + [node.code], appliesTo: applies, survey: isSurvey) }
        }
        for field in criteriaTree { walk(field, ancestors: [], appliesTo: nil, survey: false) }
        return result
    }()

    static func methodologyRecords() -> [ValidatedRecord] {
        [Fixture.record("methodologies", [
            "id": .text(methodology),
            "name": "Bộ chỉ số cải cách hành chính các sở, ban, ngành và UBND huyện, thành phố năm 2021 (minh họa)",
            "first_year": 2021, "last_year": 2021, "max_points": 100.0,
        ])]
    }

    static func criterionRecords() -> [ValidatedRecord] {
        var records: [ValidatedRecord] = []
        var sort = 0
        func walk(_ node: CriterionNode, parent: String?) {
            sort += 1
            records.append(Fixture.record("criteria", [
                "id": .text(node.id), "methodology": .text(methodology), "parent": .text(parent),
                "level": .text(node.level), "code": .text(node.code), "name": .text(node.name),
                "max_points": .cents(node.maxCents), "applies_to": .text(node.appliesTo ?? "all"),
                "survey": .json(.bool(node.survey)), "sort": .int(sort),
            ]))
            for child in node.children { walk(child, parent: node.id) }
        }
        for field in criteriaTree { walk(field, parent: nil) }
        return records
    }
}
