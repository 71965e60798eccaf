import Foundation
import ReformData

extension SeedScenario {
    /// What the fixture makes each unit score in 2021, in hundredths of a point.
    ///
    /// Index % = (appraised + survey points) ÷ applicable maximum × 100. The seed report gives
    /// TP Tuyên Quang 81.99 % (1st), Sơn Dương 81.42 % (2nd) and Yên Sơn 74.65 % (last) among the
    /// districts, and Sở Tư pháp 1st, Sở Nội vụ 2nd, Sở Y tế last among the departments. Every other
    /// value here is ILLUSTRATIVE, chosen to fit those facts (the other four districts between
    /// 74.65 and 81.42; the departments' percentages invented).
    struct ScoreTarget {
        var unit: String
        var surveyCents: Int
        var appraisedCents: Int
        /// Criteria (codes) not applicable to the unit in 2021, with the reason.
        var exclusions: [(code: String, reason: String)] = []
    }

    static let scoreTargets: [ScoreTarget] = [
        // Districts: maximum 100 except Lâm Bình (2.2 not applicable: 97).
        ScoreTarget(unit: "TPTUYENQUANG", surveyCents: 2435, appraisedCents: 5764),  // 81.99 %
        ScoreTarget(unit: "SONDUONG", surveyCents: 2390, appraisedCents: 5752),      // 81.42 %
        ScoreTarget(unit: "CHIEMHOA", surveyCents: 2312, appraisedCents: 5624),      // 79.36 % (illustrative)
        ScoreTarget(unit: "HAMYEN", surveyCents: 2270, appraisedCents: 5514),        // 77.84 % (illustrative)
        ScoreTarget(unit: "NAHANG", surveyCents: 2205, appraisedCents: 5423),        // 76.28 % (illustrative)
        ScoreTarget(unit: "LAMBINH", surveyCents: 2180, appraisedCents: 5185,        // 73.65 / 97 = 75.93 % (illustrative)
                    exclusions: [("2.2", "Năm 2021 huyện không có nội dung phải ban hành văn bản quy phạm pháp luật")]),
        ScoreTarget(unit: "YENSON", surveyCents: 2160, appraisedCents: 5305),        // 74.65 %
        // Departments: maximum 100 except Sở Ngoại vụ and Thanh tra tỉnh (2.1: 97) and Ban Dân tộc (6.5: 98.5).
        ScoreTarget(unit: "STP", surveyCents: 2610, appraisedCents: 6402),           // 90.12 %
        ScoreTarget(unit: "SNV", surveyCents: 2560, appraisedCents: 6287),           // 88.47 %
        ScoreTarget(unit: "VPUBND", surveyCents: 2530, appraisedCents: 6138),        // 86.68 %
        ScoreTarget(unit: "STTTT", surveyCents: 2495, appraisedCents: 6021),         // 85.16 %
        ScoreTarget(unit: "STC", surveyCents: 2470, appraisedCents: 5946),           // 84.16 %
        ScoreTarget(unit: "SKHDT", surveyCents: 2450, appraisedCents: 5863),         // 83.13 %
        ScoreTarget(unit: "SNGV", surveyCents: 2400, appraisedCents: 5600,           // 80.00 / 97 = 82.47 %
                    exclusions: [("2.1", "Năm 2021 Sở không được giao chủ trì tham mưu văn bản quy phạm pháp luật")]),
        ScoreTarget(unit: "SXD", surveyCents: 2420, appraisedCents: 5772),           // 81.92 %
        ScoreTarget(unit: "SCT", surveyCents: 2400, appraisedCents: 5711),           // 81.11 %
        ScoreTarget(unit: "TTRA", surveyCents: 2380, appraisedCents: 5420,           // 78.00 / 97 = 80.41 %
                    exclusions: [("2.1", "Năm 2021 Thanh tra tỉnh không được giao chủ trì tham mưu văn bản quy phạm pháp luật")]),
        ScoreTarget(unit: "SNNPTNT", surveyCents: 2375, appraisedCents: 5618),       // 79.93 %
        ScoreTarget(unit: "SLDTBXH", surveyCents: 2350, appraisedCents: 5540),       // 78.90 %
        ScoreTarget(unit: "SKHCN", surveyCents: 2330, appraisedCents: 5473),         // 78.03 %
        ScoreTarget(unit: "STNMT", surveyCents: 2300, appraisedCents: 5422),         // 77.22 %
        ScoreTarget(unit: "BDT", surveyCents: 2280, appraisedCents: 5220,            // 75.00 / 98.5 = 76.14 %
                    exclusions: [("6.5", "Ban Dân tộc không có đơn vị sự nghiệp công lập trực thuộc")]),
        ScoreTarget(unit: "SVHTTDL", surveyCents: 2260, appraisedCents: 5290),       // 75.50 %
        ScoreTarget(unit: "SGTVT", surveyCents: 2240, appraisedCents: 5205),         // 74.45 %
        ScoreTarget(unit: "SGDDT", surveyCents: 2210, appraisedCents: 5130),         // 73.40 %
        ScoreTarget(unit: "SYT", surveyCents: 2150, appraisedCents: 4980),           // 71.30 %
    ]

