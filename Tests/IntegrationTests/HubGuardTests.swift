import CRDT
import Foundation
import GRDB
import ReformData
import Replica
import Testing
import WireProtocol

extension HubProcess {
    /// `hub token create --operator`: a token for the dashboard, the report and /metrics.
    func createOperatorToken(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = run(["hub", "token", "create", "--operator", "--note", "tests"], sourceLocation: sourceLocation)
        try #require(result.code == 0, "token create --operator failed: \(result)", sourceLocation: sourceLocation)
        let token = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(token.hasPrefix("rs1_"), "unexpected token \(token)", sourceLocation: sourceLocation)
        return token
    }

    /// `hub routes --json`: every route of the hub's router with the group that guards it.
    func routes(sourceLocation: SourceLocation = #_sourceLocation) throws -> [(method: String, path: String, audience: String)] {
        let result = run(["hub", "routes", "--json"], sourceLocation: sourceLocation)
        try #require(result.code == 0, "hub routes failed: \(result)", sourceLocation: sourceLocation)
        let list = try #require(parseJSON(result.stdout) as? [[String: String]], "\(result.stdout)", sourceLocation: sourceLocation)
        return list.map { ($0["method"] ?? "", $0["path"] ?? "", $0["audience"] ?? "") }
    }

    func http(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) throws -> RawResponse {
        try rawHTTP(method, url, path, headers: headers, body: body)
    }
}

