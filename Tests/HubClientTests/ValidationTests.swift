import Testing
@testable import HubClient

@Suite("Configuration and request validation")
struct ValidationTests {
    private func configurationError(_ configuration: HubClientConfiguration) -> HubClientError? {
        do {
            _ = try HubHTTPClient(configuration: configuration)
            return nil
        } catch {
            return error
        }
    }

    @Test("bad configurations are rejected with .invalidConfiguration", arguments: [
        HubClientConfiguration(baseURL: "ftp://hub.example"),
        HubClientConfiguration(baseURL: "hub.example"),
        HubClientConfiguration(baseURL: "https://"),
        HubClientConfiguration(baseURL: "https://hub.example", bearerToken: "two words"),
        HubClientConfiguration(baseURL: "https://hub.example", caFile: "/nonexistent/ca.pem"),
        HubClientConfiguration(baseURL: "https://hub.example", totalTimeout: 0),
        HubClientConfiguration(baseURL: "https://hub.example", maxSendBytesPerSecond: 0),
    ])
    func invalidConfiguration(_ configuration: HubClientConfiguration) throws {
        let error = try #require(configurationError(configuration))
        guard case .invalidConfiguration = error.kind else {
            Issue.record("expected invalidConfiguration, got \(error)")
            return
        }
        #expect(error.description.hasPrefix("invalid hub client configuration"))
        // Messages name the configuration keys an operator edits, never the Swift property names.
        let setting = ["hub.url", "hub.token", "hub.ca_file", "hub.timeout", "hub.max_bytes_per_second"]
        #expect(setting.contains { error.description.contains($0) }, "\(error)")
        #expect(!["baseURL", "caFile", "bearerToken", "totalTimeout", "maxSendBytesPerSecond"].contains { error.description.contains($0) },
                "\(error)")
    }

    @Test("a valid configuration is accepted and never prints the token")
    func validConfiguration() throws {
        let configuration = HubClientConfiguration(baseURL: "https://hub.example/api/", bearerToken: "s3cret")
        _ = try HubHTTPClient(configuration: configuration)
        #expect(!configuration.description.contains("s3cret"))
        #expect(configuration.url(for: "/v1/push") == "https://hub.example/api/v1/push")
        #expect(configuration.url(for: "v1/push") == "https://hub.example/api/v1/push")
    }

    @Test("plain http is loopback only for this machine's own addresses (no token warning there)", arguments: [
        ("http://127.0.0.1:8080", true), ("http://localhost/v1", true), ("http://[::1]:9/", true),
        ("http://user@127.0.0.2", true), ("http://hub.tuyenquang.gov.vn", false), ("http://10.0.0.1:80", false),
        ("http://127.0.0.1.evil.example@hub.example", false), ("http://localhost.evil.example", false),
    ])
    func loopback(url: String, expected: Bool) {
        #expect(HubClientConfiguration(baseURL: url).targetsLoopback == expected, "\(url)")
    }

    @Test("headers with line breaks are refused before anything is sent")
    func headerInjection() async throws {
        let client = try makeClient("http://127.0.0.1:9")
        let error = try #require(await hubError {
            _ = try await client.send(.get("/x", headers: [("X-Evil", "a\r\nAuthorization: Bearer stolen")]))
        })
        guard case .invalidRequest = error.kind else {
            Issue.record("expected invalidRequest, got \(error)")
            return
        }
    }

    @Test("the hub's error envelope, plain text and HTML bodies are parsed sensibly")
    func errorBodies() {
        let json = HubErrorBody.parse(Array(#"{"error":{"code":"stale_clock","message":"clock\nskew"}}"#.utf8),
                                      contentType: "application/json")
        #expect(json.code == "stale_clock")
        #expect(json.message == "clock skew")
        let text = HubErrorBody.parse(Array("  hub is\r\n down ".utf8), contentType: "text/plain")
        #expect(text.code == nil)
        #expect(text.message == "hub is down")
        let html = HubErrorBody.parse(Array("<html><body>502 Bad Gateway</body></html>".utf8), contentType: "text/html")
        #expect(html.code == nil && html.message == nil)
        let long = HubErrorBody.parse(Array(String(repeating: "x", count: 1000).utf8), contentType: nil)
        #expect((long.message?.count ?? 0) <= HubErrorBody.maxMessageLength + 1)
    }
}
