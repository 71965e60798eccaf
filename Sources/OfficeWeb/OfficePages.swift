import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// One link of an app's navigation bar.
public struct NavLink: Sendable {
    public var href: String
    public var label: String
    public init(_ href: String, _ label: String) {
        self.href = href
        self.label = label
    }
}

/// Server-side rendering of an office app's pages: Mustache templates (HTML-escaped by default)
/// inside the shared layout.
public struct OfficePages: Sendable {
    var library: MustacheLibrary
    public let appName: String

    public init(appName: String) {
        self.appName = appName
        library = MustacheLibrary()
        for (name, text) in [("layout", OfficeTemplates.layout), ("login", OfficeTemplates.login), ("error", OfficeTemplates.error)] {
            // The shared templates are constants of this module: a syntax error is a bug caught by the tests.
            try! library.register(text, named: name)
        }
    }

    /// Adds an app's page template; its syntax is checked now.
    public mutating func register(_ template: String, named name: String) throws {
        try library.register(template, named: name)
    }

    /// Renders `template` with `context`, without the layout.
    public func fragment(_ template: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: template) ?? "<p class=\"error\">(template \(template) missing)</p>"
    }

    /// A whole page: `template` rendered with `context`, inside the layout with the session's
    /// user, the navigation (`active` marks the current link) and the banner's HTML.
    public func page(_ template: String, _ context: [String: Any], title: String, session: OfficeSession?, nav: [NavLink] = [],
                     activePath: String? = nil, banner: String? = nil, logoutPath: String = "", flash: String? = nil,
                     status: HTTPResponse.Status = .ok) -> Response {
        Self.html(pageHTML(template, context, title: title, session: session, nav: nav, activePath: activePath, banner: banner,
                           logoutPath: logoutPath, flash: flash), status: status)
    }

    /// The HTML of ``page(_:_:title:session:nav:activePath:banner:logoutPath:flash:status:)``.
    public func pageHTML(_ template: String, _ context: [String: Any], title: String, session: OfficeSession?, nav: [NavLink] = [],
                         activePath: String? = nil, banner: String? = nil, logoutPath: String = "", flash: String? = nil) -> String {
        let content = fragment(template, context)
        var layout: [String: Any] = ["title": title, "appName": appName, "content": content, "logoutPath": logoutPath]
        if let session {
            layout["user"] = session.account
            layout["roleLabel"] = session.role.label
            layout["csrf"] = session.csrf
            layout["nav"] = nav.map { ["href": $0.href, "label": $0.label, "active": $0.href == activePath] as [String: Any] }
        }
        if let banner { layout["banner"] = banner }
        if let flash { layout["flash"] = flash }
        return library.render(layout, withTemplate: "layout") ?? content
    }

    /// The error page for `error`.
    public func errorPage(_ error: OfficePageError, home: String, session: OfficeSession? = nil, logoutPath: String = "") -> Response {
        page("error", ["title": error.title, "message": error.message, "home": home], title: error.title, session: session,
             logoutPath: logoutPath, status: HTTPResponse.Status(code: error.status))
    }

    /// An HTML response with the headers every office page carries: no caching (pages show
    /// personal data), no framing, no referrer sent to other sites, and a policy that allows
    /// nothing from elsewhere. The referrer policy is `same-origin`, not `no-referrer`: under
    /// `no-referrer` a browser sends `Origin: null` with the app's own forms, and the app could no
    /// longer tell them from another site's (``OfficeApp/crossSite(_:)``).
    public static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var response = Response(status: status, headers: securityHeaders, body: .init(byteBuffer: ByteBuffer(string: text)))
        response.headers[.contentType] = "text/html; charset=utf-8"
        return response
    }

    public static var securityHeaders: HTTPFields {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return headers
    }

    /// 303 See Other to `location` (after a POST, so a reload does not post again).
    public static func redirect(_ location: String) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }
}