/// A handshake body for `unit` claiming `site`.
func handshakeJSON(site: String, unit: String) -> [UInt8] {
    Array(#"{"protocol_min":1,"protocol_max":1,"schema":\#(ReformSchema.version),"site":"\#(site)","unit":"\#(unit)","node_time_ms":\#(Int64(Date().timeIntervalSince1970 * 1000)),"software":"reformsync-tests"}"#.utf8)
}

extension EndToEnd {
    @Suite("the hub's guards: route groups, credentials, error envelopes")
    struct HubGuards {
        /// Every route the hub's router holds (listed by `hub routes`, built by the same code as
        /// `reformsync hub`) refuses an anonymous request, except liveness; node tokens never open
        /// operator routes and operator tokens never open node routes.
        @Test("every route refuses anonymous requests (only /v1/health is open); token kinds never cross")
        func everyRouteGuarded() throws {
            let world = try World("guards")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let node = try world.makeNode("SONDUONG", hub: hub)
            let operatorToken = try hub.createOperatorToken()
            let routes = try hub.routes()

            let anonymous = routes.filter { $0.audience == "anonymous" }.map { "\($0.method) \($0.path)" }
            #expect(anonymous == ["GET /v1/health"], "only liveness is anonymous: \(routes)")
            #expect(Set(routes.filter { $0.audience == "node" }.map { "\($0.method) \($0.path)" })
                    == ["POST /v1/handshake", "POST /v1/push", "GET /v1/pull",
                        "POST /v1/files/status", "PUT /v1/files/{sha256}", "GET /v1/files/{sha256}",
                        "GET /v1/snapshot", "GET /v1/snapshot/{id}"], "\(routes)")
            #expect(Set(routes.filter { $0.audience == "operator" }.map { "\($0.method) \($0.path)" })
                    .isSuperset(of: ["GET /", "GET /dashboard", "GET /v1/report", "GET /metrics", "GET /files/{sha256}"]), "\(routes)")
            #expect(routes.allSatisfy { ["anonymous", "node", "operator", "office"].contains($0.audience) }, "\(routes)")
            // The appraisers' app (office sessions, not tokens) is probed route by route in HubAppTests.
            #expect(routes.filter { $0.audience == "office" }.allSatisfy { $0.path.hasPrefix("/app") }, "\(routes)")

            for var route in routes where route.audience != "office" {
                // Path parameters get a value of the right shape (a file nobody attached).
                let parameterised = route.path.contains("{sha256}")
                route.path = route.path.replacingOccurrences(of: "{sha256}", with: String(repeating: "ab", count: 32))
                let what = "\(route.method) \(route.path) (\(route.audience))"
                let body: [UInt8]? = route.method == "POST" ? Array("{}".utf8) : nil
                let bare = try hub.http(route.method, route.path, body: body)
                if route.audience == "anonymous" {
                    #expect(bare.status == 200, "\(what): \(bare)")
                    continue
                }
                #expect(bare.status == 401, "\(what) answered an anonymous request: \(bare)")
                #expect(bare.envelope?.code == "unauthorized", "\(what): \(bare)")
                // Every 401 says how to authenticate (RFC 9110 §11.6.1): Bearer for nodes, Basic for operators.
                #expect(bare.headers["www-authenticate"]?.hasPrefix(route.audience == "node" ? "Bearer realm=" : "Basic realm=") == true,
                        "\(what): \(bare.headers)")
                // A wrong token of the right shape is no better.
                let forged = try hub.http(route.method, route.path, headers: Auth.bearer("rs1_00000000_forged"), body: body)
                #expect(forged.status == 401 && forged.envelope?.code == "unauthorized", "\(what): \(forged)")
                if route.audience == "operator" {
                    #expect(bare.headers["www-authenticate"]?.hasPrefix("Basic realm=\"reformsync hub\"") == true,
                            "\(what): a browser must be asked for the operator token: \(bare.headers)")
                    for credential in [Auth.bearer(node.token), Auth.basic("op", node.token)] {
                        let crossed = try hub.http(route.method, route.path, headers: credential)
                        #expect(crossed.status == 403 && crossed.envelope?.code == "forbidden", "\(what) with a node token: \(crossed)")
                    }
                    for credential in [Auth.bearer(operatorToken), Auth.basic("anyone", operatorToken)] {
                        let opened = try hub.http(route.method, route.path, headers: credential)
                        // Past the guard: a file nobody attached is the route's own 404.
                        #expect(parameterised ? opened.status == 404 && opened.envelope?.code == "file_not_found" : [200, 303].contains(opened.status),
                                "\(what) with the operator token: \(opened)")
                    }
                } else {
                    for credential in [Auth.bearer(operatorToken), Auth.basic("op", operatorToken)] {
                        let crossed = try hub.http(route.method, route.path, headers: credential, body: body)
                        #expect([401, 403].contains(crossed.status) && crossed.envelope != nil, "\(what) with the operator token: \(crossed)")
                    }
                    let crossed = try hub.http(route.method, route.path, headers: Auth.bearer(operatorToken), body: body)
                    #expect(crossed.status == 403 && crossed.envelope?.code == "forbidden", "\(what) with an operator bearer token: \(crossed)")
                }
            }
            // Malformed credentials are 401 with the envelope, never a crash.
            for header in ["Basic !!!not-base64", "Basic " + Data("no-colon".utf8).base64EncodedString(), "Basic " + Data("user:".utf8).base64EncodedString(),
                           "Bearer ", "Bearer", "Digest abc", "Basic " + String(repeating: "QUFB", count: 4000)] {
                let answer = try hub.http("GET", "/dashboard", headers: [("Authorization", header)])
                #expect(answer.status == 401 && answer.envelope?.code == "unauthorized", "\(header.prefix(40)): \(answer)")
            }
            // The node token still works where it belongs: a full sync round.
            node.sync()
            // Revoked operator token: refused at once.
            let listed = hub.run(["hub", "token", "list"])
            #expect(listed.stdout.contains("operator") && listed.stdout.contains("node"), "token list shows kinds: \(listed)")
            let id = try #require(operatorToken.split(separator: "_").dropFirst().first.map(String.init))
            #expect(hub.run(["hub", "token", "revoke", id]).code == 0)
            let revoked = try hub.http("GET", "/dashboard", headers: Auth.bearer(operatorToken))
            #expect(revoked.status == 401, "\(revoked)")
        }

        /// A hub file made before token kinds: its `_hub_tokens` has no `kind` column. The hub adds
        /// it (ALTER TABLE) on open; every existing token is a node token and keeps working.
        @Test("an older hub file gets the token kind column; its tokens stay node tokens")
        func tokenKindMigration() throws {
            let world = try World("tokenkinds")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            let node = try world.makeNode("SONDUONG", hub: hub)
            // Back to the old shape, rows kept.
            let queue = try DatabaseQueue(path: hub.replicaPath)
            try queue.write { db in
                try db.execute(sql: """
                    CREATE TABLE old_tokens (id TEXT PRIMARY KEY, unit TEXT NOT NULL, hash BLOB NOT NULL,
                                             created_at TEXT NOT NULL, revoked_at TEXT, note TEXT);
                    INSERT INTO old_tokens SELECT id, unit, hash, created_at, revoked_at, note FROM _hub_tokens;
                    DROP TABLE _hub_tokens;
                    ALTER TABLE old_tokens RENAME TO _hub_tokens;
                    """)
                #expect(try !db.columns(in: "_hub_tokens").contains { $0.name == "kind" })
            }
            try queue.close()
            try hub.start()
            node.follow(hub)
            node.sync()
            let columns = try readOnlyQueue(hub.replicaPath).read { db in try db.columns(in: "_hub_tokens").map(\.name) }
            #expect(columns.contains("kind"), "\(columns)")
            let listed = hub.run(["hub", "token", "list"])
            #expect(listed.code == 0 && listed.stdout.contains("node") && listed.stdout.contains("SONDUONG"), "\(listed)")
            let crossed = try hub.http("GET", "/dashboard", headers: Auth.bearer(node.token))
            #expect(crossed.status == 403, "an old token is a node token: \(crossed)")
        }

        /// Every route, given a bad request, answers with the envelope (code and message): wrong
        /// method (405 with Allow), unknown route (404), bad query, bad body, too large a body.
        @Test("every route answers a bad request with the JSON envelope")
        func badRequestsGetTheEnvelope() throws {
            let world = try World("envelopes")
            defer { world.shutdown() }
            let hub = try world.makeHub(maxBodyBytes: 64 << 10)
            try hub.start()
            let node = try world.makeNode("SONDUONG", hub: hub)
            let operatorToken = try hub.createOperatorToken()
            let routes = try hub.routes()
            func credential(_ audience: String) -> [(String, String)] {
                audience == "node" ? Auth.bearer(node.token) : audience == "operator" ? Auth.bearer(operatorToken) : []
            }
            struct Case { var method: String; var path: String; var headers: [(String, String)]; var body: [UInt8]?; var status: Int; var code: String }
            var cases: [Case] = []
            // A wrong method on every route.
            for route in routes {
                // A method the path does not take (PUT and GET share /v1/files/{sha256}).
                let taken = Set(routes.filter { $0.path == route.path }.map(\.method))
                let method = taken.contains("GET") ? "DELETE" : "GET"
                cases.append(Case(method: method, path: route.path, headers: credential(route.audience), body: nil, status: 405, code: "method_not_allowed"))
            }
            let nodeAuth = credential("node"), opAuth = credential("operator")
            cases += [
                Case(method: "GET", path: "/no/such/route", headers: [], body: nil, status: 404, code: "not_found"),
                Case(method: "GET", path: "/v1/no-such", headers: opAuth, body: nil, status: 404, code: "not_found"),
                Case(method: "POST", path: "/v1/handshake", headers: nodeAuth, body: Array("not json".utf8), status: 400, code: "bad_request"),
                Case(method: "POST", path: "/v1/push", headers: nodeAuth, body: Array("[1]".utf8), status: 400, code: "bad_request"),
                Case(method: "POST", path: "/v1/push", headers: nodeAuth, body: [UInt8](repeating: 0x20, count: 80 << 10), status: 413, code: "body_too_large"),
                Case(method: "POST", path: "/v1/push", headers: nodeAuth + [("Content-Encoding", "br")], body: Array("{}".utf8), status: 415, code: "unsupported_encoding"),
                Case(method: "GET", path: "/v1/pull?baseline=abc", headers: nodeAuth, body: nil, status: 400, code: "bad_request"),
                Case(method: "GET", path: "/v1/pull?site=xyz", headers: nodeAuth, body: nil, status: 400, code: "bad_request"),
                Case(method: "GET", path: "/v1/report?year=abc", headers: opAuth, body: nil, status: 400, code: "bad_request"),
                Case(method: "GET", path: "/v1/report?year=2021&as_of=yesterday", headers: opAuth, body: nil, status: 400, code: "bad_request"),
                Case(method: "GET", path: "/dashboard?year=99999", headers: opAuth, body: nil, status: 400, code: "bad_request"),
                // Evidence files (Protocol §16).
                Case(method: "GET", path: "/v1/files/not-a-hash", headers: nodeAuth, body: nil, status: 400, code: "bad_request"),
                Case(method: "GET", path: "/files/ABCD", headers: opAuth, body: nil, status: 400, code: "bad_request"),
                Case(method: "PUT", path: "/v1/files/\(String(repeating: "ab", count: 32))", headers: nodeAuth, body: [1], status: 400, code: "bad_request"),
                Case(method: "PUT", path: "/v1/files/\(String(repeating: "ab", count: 32))?offset=-1", headers: nodeAuth, body: [1], status: 400, code: "bad_request"),
                Case(method: "PUT", path: "/v1/files/\(String(repeating: "ab", count: 32))?offset=0", headers: nodeAuth, body: [1], status: 404, code: "file_not_found"),
                Case(method: "POST", path: "/v1/files/status", headers: nodeAuth, body: Array("{\"sha256\":[\"x\"]}".utf8), status: 400, code: "bad_request"),
                Case(method: "POST", path: "/v1/files/status", headers: nodeAuth, body: Array("{\"sha256\":7}".utf8), status: 400, code: "bad_request"),
            ]
            for test in cases {
                let answer = try hub.http(test.method, test.path, headers: test.headers, body: test.body)
                let what = "\(test.method) \(test.path)"
                #expect(answer.status == test.status, "\(what): \(answer)")
                #expect(answer.envelope?.code == test.code, "\(what): no envelope with code \(test.code): \(answer)")
                #expect(answer.headers["content-type"]?.hasPrefix("application/json") == true, "\(what): \(answer.headers)")
                if test.status == 405 { #expect(answer.headers["allow"] != nil, "\(what): 405 names the allowed methods") }
            }
            #expect(hub.isRunning)
            #expect(!hub.log.contains("request failed"), "no 5xx among them: \(hub.log)")

            // A failure inside the hub (its node registry gone from under it): 500 `internal` with
            // the envelope, and the cause in the hub's log.
            let queue = try DatabaseQueue(path: hub.replicaPath)
            try queue.write { db in try db.execute(sql: "DROP TABLE _hub_nodes") }
            try queue.close()
            let failed = try hub.http("GET", "/metrics", headers: opAuth)
            #expect(failed.status == 500 && failed.envelope?.code == "internal", "\(failed)")
            let deadline = Date().addingTimeInterval(5)
            while !hub.log.contains("_hub_nodes") && Date() < deadline { usleep(20_000) }
            #expect(hub.log.contains("request failed") && hub.log.contains("/metrics") && hub.log.contains("_hub_nodes"),
                    "the 500 is logged with its cause: \(hub.log)")
        }

        /// A fresh hub (`init --role hub`, nothing entered): the dashboard and the report answer
        /// 200 and say what is missing, instead of a blank 500.
        @Test("a fresh hub's dashboard and report say what is missing")
        func freshHubDashboard() throws {
            let world = try World("fresh")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let auth = Auth.bearer(try hub.createOperatorToken())

            let page = try hub.http("GET", "/dashboard", headers: auth)
            #expect(page.status == 200, "\(page)")
            #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
            for code in ["no_units", "no_methodology", "no_self_assessments", "no_survey_results"] {
                #expect(page.text.contains("data-code=\"\(code)\""), "the dashboard lists \(code): \(page.text.prefix(3000))")
            }
            let report = try hub.http("GET", "/v1/report?year=2021", headers: auth)
            #expect(report.status == 200, "\(report)")
            let json = try #require(report.json, "\(report)")
            #expect(json["year"] as? Int == 2021)
            #expect(json["methodology"] is NSNull, "\(json)")
            #expect((json["groups"] as? [Any])?.isEmpty == true)
            let missing = ((json["missing"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
            #expect(missing.starts(with: ["no_units", "no_methodology"]), "\(missing)")
            #expect(((json["missing"] as? [[String: Any]]) ?? []).allSatisfy { !(($0["message"] as? String) ?? "").isEmpty })

            // Once the reference data is in, the report is computed and lists only what is still missing.
            Reference.seed(hub)
            let seeded = try hub.http("GET", "/v1/report?year=2023", headers: auth)
            #expect(seeded.status == 200, "\(seeded)")
            let seededJSON = try #require(seeded.json)
            #expect((seededJSON["methodology"] as? [String: Any])?["id"] as? String == "M876", "\(seededJSON)")
            let still = ((seededJSON["missing"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
            #expect(still == ["no_self_assessments", "no_survey_results"], "\(still)")
            let full = try hub.http("GET", "/dashboard?year=2023", headers: auth)
            #expect(full.status == 200 && full.text.contains("data-code=\"no_self_assessments\"") && !full.text.contains("data-code=\"no_units\""), "\(full)")
            #expect(!hub.log.contains("request failed"), "\(hub.log)")
        }
    }
}
