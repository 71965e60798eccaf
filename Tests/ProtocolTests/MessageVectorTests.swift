import Foundation
import ReformData
import Testing
import WireProtocol

@Suite("Protocol/vectors/messages: requests to a real hub and its answers")
struct MessageVectorTests {
    static let files = ProtocolFiles.vectors("messages")

    @Test("the message vectors are there")
    func present() {
        #expect(Self.files.count >= 20, "Protocol/vectors/messages holds \(Self.files.count) vectors")
    }

    /// Starts a hub as the vector's setup says, sends the `before` requests (each must succeed),
    /// then the request, and compares status and body with the vector (placeholders by shape).
    @Test("each vector's request gets the documented answer", arguments: files)
    func vector(_ name: String) async throws {
        let url = ProtocolFiles.vector("messages", name)
        let vector = try JSONValue.read(url)
        let description = vector["description"]?.string ?? ""
        #expect(!description.isEmpty, "\(name) needs a description")
        let request = try #require(vector["request"], "\(name) needs a request")
        // A pending vector states the answer the protocol requires but the code does not give yet
        // (a known bug, named in `pending`): its mismatch is a known issue, and the test fails once
        // the code is fixed so that the marker gets removed. `crashes_hub` vectors are not sent.
        let pending = vector["pending"]?.string
        if let pending, vector["crashes_hub"]?.bool == true {
            withKnownIssue("\(name) is pending: \(pending)") { Issue.record("not sent: it would crash the hub") }
            #expect(vector["response"]?["status"]?.int != nil, "\(name): a pending vector still states the answer it should get")
            return
        }
        let answer = try await HubUnderTest.with(setup: vector["setup"]) { hub -> (HubUnderTest.Answer, String) in
            for (index, before) in (vector["setup"]?["before"]?.array ?? []).enumerated() {
                let answer = try await hub.send(before)
                guard (200...299).contains(answer.status) else {
                    throw VectorFileError("\(name): setup.before[\(index)] answered \(answer.status) \(answer.body?.summary ?? "")")
                }
            }
            return (try await hub.send(request), hub.hubSite)
        }
        let (actual, hubSite) = answer
        let actualBody = actual.body?.withoutNullMembers ?? .null
        try checkShape(name: name, path: request["path"]?.string ?? "", status: actual.status, body: actualBody)
        if recordingVectors && pending == nil {
            var object = vector.object ?? [:]
            let previous = vector["response"]?["body"]
            object["response"] = .object(["status": .integer(Int64(actual.status)),
                                          "body": Placeholder.recorded(actualBody, previous: previous, hubSite: hubSite)])
            try VectorWriter.write(.object(object), to: url)
            return
        }
        let expected = try #require(vector["response"], "\(name) needs a response")
        var differences = Placeholder.differences(expected: expected["body"]?.withoutNullMembers ?? .null, actual: actualBody)
        if expected["status"]?.int != Int64(actual.status) {
            differences.insert("status \(actual.status), expected \(expected["status"]?.summary ?? "?")", at: 0)
        }
        if let pending {
            withKnownIssue("\(name) is pending: \(pending)") {
                if !differences.isEmpty { Issue.record("\(name):\n\(differences.joined(separator: "\n"))") }
            }
        } else {
            #expect(differences.isEmpty, "\(name):\n\(differences.joined(separator: "\n"))")
        }
    }

    /// Every answer is a real message: the documented type for the endpoint, or the error envelope.
    func checkShape(name: String, path: String, status: Int, body: JSONValue) throws {
        if body == .null {
            #expect(status == 404, "\(name): only a 404 comes without a body")
            return
        }
        let bytes = try body.encoded()
        do throws(WireError) {
            switch (status, path) {
            case (200, let p) where p.hasPrefix("/v1/health"): _ = try WireJSON.decode(HealthResponse.self, from: bytes, what: "health")
            case (200, let p) where p.hasPrefix("/v1/handshake"): _ = try WireJSON.decode(HandshakeResponse.self, from: bytes, what: "handshake response")
            case (200, let p) where p.hasPrefix("/v1/push"): _ = try WireJSON.decode(PushResponse.self, from: bytes, what: "push response")
            case (200, let p) where p.hasPrefix("/v1/pull"):
                let page = try WireJSON.decode(PullResponse.self, from: bytes, what: "pull response")
                _ = try page.changes.decodedChanges()
            default: _ = try WireJSON.decode(ErrorResponse.self, from: bytes, what: "error response")
            }
        } catch {
            Issue.record("\(name): the answer is not a v1 message: \(error.message)")
        }
    }
}
