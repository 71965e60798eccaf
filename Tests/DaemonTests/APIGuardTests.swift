import Daemon
import Foundation
import ReformsyncConfig
import Replica
import Testing
import WireProtocol

#if canImport(Glibc)
import Glibc
#endif

/// The local API's guards, over every route the router declares (read from `LocalAPI`'s own
/// router, so a route added later without a guard fails here): the API token on all but
/// `GET /health`, the Host allow-list on all, and the error envelope on every bad request.
@Suite("local API guards", .serialized, .timeLimit(.minutes(3)))
struct APIGuardTests {
    func envelope(_ response: HTTPResponse) -> (code: String?, message: String?) {
        let error = response.object?["error"] as? [String: Any]
        return (error?["code"] as? String, error?["message"] as? String)
    }

    /// Every route of the daemon, with `:table` filled in.
    func declaredRoutes(_ node: NodeHandle) throws -> [(method: String, path: String, concrete: String)] {
        let replica = try node.openReplica()
        let routes = try LocalAPI.declaredRoutes(replica: replica, configuration: ReformsyncConfiguration(dataDirectory: node.dataDirectory))
        // The office app's pages have their own guard (a session, not the API token): checked below.
        return routes.filter { !$0.path.hasPrefix("/app") }.map { ($0.method, $0.path, $0.path.replacingOccurrences(of: ":table", with: "initiatives")) }
    }

