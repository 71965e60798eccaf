import Aggregation
import Foundation
import GRDB
import Hub
import Hummingbird
import NIOCore

/// The hub's report over HTTP: `GET /dashboard?year=Y` (HTML) and `GET /v1/report?year=Y` (JSON).
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
            let report = try ProvinceReport.compute(replica: service.replica, year: year)
            let page = DashboardPage.render(report: report, nodes: try service.nodes.nodes())
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        router.get("v1/report") { request, _ -> Response in
            let year = try defaultYear(request, service)
            let report = try ProvinceReport.compute(replica: service.replica, year: year)
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try ReportFormat.json(report, pretty: false))))
        }
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
