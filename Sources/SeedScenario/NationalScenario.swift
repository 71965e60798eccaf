import ReformData

/// The national tier of the two-tier demo (Protocol/README.md §20): the Ministry of Home Affairs
/// (Bộ Nội vụ) ranks the provinces by the provincial PAR INDEX, from each province's own
/// self-assessment, appraised at the Ministry.
///
/// From the seed: Tuyên Quang's 2021 PAR INDEX of 86.57 %, 34th of 63. EVERYTHING ELSE IS
/// ILLUSTRATIVE: the national criteria (the eight fields of 876/QĐ-BNV as criteria of 12.5
/// points each; the real per-field maxima were not found), Hà Giang's scores, and the 61 other
/// provinces ("Tỉnh minh hoạ NN"), whose assessments the Ministry enters itself in the demo so
/// that the ranking has 63 places. The provinces' units use group `province`.
public enum NationalScenario {
    public typealias TableRecords = SeedScenario.TableRecords

    public static let year = SeedScenario.year
    /// The national hub's unit.
    public static let hubUnit = "BNV"
    public static let methodology = "PAR-TINH"
    /// The two provinces that run a provincial hub in the demo, with their national unit codes.
    public static let provinces: [(code: String, name: String)] = [("tuyen-quang", "Tỉnh Tuyên Quang"), ("ha-giang", "Tỉnh Hà Giang")]
    /// The eight fields of the provincial method, as the national criteria (12.5 points each, illustrative).
    public static let criteria: [(id: String, name: String)] = [
        ("T1", "Công tác chỉ đạo, điều hành CCHC"), ("T2", "Cải cách thể chế"), ("T3", "Cải cách thủ tục hành chính"),
        ("T4", "Cải cách tổ chức bộ máy hành chính nhà nước"), ("T5", "Cải cách chế độ công vụ"), ("T6", "Cải cách tài chính công"),
        ("T7", "Xây dựng, phát triển Chính phủ điện tử, Chính phủ số"), ("T8", "Tác động của CCHC đến người dân, tổ chức và phát triển KT-XH"),
    ]
    /// Tuyên Quang's appraised points per field: 86.57 in all (the seed's index; the split is illustrative).
    public static let tuyenQuangCents = [1200, 1150, 1057, 1100, 1050, 1000, 1050, 1050]
    /// Hà Giang's (illustrative): 83.05.
    public static let haGiangCents = [1150, 1100, 1000, 1055, 1000, 1000, 1000, 1000]
    /// The self-scores each province enters at its hub, per field (illustrative: a little above the appraisal).
    public static func selfCents(_ province: String) -> [Int] {
        (province == "tuyen-quang" ? tuyenQuangCents : haGiangCents).map { min($0 + 25, 1250) }
    }

    /// The 61 illustrative provinces and their indices in hundredths: 33 above Tuyên Quang, 28 below.
    static let others: [(code: String, cents: Int)] = (0..<61).map { (i: Int) -> (code: String, cents: Int) in
        let cents: Int = i < 33 ? 9300 - i * 20 : 8650 - (i - 33) * 30
        return (String(format: "tinh-%02d", i + 1), cents)
    }

    /// The Ministry's reference data: the provinces, the method and its criteria.
    public static func referenceRecords() -> [TableRecords] {
        var units = [Fixture.record("units", ["id": "BNV", "name": "Bộ Nội vụ", "group": "department", "sort": 0])]
        for (index, province) in provinces.enumerated() {
            units.append(Fixture.record("units", ["id": .text(province.code), "name": .text(province.name), "group": "province",
                                                  "valid_from": "2008-01-01", "sort": .int(index + 1)]))
        }
        for (index, other) in others.enumerated() {
            units.append(Fixture.record("units", ["id": .text(other.code), "name": .text(String(format: "Tỉnh minh hoạ %02d", index + 1)),
                                                  "group": "province", "sort": .int(index + 10)]))
        }
        let method = Fixture.record("methodologies", ["id": .text(methodology), "name": "Chỉ số CCHC cấp tỉnh (876/QĐ-BNV, minh hoạ)",
                                                      "decision": "876/QĐ-BNV", "first_year": 2021, "last_year": 2030, "max_points": 100])
        let criteria = Self.criteria.enumerated().map { index, criterion in
            Fixture.record("criteria", ["id": .text(criterion.id), "methodology": .text(methodology), "level": "field",
                                        "code": .text(String(index + 1)), "name": .text(criterion.name), "max_points": 12.5, "sort": .int(index + 1)])
        }
        return [("units", units), ("methodologies", [method]), ("criteria", criteria)]
    }

    /// A province's own self-assessment, as it enters it at its provincial hub (`--uplink`).
    public static func selfAssessment(_ province: String) -> [TableRecords] {
        let assessment = Fixture.record("assessments", ["unit": .text(province), "year": .int(year), "methodology": .text(methodology),
                                                        "status": "draft",
                                                        "note": .text("Tự đánh giá Chỉ số CCHC cấp tỉnh năm \(year) (minh hoạ)")])
        let scores = zip(criteria, selfCents(province)).map { criterion, cents in
            Fixture.record("assessment_scores", ["unit": .text(province), "year": .int(year), "criterion": .text(criterion.id),
                                                 "self_score": .cents(cents), "evidence": FixtureValue.text("Báo cáo \(criterion.name.lowercased()) (minh hoạ)")])
        }
        return [("assessments", [assessment]), ("assessment_scores", scores)]
    }

    /// The Ministry's appraisal of the two provinces' scores (fields the hub writes).
    public static func appraisals() -> [TableRecords] {
        let scores: [ValidatedRecord] = [("tuyen-quang", tuyenQuangCents), ("ha-giang", haGiangCents)].flatMap { (province: String, cents: [Int]) -> [ValidatedRecord] in
            zip(criteria, cents).map { criterion, cents -> ValidatedRecord in
                Fixture.record("assessment_scores", ["unit": .text(province), "year": .int(year), "criterion": .text(criterion.id),
                                                     "appraised_score": .cents(cents), "appraisal_note": "Thẩm định (minh hoạ)"])
            }
        }
        return [("assessment_scores", scores)]
    }

    /// The 61 other provinces' appraised assessments, entered at the Ministry (illustrative).
    public static func otherProvinces() -> [TableRecords] {
        var assessments: [ValidatedRecord] = [], scores: [ValidatedRecord] = []
        for other in others {
            assessments.append(Fixture.record("assessments", ["unit": .text(other.code), "year": .int(year), "methodology": .text(methodology), "status": "submitted"]))
            // Seven fields of equal points and the eighth taking the rest: the sum is exact.
            let each = other.cents / 8, last = other.cents - each * 7
            for (index, criterion) in criteria.enumerated() {
                let cents = index == 7 ? last : each
                scores.append(Fixture.record("assessment_scores", ["unit": .text(other.code), "year": .int(year), "criterion": .text(criterion.id),
                                                                   "self_score": .cents(cents), "appraised_score": .cents(cents)]))
            }
        }
        return [("assessments", assessments), ("assessment_scores", scores)]
    }
}