    @Test("every page of the unit's app needs a session (GET: the login page; POST: 401), only the login form is anonymous; foreign Host 421")
    func everyOfficePageGuarded() throws {
        let world = try World("pages")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        let node = try world.makeNode(hub: hub)
        let pages = try LocalAPI.declaredRoutes(replica: try node.openReplica(), configuration: ReformsyncConfiguration(dataDirectory: node.dataDirectory))
            .filter { $0.path.hasPrefix("/app") }
        #expect(pages.count >= 15, "\(pages.map { "\($0.method) \($0.path)" })")
        let daemon = try node.startDaemon()
        for page in pages {
            let label = "\(page.method) \(page.path)"
            let anonymous = try daemon.anonymous(page.method, page.path)
            switch (page.method, page.path) {
            case ("GET", "/app/login"):
                #expect(anonymous.status == 200 && anonymous.text.contains("Đăng nhập"), "\(label): \(anonymous)")
            case ("POST", "/app/login"):
                #expect(anonymous.status == 401 && anonymous.text.contains("không đúng"), "\(label): \(anonymous)")
            case ("POST", "/app/logout"):
                #expect(anonymous.status == 303, "\(label): \(anonymous)")
            case ("GET", _):
                #expect(anonymous.status == 303 && anonymous.headers["location"]?.hasPrefix("/app/login?next=") == true, "\(label): \(anonymous)")
            default:
                #expect(anonymous.status == 401 && anonymous.text.contains("Phiên đăng nhập đã hết hạn"), "\(label): \(anonymous)")
            }
            // With the API token but no session: still no page (the token is for programs).
            let withToken = try daemon.request(page.method, page.path)
            if page.path != "/app/login" && page.path != "/app/logout" {
                #expect(withToken.status == 303 || withToken.status == 401, "\(label) with the API token: \(withToken)")
            }
            let foreign = try daemon.anonymous(page.method, page.path, host: "evil.example")
            #expect(foreign.status == 421, "\(label) with a foreign Host: \(foreign)")
        }
        // Login CSRF: a login (or logout) form posted by another site's page is refused before any
        // password is checked; the app's own page (same Origin host, any port) and programs pass.
        let form = Data("username=ai.do&password=0123456789".utf8)
        let urlencoded = ("Content-Type", "application/x-www-form-urlencoded")
        let port = try #require(daemon.api.flatMap { URL(string: $0)?.port })
        for (name, value) in [("Origin", "http://evil.example"), ("Origin", "null"), ("Origin", "http://127.0.0.1.evil.example:\(port)"),
                              ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Site", "same-site")] {
            for path in ["/app/login", "/app/logout"] {
                let crossed = try http("POST", daemon.api!, path, body: form, headers: [urlencoded, (name, value)])
                #expect(crossed.status == 403 && crossed.text.contains("trang web khác"), "POST \(path) with \(name): \(value): \(crossed)")
            }
        }
        for origin in ["http://127.0.0.1:\(port)", "https://127.0.0.1"] {
            let own = try http("POST", daemon.api!, "/app/login", body: Data("username=binh.le&password=0123456789".utf8), headers: [urlencoded, ("Origin", origin), ("Sec-Fetch-Site", "same-origin")])
            #expect(own.status == 401 && own.text.contains("không đúng"), "Origin \(origin): \(own)")
        }
        // Login rate limiting: five failures for one name, then that name is refused (429) for a while.
        for attempt in 1...5 {
            let failed = try http("POST", daemon.api!, "/app/login", body: form, headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(failed.status == 401, "attempt \(attempt): \(failed)")
        }
        let locked = try http("POST", daemon.api!, "/app/login", body: form, headers: [("Content-Type", "application/x-www-form-urlencoded")])
        #expect(locked.status == 429 && locked.text.contains("quá nhiều lần"), "\(locked)")
    }

    @Test("every route refuses an anonymous request (only GET /health answers) and a foreign Host, even with the token")
    func everyRouteGuarded() throws {
        let world = try World("guards")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        let node = try world.makeNode(hub: hub, settings: ["api.allowed_hosts": "[reformsync.sonduong.local]"])
        let routes = try declaredRoutes(node)
        #expect(routes.count >= 7, "the router declares \(routes.map { "\($0.method) \($0.path)" })")
        let daemon = try node.startDaemon()
        let port = try #require(daemon.api.flatMap { URL(string: $0)?.port })

        for route in routes {
            let label = "\(route.method) \(route.path)"
            let anonymous = try daemon.anonymous(route.method, route.concrete)
            if route.method == "GET" && route.path == "/health" {
                #expect(anonymous.status == 200, "\(label) is the one anonymous route: \(anonymous)")
            } else {
                #expect(anonymous.status == 401, "\(label) answered a request without token: \(anonymous)")
                #expect(envelope(anonymous).code == "unauthorized", "\(label): \(anonymous)")
                #expect(envelope(anonymous).message?.contains("api-token") == true, "\(label): \(anonymous)")
                #expect(anonymous.headers["www-authenticate"] == "Bearer realm=\"reformsync node\"", "\(label): \(anonymous.headers)")
                let wrong = try http(route.method, daemon.api!, route.concrete, headers: [("Authorization", "Bearer rsapi_" + String(repeating: "0", count: 64))])
                #expect(wrong.status == 401 && envelope(wrong).code == "unauthorized", "\(label) with a wrong token: \(wrong)")
                let basic = try http(route.method, daemon.api!, route.concrete, headers: [("Authorization", "Basic \(daemon.token)")])
                #expect(basic.status == 401, "\(label) with the token as Basic: \(basic)")
            }
            // DNS rebinding: a foreign name in Host is refused before anything else, token or not.
            for host in ["evil.example", "evil.example:\(port)", "127.0.0.1.evil.example:\(port)", "127.0.0.1:\(port + 1)"] {
                let foreign = try daemon.request(route.method, route.concrete, host: host)
                #expect(foreign.status == 421, "\(label) with Host \(host): \(foreign)")
                #expect(envelope(foreign).code == "host_not_allowed", "\(label) with Host \(host): \(foreign)")
                #expect(envelope(foreign).message?.contains("api.allowed_hosts") == true, "\(foreign)")
            }
        }
        // The names the API is reached by, with or without the port; and the configured extra one.
        for host in ["127.0.0.1", "127.0.0.1:\(port)", "localhost", "LOCALHOST:\(port)", "[::1]", "[::1]:\(port)",
                     "reformsync.sonduong.local", "reformsync.sonduong.local:\(port)"] {
            let allowed = try daemon.request("GET", "/status", host: host)
            #expect(allowed.status == 200, "Host \(host): \(allowed)")
        }
        let noHost = try daemon.request("GET", "/health", host: "")
        #expect(noHost.status == 421 || noHost.status == 400, "no Host header: \(noHost)")
    }

    @Test("api-token: 0600 file made at init, printed by the command, rotated without restarting the daemon")
    func tokenFile() throws {
        let world = try World("apitoken")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        let node = try world.makeNode(hub: hub)
        let file = node.dataDirectory + "/api-token"
        var info = stat()
        #expect(stat(file, &info) == 0, "init made no api-token")
        #expect(info.st_mode & 0o777 == 0o600, "api-token mode \(String(info.st_mode & 0o777, radix: 8))")
        let printed = node.run(["api-token"])
        #expect(printed.code == 0, "\(printed)")
        let token = printed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("rsapi_") && token.count > 40, "\(token)")

        // A data dir without the file (an older node): the daemon creates it at start, 0600.
        try FileManager.default.removeItem(atPath: file)
        let daemon = try node.startDaemon()
        #expect(stat(file, &info) == 0 && info.st_mode & 0o777 == 0o600, "the daemon did not create api-token 0600")
        let first = daemon.token
        #expect(first != token && !first.isEmpty)
        #expect(try daemon.request("GET", "/status").status == 200)

        let rotated = node.run(["api-token", "--rotate"])
        #expect(rotated.code == 0, "\(rotated)")
        let second = rotated.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(second != first && second == daemon.token)
        #expect(stat(file, &info) == 0 && info.st_mode & 0o777 == 0o600, "rotation left mode \(String(info.st_mode & 0o777, radix: 8))")
        let old = try http("GET", daemon.api!, "/status", headers: [("Authorization", "Bearer \(first)")])
        #expect(old.status == 401, "the rotated-out token still works: \(old)")
        #expect(try daemon.request("GET", "/status").status == 200, "the new token is refused")
    }

