import Foundation
import HubClient
import Testing

extension EndToEnd {
    /// The shipped `Config/nginx-hub.conf` run by Debian's nginx in front of a real hub, with a
    /// private CA made by openssl, and a real node syncing through it with `hub.ca_file`.
    @Suite("behind a reverse proxy: Debian's nginx and Caddy (Config/nginx-hub.conf, Config/Caddyfile)")
    struct ReverseProxy {
        /// The protocol works over TLS through the nodes' server block (gzip pushes included:
        /// a push above 1 KiB is compressed, and the hub decompresses it); the operator routes
        /// answer nginx's 404 there even with the operator token, and work on the operator's block.
        @Test("a node syncs through nginx with a private CA; /v1/report, /dashboard and /metrics are not on the nodes' block")
        func syncThroughNginx() async throws {
            let world = try World("nginx")
            defer { world.shutdown() }
            let ca = try TestCA(in: world.root)
            let server = try ca.serverCertificate("hub")
            let hub = try world.makeHub()
            try hub.start()
            let nginx = try NginxProxy(world: world, hubPort: hub.port, certificate: server.certificate, key: server.key)
            defer { nginx.stop() }
            Reference.seed(hub, districts: ["SONDUONG"])
            let node = try world.makeNode("SONDUONG", hub: hub, extraConfig: "  ca_file: \(ca.certificate)\n")
            node.hubURL = nginx.nodesURL
            node.writeConfig()

            node.put("initiatives", (1...60).map {
                ["id": "SD-\($0)", "unit": "SONDUONG", "year": 2023, "title": "Sáng kiến cải cách hành chính số \($0)"]
            })
            let synced = node.sync()
            #expect(synced.result.code == 0, "\(synced.result)\n\(nginx.errorLog)")
            #expect(try record(hub.openReplica(), "initiatives", "SD-60") != nil, "the push reached the hub through nginx")
            #expect(try record(node.openReplica(), "units", "SNV") != nil, "the pull came back through nginx")
            #expect(nginx.accessLog.contains("POST /v1/push"), "\(nginx.accessLog)")

            let operatorToken = try hub.createOperatorToken()
            #expect(await Self.status(nginx.nodesURL, "/v1/health", ca: ca.certificate) == (200, nil))
            for path in ["/v1/report", "/dashboard", "/metrics", "/", "/v1/", "/v1/reportx"] {
                let answer = await Self.status(nginx.nodesURL, path, token: operatorToken, ca: ca.certificate)
                #expect(answer.status == 404 && answer.code == nil, "\(path) on the nodes' block: \(answer), expected nginx's own 404")
            }
            for path in ["/v1/report", "/dashboard", "/metrics"] {
                let answer = await Self.status(nginx.operatorURL, path, token: operatorToken, ca: ca.certificate)
                #expect(answer.status == 200, "\(path) on the operator's block: \(answer)")
            }
            // Without the token the operator's block passes the hub's own refusal (its JSON envelope).
            let refused = await Self.status(nginx.operatorURL, "/v1/report", ca: ca.certificate)
            #expect(refused.status == 401 && refused.code != nil, "\(refused)")
        }

        /// nginx's default-style small body limit answers an HTML 413: the node says which two
        /// settings to change (its own `sync.batch_bytes`, the proxy's `client_max_body_size` up
        /// to the hub's `server.max_body_bytes`), keeps every change, and lowering
        /// `sync.batch_bytes` below the proxy's limit lets the next sync through.
        @Test("a 413 from nginx names sync.batch_bytes and client_max_body_size; smaller batches then pass")
        func proxyBodyLimit() throws {
            let world = try World("nginx413")
            defer { world.shutdown() }
            let ca = try TestCA(in: world.root)
            let server = try ca.serverCertificate("hub")
            let hub = try world.makeHub()
            try hub.start()
            let nginx = try NginxProxy(world: world, hubPort: hub.port, certificate: server.certificate, key: server.key,
                                       maxBodySize: "4k")
            defer { nginx.stop() }
            Reference.seed(hub, districts: ["SONDUONG"])
            let node = try world.makeNode("SONDUONG", hub: hub, extraConfig: "  ca_file: \(ca.certificate)\n")
            node.hubURL = nginx.nodesURL
            node.writeConfig()
            // Random titles: gzip cannot shrink 60 of them below 4 KiB.
            node.put("initiatives", (1...60).map { _ in () }.enumerated().map { index, _ in
                ["id": "SD-\(index + 1)", "unit": "SONDUONG", "year": 2023,
                 "title": Data((0..<300).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()]
            })

            let refused = node.run(["sync", "--once"])
            #expect(refused.code != 0, "\(refused)")
            let said = refused.stdout + refused.stderr
            #expect(said.contains("413"), "\(refused)")
            #expect(said.contains("sync.batch_bytes"), "\(refused)")
            #expect(said.contains("client_max_body_size"), "\(refused)")
            #expect(said.contains("server.max_body_bytes"), "\(refused)")
            #expect(!said.contains("<html"), "\(refused)")
            #expect(try record(hub.openReplica(), "initiatives", "SD-1") == nil)
            #expect(try record(node.openReplica(), "initiatives", "SD-60") != nil, "the node keeps its changes")

            node.extraConfig += "sync:\n  batch_bytes: 2048\n"
            node.writeConfig()
            let passed = node.sync()
            #expect(passed.result.code == 0, "\(passed.result)")
            #expect(try record(hub.openReplica(), "initiatives", "SD-60") != nil)
        }

        /// One GET through libcurl (the node's own client) trusting `ca`: the status and, for an
        /// error, the hub's envelope code (nil for a page that is not the hub's, e.g. nginx's).
        static func status(_ base: String, _ path: String, token: String? = nil, ca: String) async -> (status: Int, code: String?) {
            do {
                var configuration = HubClientConfiguration(baseURL: base, bearerToken: token, caFile: ca, connectTimeout: 5, totalTimeout: 20)
                configuration.retry = .none
                let client = try HubHTTPClient(configuration: configuration)
                return (try await client.send(.get(path)).status, nil)
            } catch let error as HubClientError {
                if case .http(let status, let code, _) = error.kind { return (status, code) }
                return (-1, "\(error)")
            } catch {
                return (-1, "\(error)")
            }
        }
    }
}

extension EndToEnd.ReverseProxy {
    /// Three TLS failures, three fixes: the advice names the one that applies and not the others
    /// (a name mismatch is not fixed by installing a CA or setting the clock).
    @Test("each TLS failure through nginx gets its own advice: wrong name, unknown CA, expired certificate")
    func tlsFailureAdvice() throws {
        try #require(FileManager.default.fileExists(atPath: EndToEnd.ClockRecovery.faketime),
                     "Debian's faketime package is needed (scripts/install-deps.sh installs it as root)")
        let world = try World("nginxtls")
        defer { world.shutdown() }
        let ca = try TestCA(in: world.root)
        let otherDirectory = world.path("other-ca")
        try FileManager.default.createDirectory(atPath: otherDirectory, withIntermediateDirectories: true)
        let otherCA = try TestCA(in: otherDirectory)
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode("SONDUONG", hub: hub)