    /// One scored criterion of one unit: the unit's self-score and the hub's appraisal.
    struct LeafScore {
        var leaf: Leaf
        var selfCents: Int
        var appraisedCents: Int
        var evidence: String
        var appraisalNote: String?
    }

    static let deductionNotes = [
        "Tài liệu kiểm chứng chưa thể hiện đầy đủ kết quả thực hiện",
        "Báo cáo gửi chậm so với thời hạn quy định",
        "Chưa hoàn thành chỉ tiêu được giao trong năm",
        "Một số nội dung tự chấm chưa có văn bản kiểm chứng",
    ]

    /// The criteria a unit scores: leaves that apply to its group, not surveyed, not excluded.
    static func scoredLeaves(group: String, excluded: Set<String>) -> [Leaf] {
        leaves.filter { leaf in
            !leaf.survey && (leaf.appliesTo == nil || leaf.appliesTo == group)
                && !excluded.contains(leaf.node.code) && excluded.isDisjoint(with: leaf.ancestors)
        }
    }

    /// Spreads a unit's appraised total over its criteria, in whole hundredths, mostly in quarter
    /// points, so the sum is exactly the target; then adds the self-assessment, a little higher than
    /// the appraisal on a few criteria (the appraisal lowered them, with a reason).
    static func leafScores(for target: ScoreTarget) -> [LeafScore] {
        guard let unit = unit(target.unit) else { fatalError("seed fixture: no unit \(target.unit)") }
        let scored = scoredLeaves(group: unit.group, excluded: Set(target.exclusions.map(\.code)))
        let maxima = scored.map(\.node.maxCents)
        let total = maxima.reduce(0, +)
        precondition(target.appraisedCents <= total, "seed fixture: \(unit.code) cannot score \(target.appraisedCents) of \(total)")
        var random = FixtureRandom(unit.code)
        var scores = maxima.map { maximum -> Int in
            let jitter = 85 + random.below(31)  // 85 %…115 % of the unit's average rate
            let share = maximum * target.appraisedCents / total * jitter / 100
            return min(maximum, share / 25 * 25)
        }
        var remainder = target.appraisedCents - scores.reduce(0, +)
        let order = random.shuffled(Array(0..<scores.count))
        var cursor = 0
        func step(_ amount: Int) -> Bool {
            for _ in 0..<order.count {
                let i = order[cursor % order.count]
                cursor += 1
                let next = scores[i] + amount
                if next >= 0 && next <= maxima[i] { scores[i] = next; return true }
            }
            return false
        }
        while remainder >= 25, step(25) { remainder -= 25 }
        while remainder <= -25, step(-25) { remainder += 25 }
        if remainder != 0 {
            guard step(remainder) else { fatalError("seed fixture: cannot place \(remainder) for \(unit.code)") }
        }
        precondition(scores.reduce(0, +) == target.appraisedCents)

        let issuer = unit.group == "district" ? "UBND" : unit.code
        var result: [LeafScore] = []
        for (i, leaf) in scored.enumerated() {
            let day = 1 + random.below(28), month = 1 + random.below(12)
            let kind = leaf.node.code.hasPrefix("1.1") ? ("Kế hoạch", "KH") : ("Báo cáo", "BC")
            let evidence = "\(kind.0) số \(10 + random.below(290))/\(kind.1)-\(issuer) ngày \(day)/\(month)/2021"
            result.append(LeafScore(leaf: leaf, selfCents: scores[i], appraisedCents: scores[i], evidence: evidence, appraisalNote: nil))
        }
        // A few criteria where the appraisal lowered the self-score.
        let deductions = 2 + random.below(4)
        var made = 0
        for i in order where made < deductions {
            let headroom = maxima[i] - scores[i]
            guard headroom >= 25 else { continue }
            let amount = min(headroom, [25, 50, 100][random.below(3)])
            result[i].selfCents = scores[i] + amount
            let points = Self.vietnamese(cents: amount)
            result[i].appraisalNote = "Trừ \(points) điểm: \(deductionNotes[random.below(deductionNotes.count)])"
            made += 1
        }
        return result
    }

