import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ReformsyncConfig

/// An office web app's common parts: its accounts, login throttle, session settings, page
/// renderer, and where it is mounted (`basePath`, e.g. `/app` at a node).
public struct OfficeApp: Sendable {
    public let accounts: AccountStore
    public let throttle: LoginThrottle
    public let settings: OfficeSettings
    public var pages: OfficePages
    public let basePath: String
    /// The cookie's name; `__Host-` prefixed when Secure (the browser then refuses it from a subdomain).
    public var cookieName: String { settings.secureCookies ? "__Host-reformsync_session" : "reformsync_session" }
    public var loginPath: String { basePath + "/login" }
    public var logoutPath: String { basePath + "/logout" }
    /// The most a form body may be (an upload has its own limit).
    public static let maxFormBytes = 1 << 20

    public init(accounts: AccountStore, settings: OfficeSettings, appName: String, basePath: String, throttle: LoginThrottle = LoginThrottle()) {
        self.accounts = accounts
        self.settings = settings
        self.throttle = throttle
        self.basePath = basePath
        pages = OfficePages(appName: appName)
    }

    var idleMillis: Int64 { Int64(settings.sessionIdleMinutes) * 60_000 }
    var maxMillis: Int64 { Int64(settings.sessionMaxHours) * 3_600_000 }

    /// The session a request's cookie names, if live.
    public func session(of request: Request) -> OfficeSession? {
        guard let cookie = request.cookies[cookieName]?.value, !cookie.isEmpty else { return nil }
        return try? accounts.session(cookie: cookie, idleMillis: idleMillis, maxMillis: maxMillis)
    }

    func sessionCookie(_ value: String, maxAge: Int) -> Cookie {
        Cookie(name: cookieName, value: value, maxAge: maxAge, path: "/", secure: settings.secureCookies, httpOnly: true, sameSite: .strict)
    }

    /// The client's address for rate limiting ("unknown" when the context does not carry it).
    static func address<Context: RequestContext>(_ context: Context) -> String {
        (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress ?? "unknown"
    }

    /// A path inside this app given by the browser (`next`), or the home page: never another site.
    func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix(basePath + "/") || next == basePath, !next.hasPrefix("//"), !next.contains("\\"),
              !next.contains("\r"), !next.contains("\n") else { return basePath + "/" }
        return next
    }

    /// Reads a urlencoded form body (at most ``maxFormBytes``).
    public static func readForm(_ request: inout Request) async throws -> FormBody {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else { return FormBody() }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maxFormBytes) } catch {
            throw OfficePageError(status: 413, title: "Dữ liệu quá lớn", message: "Biểu mẫu gửi lên vượt quá \(maxFormBytes / 1024) KB.")
        }
        request.body = .init(buffer: buffer)
        return FormBody(encoded: String(buffer: buffer))
    }

    /// Whether a POST was sent by another site's page. Logging in and out have no session token to
    /// check yet, so a foreign page could otherwise log a clerk into the attacker's account (login
    /// CSRF); every POST is checked the same way, on top of its CSRF token. Browsers say where a
    /// request came from in `Sec-Fetch-Site` and `Origin`: a cross-site or same-site (another host
    /// of the same domain) sender, or an `Origin` whose host is not the one in `Host`,
    /// is refused. Programs that send neither header are not browsers and pass.
    public static func crossSite(_ request: Request) -> Bool {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased(), site == "cross-site" || site == "same-site" {
            return true
        }
        guard let origin = request.headers[HTTPField.Name("Origin")!] else { return false }
        // "null" is sent by sandboxed and privacy-sensitive contexts: never this app's own page.
        guard let url = URL(string: origin), let originHost = url.host?.lowercased(),
              let authority = request.head.authority?.lowercased() else { return true }
        // Hosts only: a reverse proxy forwards `Host` without the public port (nginx's `$host`).
        var host = Substring(authority)
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") { host = authority[..<colon] }
        return host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")) != originHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
    }

    /// The page answering a cross-site POST (``crossSite(_:)``).
    public func crossSitePage() -> Response {
        pages.errorPage(.forbidden("Yêu cầu gửi từ một trang web khác đã bị từ chối. Hãy mở ứng dụng trực tiếp rồi thử lại."), home: loginPath)
    }

    /// Constant-time comparison of a CSRF token.
    static func sameToken(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count, !x.isEmpty else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