    /// One bad request per route, each answered with its status and the envelope; a route with
    /// no bad request listed here fails the test, so a new route must bring its own.
    @Test("every route answers bad requests with the right status and the {error:{code,message}} envelope")
    func everyRouteBadRequests() throws {
        let world = try World("badreq")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        let node = try world.makeNode(hub: hub)
        let routes = try declaredRoutes(node)
        let daemon = try node.startDaemon()
        let huge = "9" + String(repeating: "9", count: 30)
        let bad: [String: [(method: String, path: String, body: String?, status: Int, code: String)]] = [
            "GET /health": [("DELETE", "/health", nil, 405, "method_not_allowed")],
            "GET /status": [("PUT", "/status", "{}", 405, "method_not_allowed")],
            "GET /metrics": [("POST", "/metrics", nil, 405, "method_not_allowed")],
            "POST /sync": [("POST", "/sync?wait=maybe", nil, 400, "bad_parameter"), ("GET", "/sync", nil, 405, "method_not_allowed")],
            "GET /records/:table": [
                ("GET", "/records/initiatives?limit=abc", nil, 400, "bad_parameter"),
                ("GET", "/records/initiatives?limit=-1", nil, 400, "bad_parameter"),
                ("GET", "/records/initiatives?limit=0", nil, 400, "bad_parameter"),
                ("GET", "/records/initiatives?limit=\(huge)", nil, 400, "bad_parameter"),
                ("GET", "/records/initiatives?colour=red", nil, 400, "unknown_field"),
                ("GET", "/records/initiatives?year=abc", nil, 400, "bad_parameter"),
                ("GET", "/records/initiatives?year=\(huge)", nil, 400, "bad_parameter"),
                ("GET", "/records/nosuch", nil, 404, "unknown_table"),
                ("GET", "/records/initiatives?id=SD-NONE", nil, 404, "not_found"),
            ],
            "PUT /records/:table": [
                ("PUT", "/records/initiatives", "{\"id\": ", 400, "bad_json"),
                ("PUT", "/records/initiatives", "", 400, "bad_json"),
                ("PUT", "/records/initiatives", "[1]", 400, "bad_json"),
                ("PUT", "/records/initiatives", #"{"id":"SD-1","unit":"SONDUONG","year":99999,"title":"x"}"#, 422, "invalid_record"),
                ("PUT", "/records/nosuch", "{}", 404, "unknown_table"),
            ],
            "DELETE /records/:table": [
                ("DELETE", "/records/initiatives", nil, 400, "bad_parameter"),
                ("DELETE", "/records/initiatives?id=SD-NONE", nil, 404, "not_found"),
            ],
            "POST /records/:table/files": [
                ("POST", "/records/initiatives/files?name=a.pdf", "%PDF-", 400, "bad_parameter"),
                ("POST", "/records/initiatives/files?id=SD-1", "%PDF-", 400, "bad_parameter"),
                ("POST", "/records/nosuch/files?id=SD-1&name=a.pdf", "%PDF-", 404, "unknown_table"),
                ("POST", "/records/initiatives/files?id=SD-NONE&name=a.pdf", "%PDF-", 422, "refused"),
            ],
            "GET /records/:table/files": [
                ("GET", "/records/initiatives/files", nil, 400, "bad_parameter"),
                ("GET", "/records/nosuch/files?id=SD-1", nil, 404, "unknown_table"),
            ],
            "GET /files/:sha256": [
                ("GET", "/files/not-a-hash", nil, 404, "file_not_found"),
                ("DELETE", "/files/\(String(repeating: "ab", count: 32))", nil, 405, "method_not_allowed"),
            ],
        ]
        for route in routes {
            let key = "\(route.method) \(route.path)"
            let cases = try #require(bad[key], "route \(key) has no bad request in this test: add one")
            for item in cases {
                let response = try daemon.request(item.method, item.path, body: item.body.map { Data($0.utf8) })
                let (code, message) = envelope(response)
                #expect(response.status == item.status, "\(item.method) \(item.path): \(response)")
                #expect(code == item.code, "\(item.method) \(item.path): \(response)")
                #expect((message ?? "").count > 10, "\(item.method) \(item.path): no message: \(response)")
                #expect(response.headers["content-type"]?.hasPrefix("application/json") == true, "\(item.method) \(item.path)")
            }
        }
        // The router's own errors: unknown route, wrong method (with Allow), a body beyond 16 MiB.
        let unknown = try daemon.request("GET", "/nothing-here")
        #expect(unknown.status == 404 && envelope(unknown).code == "not_found", "\(unknown)")
        let wrongMethod = try daemon.request("PATCH", "/records/initiatives")
        #expect(wrongMethod.status == 405 && wrongMethod.headers["allow"]?.contains("PUT") == true, "\(wrongMethod)")
        let tooLarge = try daemon.request("PUT", "/records/initiatives", body: Data(repeating: 0x20, count: (16 << 20) + 1024), timeout: 60)
        #expect(tooLarge.status == 413 && envelope(tooLarge).code == "body_too_large", "\(tooLarge)")
        // A gzip body that expands beyond the limit (a 32 MiB bomb in some 32 kB): 413 too.
        let bomb = try Gzip.compress([UInt8](repeating: 0x20, count: 32 << 20))
        let exploded = try daemon.request("PUT", "/records/initiatives", body: Data(bomb), headers: [("Content-Encoding", "gzip")])
        #expect(bomb.count < 1 << 20 && exploded.status == 413 && envelope(exploded).code == "body_too_large", "\(exploded)")
        let broken = try daemon.request("PUT", "/records/initiatives", body: Data(bomb.prefix(100)), headers: [("Content-Encoding", "gzip")])
        #expect(broken.status == 400 && envelope(broken).code == "bad_request", "\(broken)")
        #expect(daemon.isRunning)
        #expect(try node.count("initiatives") == 0, "a refused request stored something")
    }
}
