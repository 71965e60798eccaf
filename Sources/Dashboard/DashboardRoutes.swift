import Aggregation
import Foundation
import GRDB
import Hub
import Hummingbird
import NIOCore

/// The hub's report over HTTP: `GET /dashboard?year=Y` (HTML) and `GET /v1/report?year=Y` (JSON),
/// both with an optional `as_of=YYYY-MM-DD` (the day tasks are judged on; default today).
///
/// Both show every unit's figures, published or not: they are for the hub's operators and the
/// steering committee. Expose them only to the hub's own network (the reverse proxy's rules);
/// nodes never need them — published results reach every unit by sync.
public enum DashboardRoutes {
    public static func add(to router: Router<BasicRequestContext>, service: HubService) {
        router.get("/") { _, _ -> Response in
            Response(status: .seeOther, headers: [.location: "/dashboard"])
        }
        router.get("dashboard") { request, _ -> Response in
            let year = try defaultYear(request, service)
            let report = try ProvinceReport.compute(reader: service.replica.writer, year: year, asOf: try asOf(request))
            let page = DashboardPage.render(report: report, nodes: try service.nodes.nodes())
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        router.get("v1/report") { request, _ -> Response in
            let year = try defaultYear(request, service)
            let report = try ProvinceReport.compute(reader: service.replica.writer, year: year, asOf: try asOf(request))
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try ReportFormat.json(report, pretty: false))))
        }
    }

    /// `?as_of=YYYY-MM-DD` (the day task deadlines are judged on), else today in Vietnam.
    static func asOf(_ request: Request) throws -> String {
        guard let text = request.uri.queryParameters["as_of"] else { return ReportDate.string(Date()) }
        guard ReportDate.date(String(text)) != nil else { throw HTTPError(.badRequest, message: "as_of must be a date YYYY-MM-DD") }
        return String(text)
    }

    /// `?year=` when given, else the latest year with self-assessments (else last year).
    static func defaultYear(_ request: Request, _ service: HubService) throws -> Int {
        if let text = request.uri.queryParameters["year"] {
            guard let year = Int(String(text)), (2000...2100).contains(year) else {
                throw HTTPError(.badRequest, message: "year must be a number between 2000 and 2100")
            }
            return year
        }
        let latest = try service.replica.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT MAX(year) FROM assessment_scores WHERE _cl % 2 = 1")
        }
        return latest ?? Calendar(identifier: .gregorian).component(.year, from: Date()) - 1
    }
}
