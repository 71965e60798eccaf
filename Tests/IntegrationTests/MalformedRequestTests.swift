import CRDT
import Foundation
import HubClient
import ReformData
import Replica
import Testing
import WireProtocol

extension EndToEnd {
    @Suite("malformed requests")
    struct MalformedRequests {
        /// Garbage, truncated, oversized and compressed-bomb bodies, unknown encodings and missing
        /// tokens all get a 4xx through a real libcurl client, and the hub's data does not change.
        @Test("garbage, truncated and oversized bodies get 4xx and change nothing")
        func malformedBodies() async throws {
            let world = try World("garbage")
            defer { world.shutdown() }
            let limit = 64 << 10
            let hub = try world.makeHub(maxBodyBytes: limit)
            try hub.start()
            let node = try world.makeNode("SONDUONG", hub: hub)
            Reference.seed(hub, districts: ["SONDUONG"])
            Reference.ownData(node)
            node.sync()

            // A genuine push of a new SONDUONG record: the hub would accept it as is (checked last).
            let site = try node.openReplica().site
            let stamp = Stamp(hlc: HLC(millis: UInt64(Date().timeIntervalSince1970 * 1000)), site: site)
            let changes = [Change(table: "initiatives", key: "SD-EVIL", column: nil, value: .null, stamp: stamp, causalLength: 1)]
                + [("unit", Value.text("SONDUONG")), ("year", .integer(2023)), ("title", .text("Không được lọt vào"))].map {
                    Change(table: "initiatives", key: "SD-EVIL", column: $0.0, value: $0.1, stamp: stamp, causalLength: 1)
                }
            let validPush = try WireJSON.encode(PushRequest(
                through: WireCursor(baseline: 0, position: 999),
                changes: ChangeSet(changes: changes, siteUnits: [site: "SONDUONG"], schemaVersion: ReformSchema.version,
                                   source: .init(site: site.rawValue, unit: "SONDUONG", version: 999, since: 0))))
            let validHandshake = try handshakeBody(site: site.rawValue, unit: "SONDUONG")
            // The same push with its row pointing at a site the set does not list.
            let badSiteIndex = String(decoding: validPush, as: UTF8.self).replacingOccurrences(of: "\"s\":0", with: "\"s\":7")
            #expect(badSiteIndex != String(decoding: validPush, as: UTF8.self))

            let gzipBomb = try Gzip.compress(Array("{\"pad\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 32 << 20) + Array("\"}".utf8))
            #expect(gzipBomb.count < limit / 2, "the bomb is small on the wire: \(gzipBomb.count) bytes")
            let oversized = Array("{\"pad\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "b"), count: limit + 1024) + Array("\"}".utf8)

            let dumpBefore = try dumpLines(hub.replicaPath)
            let registryBefore = try hub.registry().map { "\($0.site) \($0.unit) \($0.pushedThrough ?? -1) \($0.received)" }
            #expect(dumpBefore.count > 10)

            // Bodies go out exactly as given (no client-side gzip), with the node's valid token.
            let client = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: hub.url, bearerToken: node.token,
                                                                                 compressRequestsAbove: nil, retry: .none))
            let anonymous = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: hub.url, compressRequestsAbove: nil, retry: .none))
            let gzip = [("Content-Encoding", "gzip")]

            struct Case { var name: String; var client: HubHTTPClient; var body: [UInt8]; var headers: [(String, String)] = []; var status: Int; var code: String }
            var cases: [(path: String, Case)] = []
            for (path, valid) in [("/v1/push", validPush), ("/v1/handshake", validHandshake)] {
                cases += [
                    Case(name: "not JSON", client: client, body: Array("this is {not JSON".utf8), status: 400, code: "bad_request"),
                    Case(name: "empty body", client: client, body: [], status: 400, code: "bad_request"),
                    Case(name: "JSON of the wrong shape", client: client, body: Array(#"{"hello":"world"}"#.utf8), status: 400, code: "bad_request"),
                    Case(name: "a JSON array", client: client, body: Array("[1,2,3]".utf8), status: 400, code: "bad_request"),
                    Case(name: "truncated gzip", client: client, body: Array(try Gzip.compress(valid).dropLast(12)), headers: gzip,
                         status: 400, code: "bad_request"),
                    Case(name: "gzip header on plain JSON", client: client, body: valid, headers: gzip, status: 400, code: "bad_request"),
                    Case(name: "over max_body_bytes", client: client, body: oversized, status: 413, code: "body_too_large"),
                    Case(name: "gzip bomb", client: client, body: gzipBomb, headers: gzip, status: 413, code: "body_too_large"),
                    Case(name: "unknown Content-Encoding", client: client, body: valid, headers: [("Content-Encoding", "br")],
                         status: 415, code: "unsupported_encoding"),
                    Case(name: "no token", client: anonymous, body: valid, status: 401, code: "unauthorized"),
                    Case(name: "unknown token", client: try HubHTTPClient(configuration: HubClientConfiguration(
                        baseURL: hub.url, bearerToken: "rs1_deadbeef_notatoken", compressRequestsAbove: nil, retry: .none)),
                         body: valid, status: 401, code: "unauthorized"),
                ].map { (path, $0) }
            }
            cases.append(("/v1/push", Case(name: "change set naming an unlisted site", client: client, body: Array(badSiteIndex.utf8),
                                          status: 400, code: "bad_request")))
            // Numbers and text no replica can hold: before the bounds, the first one killed the hub
            // (a trapping conversion while storing), and a node's re-send would kill it again.
            let pushText = String(decoding: validPush, as: UTF8.self)
            for (name, from, to) in [("causal length 2^64 - 1", "\"l\":1", "\"l\":18446744073709551615"),
                                     ("causal length above 2^62", "\"l\":1", "\"l\":4611686018427387905"),
                                     ("U+0000 in a title", "Không được", "Không\\u0000được")] {
                let body = pushText.replacingOccurrences(of: from, with: to)
                #expect(body != pushText, "\(name): the body was changed")
                cases.append(("/v1/push", Case(name: name, client: client, body: Array(body.utf8), status: 400, code: "bad_request")))
            }
            cases.append(("/v1/handshake", Case(name: "handshake for another unit", client: client,
                                               body: try handshakeBody(site: site.rawValue, unit: "YENSON"), status: 403, code: "forbidden")))

            for (path, test) in cases {
                let outcome = await statusOf(test.client, .post(path, body: test.body, headers: test.headers))
                #expect(outcome.status == test.status, "POST \(path) with \(test.name): \(outcome)")
                #expect(outcome.code == test.code, "POST \(path) with \(test.name): \(outcome)")
            }
            // Query garbage on pull.
            let pull = await statusOf(client, .get("/v1/pull?baseline=-4&position=x"))
            #expect(pull.status == 400, "\(pull)")

            expectSameDump(try dumpLines(hub.replicaPath), dumpBefore, "the hub's data after the malformed requests")
            #expect(try hub.registry().map { "\($0.site) \($0.unit) \($0.pushedThrough ?? -1) \($0.received)" } == registryBefore,
                    "the node registry is untouched")
            #expect(hub.isRunning, "the hub survived")

            // Control: the same push, well formed, is accepted (so the requests above could have changed something).
            let accepted = await statusOf(client, .post("/v1/push", body: validPush))
            #expect(accepted.status == 200, "\(accepted)")
            #expect(try hub.openReplica().get("initiatives", key: "SD-EVIL")?.values["title"] == .text("Không được lọt vào"))
            // And gzip, done right, is accepted too.
            let compressed = await statusOf(client, .post("/v1/handshake", body: try Gzip.compress(validHandshake), headers: gzip))
            #expect(compressed.status == 200, "\(compressed)")

            // SIGTERM stops the hub gracefully.
            let stopped = hub.stop()
            #expect(stopped?.code == 0 && stopped?.signal == nil, "\(String(describing: stopped))")
        }
    }
}