    /// 0,25 / 0,5 / 1 — points written the Vietnamese way.
    static func vietnamese(cents: Int) -> String {
        let whole = cents / 100, fraction = cents % 100
        if fraction == 0 { return "\(whole)" }
        var digits = String(format: "%02d", fraction)
        if digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole),\(digits)"
    }

    static func target(_ unit: String) -> ScoreTarget? { scoreTargets.first { $0.unit == unit } }

    // MARK: Records

    /// The unit's own 2021 self-assessment: one score row per criterion, then the submitted assessment row.
    static func selfAssessmentRecords(unit code: String) -> [(table: String, records: [ValidatedRecord])] {
        guard let target = target(code) else { return [] }
        var random = FixtureRandom("submitted-" + code)
        let assessment = Fixture.record("assessments", [
            "unit": .text(code), "year": 2021, "methodology": .text(methodology), "status": "submitted",
            "submitted_on": .text(String(format: "2022-01-%02d", 10 + random.below(6))),  // by the deadline of 15/01
        ])
        let scores = leafScores(for: target).map { score in
            Fixture.record("assessment_scores", [
                "unit": .text(code), "year": 2021, "criterion": .text(score.leaf.node.id),
                "self_score": .cents(score.selfCents), "evidence": .text(score.evidence),
            ])
        }
        // Scores first, the submission last: once submitted, the self-scores are read-only (Protocol §17.5).
        return [("assessment_scores", scores), ("assessments", [assessment])]
    }

    /// The hub's appraisal (thẩm định) of every unit: appraised scores and reasons written into the
    /// units' own score rows, and the appraisal status into their assessment rows.
    static func appraisalRecords() -> [(table: String, records: [ValidatedRecord])] {
        var assessments: [ValidatedRecord] = []
        var scores: [ValidatedRecord] = []
        for target in scoreTargets {
            var random = FixtureRandom("appraised-" + target.unit)
            assessments.append(Fixture.record("assessments", [
                "unit": .text(target.unit), "year": 2021, "appraisal_status": "done",
                "appraised_on": .text(String(format: "2022-04-%02d", 4 + random.below(20))),
            ]).onlyFields(["appraisal_status", "appraised_on"]))
            for score in leafScores(for: target) {
                scores.append(Fixture.record("assessment_scores", [
                    "unit": .text(target.unit), "year": 2021, "criterion": .text(score.leaf.node.id),
                    "appraised_score": .cents(score.appraisedCents), "appraisal_note": .text(score.appraisalNote),
                ]).onlyFields(["appraised_score", "appraisal_note"]))
            }
        }
        return [("assessments", assessments), ("assessment_scores", scores)]
    }

    static func exclusionRecords() -> [ValidatedRecord] {
        scoreTargets.flatMap { target in
            target.exclusions.map { exclusion in
                Fixture.record("criterion_exclusions", [
                    "unit": .text(target.unit), "year": 2021, "criterion": .text(criterionID(exclusion.code)),
                    "reason": .text(exclusion.reason),
                ])
            }
        }
    }

    /// Survey points (điều tra xã hội học) and SIPAS per unit, and the province's SIPAS.
    ///
    /// The province's five elements average to 86.27 % (8.63/10), the seed's figure; the units'
    /// SIPAS values are ILLUSTRATIVE.
    static func surveyRecords() -> [ValidatedRecord] {
        var records: [ValidatedRecord] = []
        for target in scoreTargets {
            var random = FixtureRandom("sipas-" + target.unit)
            let base = 8000 + target.surveyCents / 4
            let elements = (0..<5).map { _ in min(9900, base - 250 + random.below(501)) }
            let overall = Int((Double(elements.reduce(0, +)) / 5).rounded())
            records.append(Fixture.record("survey_results", [
                "unit": .text(target.unit), "year": 2021, "survey_points": .cents(target.surveyCents),
                "sipas_access": .cents(elements[0]), "sipas_procedures": .cents(elements[1]),
                "sipas_civil_servants": .cents(elements[2]), "sipas_results": .cents(elements[3]),
                "sipas_feedback": .cents(elements[4]), "sipas_overall": .cents(overall),
                "respondents": .int(150 + random.below(350)),
            ]))
        }
        records.append(Fixture.record("survey_results", [
            "unit": .text(provinceUnit.code), "year": 2021,
            "sipas_access": 87.12, "sipas_procedures": 86.45, "sipas_civil_servants": 88.03,
            "sipas_results": 85.91, "sipas_feedback": 83.84, "sipas_overall": 86.27, "respondents": 1_290,
        ]))
        return records
    }
}

extension ValidatedRecord {
    /// The record with only the named fields: a writer sets its own columns, not the key columns
    /// another writer set when it created the row.
    func onlyFields(_ names: Set<String>) -> ValidatedRecord {
        ValidatedRecord(key: key, values: values.filter { names.contains($0.key) })
    }
}
