import Aggregation
import FileStore
import Foundation
import GRDB
import Hub
import Hummingbird
import NIOCore

/// The hub's report over HTTP: `GET /dashboard?year=Y` (HTML) and `GET /v1/report?year=Y` (JSON),
/// both with an optional `as_of=YYYY-MM-DD` (the day tasks are judged on; default today), and
/// `GET /` redirecting to the dashboard.
///
/// Both show every unit's figures, published or not: they are added to the hub's operator group,
/// so only an operator token opens them (Protocol/README.md §7.2); nodes never need them —
/// published results reach every unit by sync. A province with missing data (a fresh hub) gets
/// an empty report listing what is missing, never an error (Protocol/README.md §8.4).
public enum DashboardRoutes {
    public static func add(to operators: RouterGroup<HubRequestContext>, service: HubService) {
        operators.get("/") { _, _ -> Response in
            Response(status: .seeOther, headers: [.location: "/dashboard"])
        }
        // Every read awaits a reader connection (Protocol A.23): a report of a large province must
        // not hold a thread of Swift's cooperative pool, which the sync protocol's requests share.
        operators.get("dashboard") { request, _ -> Response in
            let (year, asOf) = try await parameters(request, service)
            let answer = try await compute(service, year: year, asOf: asOf)
            let page = DashboardPage.render(answer, nodes: try await service.nodes.nodes(), evidence: try await evidenceCounts(service))
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        operators.get("v1/report") { request, _ -> Response in
            let (year, asOf) = try await parameters(request, service)
            let answer = try await compute(service, year: year, asOf: asOf)
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try answer.json())))
        }
    }

    /// The report of `year` and what it lacks, from one snapshot; no methodology is not an error.
    static func compute(_ service: HubService, year: Int, asOf: String) async throws -> ReportAnswer {
        try await service.replica.writer.read { db in
            let missing = try ReportGap.gaps(db, year: year)
            guard !missing.contains(where: { $0.code == "no_methodology" }) else {
                return ReportAnswer(year: year, asOf: asOf, report: nil, missing: missing)
            }
            return ReportAnswer(year: year, asOf: asOf, report: try ProvinceReport.compute(db, year: year, asOf: asOf), missing: missing)
        }
    }

    /// Per unit, the evidence files its live rows refer to that the hub holds, and those it lacks.
    static func evidenceCounts(_ service: HubService) async throws -> [DashboardPage.EvidenceCount] {
        var counts: [String: DashboardPage.EvidenceCount] = [:]
        for (unit, hash) in try await service.replica.evidenceByUnit() {
            var count = counts[unit] ?? DashboardPage.EvidenceCount(unit: unit, held: 0, missing: 0)
            if SHA256Hex.isValid(hash), service.files.store.contains(hash) { count.held += 1 } else { count.missing += 1 }
            counts[unit] = count
        }
        return counts.values.sorted { $0.unit < $1.unit }
    }

    /// `?year=` and `?as_of=`, checked; a bad value is a 400 `bad_request` naming the parameter.
    static func parameters(_ request: Request, _ service: HubService) async throws -> (year: Int, asOf: String) {
        (try await defaultYear(request, service), try asOf(request))
    }

    /// `?as_of=YYYY-MM-DD` (the day task deadlines are judged on), else today in Vietnam.
    static func asOf(_ request: Request) throws -> String {
        guard let text = request.uri.queryParameters["as_of"] else { return ReportDate.string(Date()) }
        guard ReportDate.date(String(text)) != nil else { throw HubError.badRequest("as_of=\(text) is not a date YYYY-MM-DD") }
        return String(text)
    }

    /// `?year=` when given, else the latest year with self-assessments (else last year).
    static func defaultYear(_ request: Request, _ service: HubService) async throws -> Int {
        if let year = try year(request) { return year }
        return try await service.replica.writer.read { db in try latestYear(db) }
    }

    /// ``defaultYear(_:_:)`` for synchronous callers (the appraisers' app's form helpers).
    static func defaultYear(_ request: Request, _ service: HubService) throws -> Int {
        if let year = try year(request) { return year }
        return try service.replica.writer.read { db in try latestYear(db) }
    }

    /// `?year=`, checked; nil when absent.
    static func year(_ request: Request) throws -> Int? {
        guard let text = request.uri.queryParameters["year"] else { return nil }
        guard let year = Int(String(text)), (2000...2100).contains(year) else {
            throw HubError.badRequest("year=\(text) is not a year: give a number between 2000 and 2100")
        }
        return year
    }

    /// The latest year with self-assessments, else last year.
    static func latestYear(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT MAX(year) FROM assessment_scores WHERE _cl % 2 = 1")
            ?? Calendar(identifier: .gregorian).component(.year, from: Date()) - 1
    }
}

/// `GET /v1/report`'s body: the report's keys (Aggregation's JSON) plus `missing`; without a
/// methodology for the year, only `year`, `as_of`, `methodology: null`, `groups: []` and `missing`.
struct ReportAnswer: Encodable {
    var year: Int
    var asOf: String
    var report: ProvinceReport?
    var missing: [ReportGap]

    enum Keys: String, CodingKey { case year, asOf = "as_of", methodology, groups, missing }

    func encode(to encoder: any Encoder) throws {
        if let report { try report.encode(to: encoder) }
        var container = encoder.container(keyedBy: Keys.self)
        if report == nil {
            try container.encode(year, forKey: .year)
            try container.encode(asOf, forKey: .asOf)
            try container.encodeNil(forKey: .methodology)
            try container.encode([String](), forKey: .groups)
        }
        try container.encode(missing, forKey: .missing)
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
