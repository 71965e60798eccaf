import Foundation
import GRDB
import Replica

extension ProvinceReport {
    /// Computes the report of `year` from a replica (normally the hub's), as of `today`
    /// (Vietnam time; task statuses depend on it).
    public static func compute(replica: Replica, year: Int, today: Date = Date()) throws -> ProvinceReport {
        try compute(reader: replica.writer, year: year, asOf: ReportDate.string(today))
    }

    /// Computes the report in one read transaction, so every figure comes from the same snapshot.
    /// - Parameter asOf: the day, `YYYY-MM-DD`.
    public static func compute(reader: any DatabaseReader, year: Int, asOf: String, stage: ReportStage = .final) throws -> ProvinceReport {
        try compute(reader: reader, years: [year], asOf: asOf, stage: stage)[0]
    }

    /// The reports of several years from one snapshot; the score rows are read in a single pass
    /// for all of them. Reports come in the order of `years`.
    public static func compute(reader: any DatabaseReader, years: [Int], asOf: String, stage: ReportStage = .final) throws -> [ProvinceReport] {
        for year in years where !(2000...2100).contains(year) { throw AggregationError.yearOutOfRange(year) }
        guard ReportDate.date(asOf) != nil else { throw AggregationError.badDate(asOf) }
        return try reader.read { db in try compute(db, years: years, asOf: asOf, stage: stage) }
    }

    /// Computes the report inside a transaction the caller holds.
    public static func compute(_ db: Database, year: Int, asOf: String, stage: ReportStage = .final) throws -> ProvinceReport {
        try compute(db, years: [year], asOf: asOf, stage: stage)[0]
    }

    /// Computes the reports of several years inside a transaction the caller holds.
    public static func compute(_ db: Database, years: [Int], asOf: String, stage: ReportStage = .final) throws -> [ProvinceReport] {
        guard !years.isEmpty else { return [] }
        let units = try UnitDirectory.load(db)
        var methods: [Int: MethodologyInfo] = [:]
        var trees: [String: CriteriaTree] = [:]
        // The previous years too, when a method covers them: rank change and year-on-year (§19.4).
        let previousYears = Set(years.map { $0 - 1 }).subtracting(years).filter { (2000...2100).contains($0) }
        for year in Set(years).union(previousYears).sorted() {
            guard var method = try Self.methodology(db, year: year, required: !previousYears.contains(year)) else { continue }
            if trees[method.id] == nil { trees[method.id] = try CriteriaTree.load(db, methodology: method.id) }
            method.criteria = trees[method.id]!.nodes.count
            method.leaves = trees[method.id]!.leaves.count
            methods[year] = method
        }
        let yearTrees = methods.mapValues { trees[$0.id]! }
        let totals = try scoreTotals(db, trees: yearTrees, units: units, stage: stage)
        var rankingsByYear: [Int: [GroupRanking]] = [:]
        for year in yearTrees.keys.sorted() {
            rankingsByYear[year] = try rankings(db, year: year, units: units, tree: yearTrees[year]!, totals: totals[year] ?? [:],
                                                survey: try SurveyRows.load(db, year: year), stage: stage)
        }
        let successions = try SuccessionMap.load(db)
        // Sections that do not depend on the year are computed once.
        let decision06 = try decision06(db, units: units)
        let tasks = try tasks(db, asOf: asOf, units: units)
        return try years.map { year in
            let survey = try SurveyRows.load(db, year: year)
            var report = ProvinceReport(
                year: year, asOf: asOf, province: units.province?.name, methodology: methods[year]!,
                groups: successions.comparing(rankingsByYear[year]!, with: rankingsByYear[year - 1], previousYear: year - 1),
                sipas: sipasSummary(survey, units: units), decision06: decision06, tasks: tasks,
                initiatives: try initiatives(db, year: year, units: units),
                externalIndices: try externalIndices(db, year: year),
                publication: try publication(db, year: year),
                season: try SeasonReport.compute(db, year: year, units: units, asOf: asOf),
                stage: stage == .final ? nil : stage)
            if stage == .final, var season = report.season {
                for index in season.units.indices {
                    let result = report.unit(season.units[index].unit)
                    season.units[index].finalTotal = result?.appraisedTotal
                    season.units[index].finalIndexPercent = result?.indexPercent
                }
                report.season = season
            }
            return report
        }
    }