        let good = try ca.serverCertificate("hub")
        let wrongName = try ca.serverCertificate("other-name", names: ["DNS:hub.other.example"])
        let expired = try ca.serverCertificate("expired", days: 1, wrapper: [EndToEnd.ClockRecovery.faketime, "-f", "-10d"])
        let cases: [(what: String, certificate: (certificate: String, key: String), trusted: String, says: String, not: [String])] = [
            ("a certificate for another name", wrongName, ca.certificate, "not issued for the host name in hub.url",
             ["install the hub's CA", "clock"]),
            ("a certificate from a CA the node does not trust", good, otherCA.certificate, "install the hub's CA certificate",
             ["clock", "host name"]),
            ("an expired certificate", expired, ca.certificate, "check this server's clock", ["install the hub's CA", "host name"]),
        ]
        for check in cases {
            let nginx = try NginxProxy(world: world, hubPort: hub.port, certificate: check.certificate.certificate,
                                       key: check.certificate.key)
            defer { nginx.stop() }
            node.hubURL = nginx.nodesURL
            node.extraConfig = "  ca_file: \(check.trusted)\n"
            node.writeConfig()
            let result = node.run(["sync", "--once"])
            let said = result.stdout + result.stderr
            #expect(result.code != 0, "\(check.what): \(result)")
            #expect(said.contains(check.says), "\(check.what): \(result)")
            #expect(said.contains("hub.ca_file") || check.says.contains("clock") || check.says.contains("host name"), "\(check.what): \(result)")
            for wrong in check.not {
                #expect(!said.contains(wrong), "\(check.what) must not advise “\(wrong)”: \(result)")
            }
        }
    }
}

extension EndToEnd.ReverseProxy {
    /// The same checks through Debian's Caddy running the shipped Caddyfile.
    @Test("a node syncs through Caddy (Config/Caddyfile); the operator routes are only on the operator's site")
    func syncThroughCaddy() async throws {
        let world = try World("caddy")
        defer { world.shutdown() }
        let ca = try TestCA(in: world.root)
        let server = try ca.serverCertificate("hub")
        let hub = try world.makeHub()
        try hub.start()
        let caddy = try CaddyProxy(world: world, hubPort: hub.port, certificate: server.certificate, key: server.key)
        defer { caddy.stop() }
        Reference.seed(hub, districts: ["SONDUONG"])
        let node = try world.makeNode("SONDUONG", hub: hub, extraConfig: "  ca_file: \(ca.certificate)\n")
        node.hubURL = caddy.nodesURL
        node.writeConfig()
        node.put("initiatives", (1...60).map {
            ["id": "SD-\($0)", "unit": "SONDUONG", "year": 2023, "title": "Sáng kiến cải cách hành chính số \($0)"]
        })
        let synced = node.sync()
        #expect(synced.result.code == 0, "\(synced.result)\n\(caddy.log)")
        #expect(try record(hub.openReplica(), "initiatives", "SD-60") != nil, "the push reached the hub through Caddy")
        #expect(try record(node.openReplica(), "units", "SNV") != nil, "the pull came back through Caddy")

        let operatorToken = try hub.createOperatorToken()
        for path in ["/v1/report", "/dashboard", "/metrics", "/", "/v1/"] {
            let answer = await Self.status(caddy.nodesURL, path, token: operatorToken, ca: ca.certificate)
            #expect(answer.status == 404 && answer.code == nil, "\(path) on the nodes' site: \(answer), expected Caddy's own 404")
        }
        for path in ["/v1/report", "/dashboard", "/metrics"] {
            let answer = await Self.status(caddy.operatorURL, path, token: operatorToken, ca: ca.certificate)
            #expect(answer.status == 200, "\(path) on the operator's site: \(answer)")
        }
    }
}
