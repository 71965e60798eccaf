import Testing
@testable import HubClient

@Suite("TLS verification against openssl s_server")
struct TLSTests {
    @Test("a self-signed hub is refused unless its certificate is configured as caFile",
          .enabled(if: OpenSSLServer.executable != nil, "the openssl CLI is not installed"))
    func selfSignedCertificate() async throws {
        let server = try OpenSSLServer.start()
        defer { server.stop() }
        let baseURL = "https://127.0.0.1:\(server.port)"

        let untrusting = try makeClient(baseURL) { $0.retry = .none }
        let error = try #require(await hubError { _ = try await untrusting.send(.get("/")) })
        guard case .tls(let message) = error.kind else {
            Issue.record("expected .tls, got \(error)")
            return
        }
        #expect(message.lowercased().contains("certificate"))
        #expect(!error.isRetryable)
        #expect(error.description.contains("hub.ca_file"))
        #expect(error.description.contains("install the hub's CA certificate"), "an unknown issuer: install the CA")
        #expect(!error.description.contains("clock"), "not a clock problem: \(error)")
        #expect(error.description.contains(baseURL))

        let trusting = try makeClient(baseURL) { $0.caFile = server.certificatePath }
        let response = try await trusting.send(.get("/"))
        #expect(response.status == 200)
        #expect(response.text.contains("s_server"))

        // The same certificate for the name "localhost" (in its subjectAltName) also verifies.
        let byName = try makeClient("https://localhost:\(server.port)") { $0.caFile = server.certificatePath }
        let named = try await byName.send(.get("/"))
        #expect(named.status == 200)
    }
}
