import CRDT
import Foundation
import Hummingbird
import NodeSync
import OfficeWeb
import ReformData
import ReformsyncConfig
import Replica

/// The unit's office app, served by the daemon under `/app` from the local replica, so it keeps
/// working while the hub cannot be reached (the banner says so; writes wait for the next sync).
///
/// Every write goes through `Replica.put` (schema, season and submission rules — the same path as
/// `reformsync record put` and `PUT /records`) or the shared season actions (`submitAssessment`,
/// `explainDeduction`, as `reformsync season submit|explain`), then schedules a sync.
public struct UnitApp: Sendable {
    public let office: OfficeApp
    let replica: Replica
    let configuration: ReformsyncConfiguration
    let trigger: SyncTrigger
    let failures: FailureMemory

    public static let basePath = "/app"

    public init(replica: Replica, configuration: ReformsyncConfiguration, trigger: SyncTrigger, failures: FailureMemory,
                accounts: AccountStore) {
        self.replica = replica
        self.configuration = configuration
        self.trigger = trigger
        self.failures = failures
        var office = OfficeApp(accounts: accounts, settings: configuration.office, appName: "CCHC · \(replica.unit)", basePath: Self.basePath)
        for (name, text) in UnitTemplates.all {
            // Templates are constants of this module; the tests render every page.
            try! office.pages.register(text, named: name)
        }
        self.office = office
    }

    /// The routes: login/logout anonymous (the login form), every page behind the clerk guard,
    /// submission behind the leader guard. Declared here, grouped by guard.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        OfficeLogin.addRoutes(to: router.group("app"), app: office)

        let clerk = router.group("app").add(middleware: OfficeGuard<Context>(app: office, role: .clerk))
        clerk.get("/") { _, _ in OfficePages.redirect(Self.basePath + "/tu-danh-gia") }
        clerk.get("tu-danh-gia") { request, _ in try selfAssessmentPage(request) }
        clerk.post("tu-danh-gia/diem") { request, _ in try saveScore(request) }
        clerk.get("tu-danh-gia/csv") { request, _ in try selfAssessmentCSV(request) }
        clerk.get("tu-danh-gia/in") { request, _ in try selfAssessmentPrint(request) }
        clerk.get("giai-trinh") { request, _ in try explanationsPage(request) }
        clerk.post("giai-trinh") { request, _ in try saveExplanation(request) }
        clerk.get("de-an-06") { request, _ in try deploymentsPage(request) }
        clerk.post("de-an-06") { request, _ in try saveDeployment(request) }
        clerk.get("nhiem-vu") { request, _ in try tasksPage(request) }
        clerk.post("nhiem-vu") { request, _ in try saveTaskReport(request) }
        clerk.get("sang-kien") { request, _ in try initiativesPage(request) }
        clerk.post("sang-kien") { request, _ in try saveInitiative(request) }
        clerk.get("ket-qua") { request, _ in try resultsPage(request) }
        clerk.post("dong-bo") { request, _ in syncNow(request) }
        clerk.post("tep/them") { request, _ in try await uploadEvidence(request) }
        clerk.post("tep/xoa") { request, _ in try removeEvidence(request) }
        clerk.get("tep/:sha256") { _, context in try openEvidence(context.parameters.get("sha256") ?? "") }

        let leader = router.group("app").add(middleware: OfficeGuard<Context>(app: office, role: .leader))
        leader.post("tu-danh-gia/nop") { request, _ in try submit(request) }
    }

    var unit: String { replica.unit }

    static let nav = [
        NavLink("/app/tu-danh-gia", "Tự đánh giá"), NavLink("/app/giai-trinh", "Giải trình"), NavLink("/app/de-an-06", "Đề án 06"),
        NavLink("/app/nhiem-vu", "Nhiệm vụ"), NavLink("/app/sang-kien", "Sáng kiến"), NavLink("/app/ket-qua", "Kết quả"),
    ]

    /// A page of the app: layout, navigation, banner.
    func page(_ template: String, _ context: [String: Any], title: String, path: String, flash: String? = nil,
              status: HTTPResponse.Status = .ok) throws -> Response {
        let session = try OfficeSession.required()
        var context = context
        context["csrf"] = session.csrf
        context["isLeader"] = session.role.includes(.leader)
        return office.pages.page(template, context, title: title, session: session, nav: Self.nav, activePath: path,
                                 banner: banner(csrf: session.csrf, back: path), logoutPath: office.logoutPath, flash: flash, status: status)
    }

    /// `?nam=YYYY` (range-checked), else the year of the season in progress, else this year.
    func year(_ request: Request, form: FormBody? = nil) throws -> Int {
        if let text = form?["nam"] ?? request.uri.queryParameters["nam"].map(String.init) {
            guard let year = Int(text), (2000...2100).contains(year) else {
                throw OfficePageError.badRequest("Năm \"\(text.prefix(20))\" không hợp lệ: cần một năm từ 2000 đến 2100.")
            }
            return year
        }
        if let season = try? SeasonStatus.of(replica, unit: unit, now: Replica.systemMillis()) { return season.year }
        return Calendar(identifier: .gregorian).component(.year, from: Date())
    }

    /// After a write: the sync is scheduled (debounced), never awaited.
    func wrote() { trigger.fire(.localWrite) }

    func syncNow(_ request: Request) -> Response {
        trigger.fire(.now)
        let back = FormBody.current["back"].flatMap { $0.hasPrefix(Self.basePath + "/") && !$0.hasPrefix("//") ? $0 : nil } ?? Self.basePath + "/"
        return OfficePages.redirect(back + (back.contains("?") ? "&" : "?") + "dongbo=1")
    }
}