    // MARK: Method

    /// The method covering the year: first_year ≤ year ≤ last_year (an empty bound is open);
    /// when several do, the one starting latest.
    static func methodology(_ db: Database, year: Int) throws -> MethodologyInfo {
        try methodology(db, year: year, required: true)!
    }

    /// The method of the year; nil instead of an error when none covers it and it is not `required`.
    static func methodology(_ db: Database, year: Int, required: Bool) throws -> MethodologyInfo? {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, name, decision, first_year, last_year, max_points FROM methodologies WHERE _cl % 2 = 1
            ORDER BY first_year DESC, id
            """)
        for row in rows {
            let first: Int? = row[3], last: Int? = row[4]
            if (first ?? Int.min) <= year && year <= (last ?? Int.max) {
                return MethodologyInfo(id: row[0], name: row[1] ?? row[0], decision: row[2], maxPoints: row[5], criteria: 0, leaves: 0)
            }
        }
        guard required else { return nil }
        let covered = rows.map { row -> String in
            let first: Int? = row[3], last: Int? = row[4]
            return "\(row[0] as String) (\(first.map(String.init) ?? "…")–\(last.map(String.init) ?? "…"))"
        }
        throw AggregationError.noMethodology(year: year, covered: covered)
    }

    // MARK: PAR INDEX

    /// Per unit: self-assessed, appraised and survey totals, applicable maximum, index and rank.
    ///
    /// - maximum = Σ max_points of the method's leaves that apply to the unit's group, minus
    ///   those the unit's `criterion_exclusions` remove (an excluded criterion removes its leaves);
    ///   survey leaves count in it;
    /// - self / appraised total = Σ self_score / appraised_score over the unit's applicable,
    ///   non-survey leaves; the appraised total exists only once every self-scored criterion
    ///   has its appraised score;
    /// - survey points = `survey_results.survey_points`, filling the survey leaves' maxima (not
    ///   added when no survey criterion applies);
    /// - index % = (appraised total + survey points) ÷ maximum × 100, rounded to 2 decimals;
    /// - rank: standard competition ranking of the index within the group (1, 2, 2, 4).
    static func rankings(_ db: Database, year: Int, units: UnitDirectory, tree: CriteriaTree,
                         totals: [String: ScoreTotals], survey: SurveyRows, stage: ReportStage = .final) throws -> [GroupRanking] {
        let assessed = Set(try String.fetchAll(db, sql: "SELECT unit FROM assessments WHERE _cl % 2 = 1 AND year = ?", arguments: [year]))
        var exclusions: [String: [String]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT unit, criterion FROM criterion_exclusions WHERE _cl % 2 = 1 AND year = ? ORDER BY criterion",
                                    arguments: [year]) {
            exclusions[row[0], default: []].append(row[1])
        }
        let yearStart = String(format: "%04d-01-01", year), yearEnd = String(format: "%04d-12-31", year)

        var groups: [GroupRanking] = []
        for group in units.rankingGroups {
            let groupLeaves = tree.leaves(for: group)
            let groupMax = groupLeaves.reduce(0) { $0 + $1.maxPoints }
            let groupSurveyMax = groupLeaves.filter(\.survey).reduce(0) { $0 + $1.maxPoints }
            var results: [UnitResult] = []
            for unit in units.ordered where unit.group == group {
                var total = totals[unit.code] ?? ScoreTotals()
                let present = assessed.contains(unit.code) || total.rows > 0
                // A unit without data is listed when it exists on the year's last day: the year's
                // assessment covers the units of 31 December (districts that ended on 30/6/2025 are
                // not "missing" in 2025; communes formed on 1/7/2025 are), Protocol §19.4.
                let valid = (unit.validFrom ?? yearStart) <= yearEnd && (unit.validTo ?? yearEnd) >= yearEnd
                guard present || valid else { continue }
                var maxPoints = groupMax, surveyMax = groupSurveyMax
                let excluded = exclusions[unit.code] ?? []
                var removed = Set<String>()
                for criterion in excluded {
                    for leaf in tree.leaves(under: criterion) where leaf.applies(to: group) && removed.insert(leaf.id).inserted {
                        maxPoints -= leaf.maxPoints
                        if leaf.survey { surveyMax -= leaf.maxPoints } else {
                            try total.subtract(db, key: "\(unit.code)/\(year)/\(leaf.id)", stage: stage)
                        }
                    }
                }
                let row = survey.units[unit.code]
                var result = UnitResult(
                    unit: unit.code, name: unit.name, shortName: unit.shortName, group: group, status: .missing,
                    selfTotal: total.selfCount > 0 ? round(total.selfSum, 4) : nil, appraisedTotal: nil,
                    surveyPoints: row?.surveyPoints.map { round($0, 4) }, maxPoints: round(maxPoints, 4),
                    surveyMaxPoints: round(surveyMax, 4), indexPercent: nil, rank: nil, tie: false,
                    scoredCriteria: total.selfCount, pendingAppraisals: total.pending,
                    excludedCriteria: excluded.map(tree.code(of:)), sipasOverall: row?.overall.map { round($0, 2) })
                if !present {
                    result.status = .missing
                } else if maxPoints <= 0.000_001 {
                    result.status = .noCriteria
                } else if total.appraisedCount == 0 {
                    result.status = .notAppraised
                } else if total.pending > 0 {
                    result.status = .appraisalInProgress
                } else {
                    result.appraisedTotal = round(total.appraisedSum, 4)
                    let needsSurvey = surveyMax > 0.000_001
                    if needsSurvey && row?.surveyPoints == nil {
                        result.status = .surveyMissing
                    } else {
                        let points = total.appraisedSum + (needsSurvey ? row?.surveyPoints ?? 0 : 0)
                        result.indexPercent = round(points / maxPoints * 100, 2)
                        result.status = .ranked
                    }
                }
                results.append(result)
            }
            // Standard competition ranking on the published (rounded) index.
            let indices = results.compactMap(\.indexPercent)
            for i in results.indices {
                guard let index = results[i].indexPercent else { continue }
                results[i].rank = 1 + indices.filter { $0 > index }.count
                results[i].tie = indices.filter { $0 == index }.count > 1
            }
            let order = Dictionary(uniqueKeysWithValues: results.enumerated().map { ($1.unit, $0) })
            results.sort { a, b in
                switch (a.rank, b.rank) {
                case let (x?, y?): return x != y ? x < y : order[a.unit]! < order[b.unit]!
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil):
                    if (a.status == .missing) != (b.status == .missing) { return b.status == .missing }
                    return order[a.unit]! < order[b.unit]!
                }
            }
            // A group whose units all lie outside the year (the districts after 30/6/2025) is no group of that year.
            if results.isEmpty && units.ordered.contains(where: { $0.group == group }) { continue }
            groups.append(GroupRanking(group: group, title: "Xếp hạng Chỉ số CCHC năm \(year) — \(Self.groupTitle(group))",
                                       rankedOf: indices.count, units: results))
        }
        return groups
    }

    static func groupTitle(_ group: String) -> String {
        switch group {
        case "department": return "Khối sở, ban, ngành"
        case "district": return "Khối huyện, thành phố"
        case "province": return "Tỉnh, thành phố trực thuộc Trung ương"
        case "commune": return "Khối xã, phường"
        default: return "Nhóm \(group)"
        }
    }

    /// Sums over each unit's score rows of the year, for the leaves applying to its group
    /// (exclusions are taken off afterwards, row by row: they are few).
    struct ScoreTotals {
        var selfSum = 0.0, selfCount = 0
        var appraisedSum = 0.0, appraisedCount = 0
        var pending = 0
        var rows = 0

        mutating func subtract(_ db: Database, key: String, stage: ReportStage) throws {
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT self_score, \(stage.scoreSQL) FROM assessment_scores WHERE id = ? AND _cl % 2 = 1"),
                                             arguments: [key]) else { return }
            let selfScore: Double? = row[0], appraised: Double? = row[1]
            if let selfScore { selfSum -= selfScore; selfCount -= 1 }
            if let appraised { appraisedSum -= appraised; appraisedCount -= 1 }
            if selfScore != nil && appraised == nil { pending -= 1 }
            rows -= 1
        }
    }

    /// One pass of SQL over the score rows of the years asked, grouped by unit and year, keeping
    /// apart only the criteria that do not apply to every group: rows on leaves applying to all
    /// groups are summed in SQL as one class; the other rows (group-specific or unknown
    /// criteria, survey leaves) come back per criterion and are added here when the criterion is
    /// a non-survey leaf applying to the unit's group. No join: the unit's group is looked up here.
    static func scoreTotals(_ db: Database, trees: [Int: CriteriaTree], units: UnitDirectory, stage: ReportStage = .final) throws -> [Int: [String: ScoreTotals]] {
        var cases: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        func placeholders(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ", ") }
        // Years sharing a method share a class expression.
        let byMethod = Dictionary(grouping: trees.keys.sorted()) { ObjectIdentifier(trees[$0]!.identity) }
        for years in byMethod.values {
            let common = trees[years[0]]!.leaves.filter { !$0.survey && $0.restrictions.isEmpty }.map(\.id)
            guard !common.isEmpty else { continue }
            cases.append("(s.year IN (\(placeholders(years.count))) AND s.criterion IN (\(placeholders(common.count))))")
            arguments += years as [any DatabaseValueConvertible]
            arguments += common as [any DatabaseValueConvertible]
        }
        let years = trees.keys.sorted()
        arguments += years as [any DatabaseValueConvertible]
        let sql = """
            SELECT s.unit, s.year, \(cases.isEmpty ? "s.criterion" : "CASE WHEN \(cases.joined(separator: " OR ")) THEN NULL ELSE s.criterion END") AS class,
                   SUM(s.self_score), COUNT(s.self_score), SUM(\(stage.scoreSQL)), COUNT(\(stage.scoreSQL)),
                   SUM(s.self_score IS NOT NULL AND \(stage.scoreSQL) IS NULL), COUNT(*)
            FROM assessment_scores AS s
            WHERE s._cl % 2 = 1 AND s.year IN (\(placeholders(years.count)))
            GROUP BY s.unit, s.year, class
            """
        var totals: [Int: [String: ScoreTotals]] = [:]
        let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments))
        while let row = try rows.next() {
            let unit: String = row[0], year: Int = row[1], criterion: String? = row[2]
            guard let group = units.byCode[unit]?.group, let tree = trees[year] else { continue }
            if let criterion {
                guard let leaf = tree.leaf(criterion), !leaf.survey, leaf.applies(to: group) else { continue }
            }
            var total = totals[year]?[unit] ?? ScoreTotals()
            total.selfSum += row[3] ?? 0
            total.selfCount += row[4]
            total.appraisedSum += row[5] ?? 0
            total.appraisedCount += row[6]
            total.pending += row[7] ?? 0
            total.rows += row[8]
            totals[year, default: [:]][unit] = total
        }
        return totals
    }

    // MARK: SIPAS

    static let sipasElements: [(column: String, element: String, name: String)] = [
        ("sipas_access", "access", "Tiếp cận dịch vụ"),
        ("sipas_procedures", "procedures", "Thủ tục hành chính"),
        ("sipas_civil_servants", "civil_servants", "Công chức giải quyết công việc"),
        ("sipas_results", "results", "Kết quả giải quyết công việc"),
        ("sipas_feedback", "feedback", "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị"),
    ]

    /// The province's SIPAS: its own survey row (unit of group "province") when present, else the
    /// mean over the surveyed units. Overall = sipas_overall, or the mean of the elements given.
    static func sipasSummary(_ survey: SurveyRows, units: UnitDirectory) -> SIPASSummary {
        let provinceRow = units.province.flatMap { survey.units[$0.code] }
        let unitRows = survey.units.filter { units.byCode[$0.key]?.group != "province" }.values.filter(\.hasSIPAS)
        var summary = SIPASSummary(source: "none", elements: [], overallPercent: nil, overallOutOf10: nil,
                                   respondents: nil, unitsSurveyed: unitRows.count)
        var values: [Double?]
        if let provinceRow, provinceRow.hasSIPAS {
            summary.source = "province"
            values = provinceRow.elements
            summary.overallPercent = provinceRow.overall
            summary.respondents = provinceRow.respondents
        } else if !unitRows.isEmpty {
            summary.source = "unit_average"
            values = (0..<sipasElements.count).map { i in mean(unitRows.compactMap { $0.elements[i] }) }
            summary.overallPercent = mean(unitRows.compactMap(\.overall))
            let counts = unitRows.compactMap(\.respondents)
            summary.respondents = counts.isEmpty ? nil : counts.reduce(0, +)
        } else {
            values = Array(repeating: nil, count: sipasElements.count)
        }
        summary.elements = sipasElements.enumerated().map { i, element in
            SIPASElement(element: element.element, name: element.name, percent: values[i].map { round($0, 2) })
        }
        summary.overallPercent = summary.overallPercent.map { round($0, 2) }
        summary.overallOutOf10 = summary.overallPercent.map { round($0 / 10, 2) }
        return summary
    }

    // MARK: Decision 06

    static func normalizedLevel(_ level: String?) -> String {
        switch level {
        case "level4", "full": return "full"
        case "level3", "partial": return "partial"
        default: return "none"
        }
    }

    static func decision06(_ db: Database, units: UnitDirectory) throws -> Decision06Summary {
        let services = try Row.fetchAll(db, sql: "SELECT id, number, name, field FROM services WHERE _cl % 2 = 1 ORDER BY number, id")
        // Each unit's latest report per service.
        var latest: [String: [String: (period: String, level: String, received: Int, online: Int)]] = [:]
        var latestPeriod: String?
        let rows = try Row.fetchCursor(db, sql: """
            SELECT unit, period, service, level, dossiers_received, dossiers_online FROM service_deployments WHERE _cl % 2 = 1
            """)
        while let row = try rows.next() {
            let unit: String = row[0], period: String = row[1], service: String = row[2]
            if let current = latest[service]?[unit], current.period >= period { continue }
            latest[service, default: [:]][unit] = (period, normalizedLevel(row[3]), row[4] ?? 0, row[5] ?? 0)
            if latestPeriod.map({ period > $0 }) ?? true { latestPeriod = period }
        }
        var byService: [ServiceDeployment] = []
        var byUnit: [String: UnitDeployment] = [:]
        for service in services {
            let id: String = service[0]
            let reports = latest[id] ?? [:]
            var entry = ServiceDeployment(service: id, number: service[1] ?? 0, name: service[2] ?? id, field: service[3],
                                          unitsReporting: reports.count, unitsFull: 0, unitsPartial: 0, unitsNone: 0,
                                          provinceLevel: "no_report", dossiersReceived: 0, dossiersOnline: 0)
            for (unit, report) in reports {
                var perUnit = byUnit[unit] ?? UnitDeployment(unit: unit, name: units.byCode[unit]?.name ?? unit, servicesReported: 0,
                                                             full: 0, partial: 0, none: 0, dossiersReceived: 0, dossiersOnline: 0)
                perUnit.servicesReported += 1
                switch report.level {
                case "full": entry.unitsFull += 1; perUnit.full += 1
                case "partial": entry.unitsPartial += 1; perUnit.partial += 1
                default: entry.unitsNone += 1; perUnit.none += 1
                }
                entry.dossiersReceived += report.received
                entry.dossiersOnline += report.online
                perUnit.dossiersReceived += report.received
                perUnit.dossiersOnline += report.online
                byUnit[unit] = perUnit
            }
            if !reports.isEmpty {
                entry.provinceLevel = entry.unitsFull == reports.count ? "full" : entry.unitsFull + entry.unitsPartial > 0 ? "partial" : "none"
            }
            byService.append(entry)
        }
        return Decision06Summary(
            services: byService.count,
            fullyOnline: byService.filter { $0.provinceLevel == "full" }.count,
            partlyOnline: byService.filter { $0.provinceLevel == "partial" }.count,
            notOnline: byService.filter { $0.provinceLevel == "none" }.count,
            noReport: byService.filter { $0.provinceLevel == "no_report" }.count,
            latestPeriod: latestPeriod, byService: byService,
            byUnit: units.sorted(Array(byUnit.values), by: \.unit))
    }

    // MARK: Tasks

    /// Each task's state on `asOf`, from its deadline and the latest report (by date, reports
    /// dated after `asOf` ignored) of its responsible unit. Reports of cooperating units are
    /// counted, not decisive. The task row's own progress fields carry no date and do not count.
    static func tasks(_ db: Database, asOf: String, units: UnitDirectory) throws -> TaskFollowUp {
        var reports: [String: [(unit: String, on: String, id: String, percent: Double?, done: Bool)]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT task, unit, reported_on, id, progress_percent, done FROM task_reports
            WHERE _cl % 2 = 1 AND reported_on <= ?
            """, arguments: [asOf]) {
            reports[row[0], default: []].append((row[1], row[2], row[3], row[4], (row[5] as Int64?) == 1))
        }
        var tasks: [TaskStatus] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT t.id, t.title, t.directive, t.responsible_unit, t.deadline, t.target FROM tasks AS t
            LEFT JOIN directives AS d ON d.id = t.directive AND d._cl % 2 = 1
            WHERE t._cl % 2 = 1 ORDER BY d.issued_on, t.directive, t.deadline, t.id
            """) {
            let id: String = row[0], unit: String = row[3], deadline: String? = row[4]
            let all = reports[id] ?? []
            let latest = all.filter { $0.unit == unit }.max { ($0.on, $0.id) < ($1.on, $1.id) }
            var status = TaskStatus(task: id, title: row[1], directive: row[2], responsibleUnit: unit,
                                    responsibleName: units.byCode[unit]?.name ?? unit, deadline: deadline, target: row[5],
                                    state: .noReport, latestReportOn: latest?.on, progressPercent: latest?.percent,
                                    late: false, daysOverdue: nil, reports: all.count)
            let pastDeadline = deadline.map { $0 < asOf } ?? false
            if let latest, latest.done || (latest.percent ?? 0) >= 100 {
                status.state = .done
                status.late = deadline.map { latest.on > $0 } ?? false
            } else if pastDeadline {
                status.state = .overdue
                status.daysOverdue = deadline.flatMap { ReportDate.days(from: $0, to: asOf) }
            } else if latest != nil {
                status.state = .onTrack
            }
            tasks.append(status)
        }
        var byUnit: [String: UnitTaskCounts] = [:]
        for task in tasks {
            var counts = byUnit[task.responsibleUnit] ?? UnitTaskCounts(unit: task.responsibleUnit, name: task.responsibleName,
                                                                         done: 0, onTrack: 0, overdue: 0, noReport: 0)
            switch task.state {
            case .done: counts.done += 1
            case .onTrack: counts.onTrack += 1
            case .overdue: counts.overdue += 1
            case .noReport: counts.noReport += 1
            }
            byUnit[task.responsibleUnit] = counts
        }
        return TaskFollowUp(asOf: asOf, done: tasks.filter { $0.state == .done }.count,
                            onTrack: tasks.filter { $0.state == .onTrack }.count,
                            overdue: tasks.filter { $0.state == .overdue }.count,
                            noReport: tasks.filter { $0.state == .noReport }.count,
                            tasks: tasks, byUnit: units.sorted(Array(byUnit.values), by: \.unit))
    }

    // MARK: Initiatives

    static func initiatives(_ db: Database, year: Int, units: UnitDirectory) throws -> InitiativeSummary {
        var byUnit: [String: UnitInitiatives] = [:]
        func entry(_ unit: String) -> UnitInitiatives {
            byUnit[unit] ?? UnitInitiatives(unit: unit, name: units.byCode[unit]?.name ?? unit, proposed: 0, recognized: 0)
        }
        var proposed = 0
        for row in try Row.fetchAll(db, sql: """
            SELECT unit FROM initiatives WHERE _cl % 2 = 1 AND year = ? AND (status IS NULL OR status <> 'withdrawn')
            """, arguments: [year]) {
            var counts = entry(row[0])
            counts.proposed += 1
            byUnit[counts.unit] = counts
            proposed += 1
        }
        var recognized = Set<String>()
        var byRecognizer: [String: Set<String>] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT initiative, unit, recognized_by FROM initiative_recognitions WHERE _cl % 2 = 1 AND year = ?
            """, arguments: [year]) {
            let initiative: String = row[0]
            byRecognizer[row[2] ?? "", default: []].insert(initiative)
            if recognized.insert(initiative).inserted {
                var counts = entry(row[1])
                counts.recognized += 1
                byUnit[counts.unit] = counts
            }
        }
        return InitiativeSummary(
            proposed: proposed, recognized: recognized.count,
            byRecognizer: byRecognizer.map { RecognizerCount(recognizedBy: $0.key, count: $0.value.count) }
                .sorted { ($1.count, $0.recognizedBy) < ($0.count, $1.recognizedBy) },
            byUnit: units.sorted(Array(byUnit.values), by: \.unit))
    }

    // MARK: External indices

    static let externalIndexNames: [(index: String, name: String)] = [
        ("PAR_INDEX", "PAR INDEX — Chỉ số cải cách hành chính"),
        ("SIPAS", "SIPAS — Chỉ số hài lòng về sự phục vụ hành chính"),
        ("PAPI", "PAPI — Chỉ số hiệu quả quản trị và hành chính công cấp tỉnh"),
        ("PCI", "PCI — Chỉ số năng lực cạnh tranh cấp tỉnh"),
    ]

    static func externalIndices(_ db: Database, year: Int) throws -> [ExternalIndexFigure] {
        var rows: [String: [Int: Row]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT "index", year, value, scale, national_rank, ranked_of, source FROM external_indices
            WHERE _cl % 2 = 1 AND year IN (?, ?)
            """, arguments: [year, year - 1]) {
            rows[row[0], default: [:]][row[1]] = row
        }
        let known = externalIndexNames.map(\.index)
        let order = known + rows.keys.filter { !known.contains($0) }.sorted()
        return order.compactMap { index -> ExternalIndexFigure? in
            guard let current = rows[index]?[year] else { return nil }
            let previous = rows[index]?[year - 1]
            let rank: Int? = current[4], previousRank: Int? = previous?[4]
            return ExternalIndexFigure(
                index: index, name: externalIndexNames.first { $0.index == index }?.name ?? index, year: year,
                value: current[2], scale: current[3], nationalRank: rank, rankedOf: current[5],
                previousValue: previous?[2], previousRank: previousRank,
                rankChange: rank.flatMap { r in previousRank.map { $0 - r } }, source: current[6])
        }
    }

    // MARK: Publication

    static func publication(_ db: Database, year: Int) throws -> PublicationInfo? {
        guard let row = try Row.fetchOne(db, sql: "SELECT published_on, decision FROM publications WHERE _cl % 2 = 1 AND year = ?",
                                         arguments: [year]) else { return nil }
        let results = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM published_results WHERE _cl % 2 = 1 AND year = ?",
                                       arguments: [year]) ?? 0
        return PublicationInfo(publishedOn: row[0], decision: row[1], results: results)
    }
}

// MARK: - Inputs

/// The live units, in display order (sort, then name).
struct UnitDirectory {
    struct Unit {
        var code: String
        var name: String
        var shortName: String?
        var group: String
        var validFrom: String?
        var validTo: String?
        var sort: Int?
    }

    let ordered: [Unit]
    let byCode: [String: Unit]
    let position: [String: Int]

    static func load(_ db: Database) throws -> UnitDirectory {
        let units = try Row.fetchAll(db, sql: """
            SELECT id, name, short_name, "group", valid_from, valid_to, sort FROM units WHERE _cl % 2 = 1
            """).map { row in
            Unit(code: row[0], name: row[1] ?? row[0], shortName: row[2], group: row[3] ?? "", validFrom: row[4], validTo: row[5], sort: row[6])
        }
        let ordered = units.sorted { ($0.sort ?? Int.max, $0.name, $0.code) < ($1.sort ?? Int.max, $1.name, $1.code) }
        return UnitDirectory(ordered: ordered, byCode: Dictionary(ordered.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a }),
                             position: Dictionary(ordered.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { a, _ in a }))
    }

    /// The unit standing for the province itself (a provincial hub holds one; a national hub,
    /// whose units are the provinces, none that stands for itself).
    var province: Unit? { isNational ? nil : ordered.first { $0.group == "province" } }

    /// A national hub's directory (Protocol §20): two or more units of group province.
    var isNational: Bool { ordered.lazy.filter { $0.group == "province" }.prefix(2).count == 2 }

    /// Groups that are ranked: departments, districts, then any other group but the province —
    /// which is ranked at a national hub, where the provinces are the units.
    var rankingGroups: [String] {
        let present = Set(ordered.map(\.group)).subtracting(isNational ? [""] : ["province", ""])
        return ["department", "district"] + present.subtracting(["department", "district"]).sorted()
    }

    /// Items in unit display order; units the directory does not know come last, by code.
    func sorted<T>(_ items: [T], by unit: KeyPath<T, String>) -> [T] {
        items.sorted { a, b in
            let x = a[keyPath: unit], y = b[keyPath: unit]
            return (position[x] ?? Int.max, x) < (position[y] ?? Int.max, y)
        }
    }
}

/// The year's survey rows by unit.
struct SurveyRows {
    struct Entry {
        var surveyPoints: Double?
        /// access, procedures, civil servants, results, feedback.
        var elements: [Double?]
        var overallGiven: Double?
        var respondents: Int?

        var hasSIPAS: Bool { overallGiven != nil || elements.contains { $0 != nil } }
        /// sipas_overall, or the mean of the elements given.
        var overall: Double? { overallGiven ?? mean(elements.compactMap { $0 }) }
    }

    var units: [String: Entry] = [:]

    static func load(_ db: Database, year: Int) throws -> SurveyRows {
        var rows = SurveyRows()
        for row in try Row.fetchAll(db, sql: """
            SELECT unit, survey_points, sipas_access, sipas_procedures, sipas_civil_servants, sipas_results, sipas_feedback,
                   sipas_overall, respondents
            FROM survey_results WHERE _cl % 2 = 1 AND year = ?
            """, arguments: [year]) {
            rows.units[row[0]] = Entry(surveyPoints: row[1], elements: (2...6).map { row[$0] }, overallGiven: row[7], respondents: row[8])
        }
        return rows
    }
}

func mean(_ values: [Double]) -> Double? {
    values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
}

/// Rounded half away from zero to `places` decimals.
func round(_ value: Double, _ places: Int) -> Double {
    let scale = pow(10, Double(places))
    return (value * scale).rounded() / scale
}
