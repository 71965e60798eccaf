import CRDT
import Foundation
import HubClient
import ReformData
import Replica
import Testing
import WireProtocol

extension EndToEnd {
    @Suite("who may write and read what")
    struct Policy {
        /// A district writing another unit's record or hub data: the node refuses it at once, with
        /// the code the hub would give. A write only the hub can judge (a key another unit already
        /// holds there) is refused by the hub and quarantined at the node; the rest of the round
        /// (same and later batches) reaches the hub.
        @Test("writes outside the node's unit are refused, the rest keeps syncing")
        func refusedWrites() throws {
            let world = try World("refused")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            // Batches of ~10 changes: refused rows share batches with accepted ones, and more batches follow.
            let node = try world.makeNode("SONDUONG", hub: hub, batchChanges: 10)
            Reference.seed(hub, districts: ["SONDUONG", "YENSON"])
            node.sync()

            func initiative(_ id: String, unit: String = "SONDUONG") -> [String: Any] {
                ["id": id, "unit": unit, "year": 2023, "title": "Sáng kiến \(id)"]
            }
            // What the node can judge: refused locally with the hub's own codes, nothing stored.
            let dumpBefore = try dumpLines(node.replicaPath)
            let local: [(String, [[String: Any]], String)] = [
                ("initiatives", [initiative("YS-X", unit: "YENSON")], "not_owner"),                       // another district's record
                ("units", [["id": "SONDUONG-MOI", "name": "Huyện mới", "group": "district"]], "hub_only"),  // hub data
                ("assessment_scores", [["unit": "SONDUONG", "year": 2023, "criterion": "C1.1", "self_score": 1.5,
                                        "appraised_score": 2]], "hub_only"),                                 // own row, one hub-only field
                ("tasks", [["id": Reference.taskID("YENSON"), "title": "x", "responsible_unit": "YENSON"]], "hub_only"),  // hub-created table
            ]
            for (table, records, code) in local {
                let refused = node.run(["record", "put", table, "-"], stdin: jsonData(records))
                #expect(refused.code == 2, "\(table): \(refused)")
                #expect(refused.stderr.contains("[\(code)]") && refused.stderr.contains("the hub would refuse"), "\(table): \(refused)")
            }
            expectSameDump(try dumpLines(node.replicaPath), dumpBefore, "the node after its refused writes")

            // What only the hub can judge: YENSON already holds SD-5 there (the node never reads YENSON's rows).
            hub.put("initiatives", [initiative("SD-5", unit: "YENSON")])
            node.put("initiatives", [initiative("SD-1"), initiative("SD-2")])
            node.put("initiatives", (3...8).map { initiative("SD-\($0)") })

            let first = node.sync(expectSuccess: false)
            #expect(first.result.code == 1, "\(first.result)")
            #expect(first.result.stderr.contains("refused"), "\(first.result)")
            #expect(first.report?["pending_changes"] as? Int == 0, "nothing left pending: \(String(describing: first.report))")
            #expect(first.report?["push_batches"] as? Int ?? 0 >= 3, "several batches: \(String(describing: first.report))")

            let listed = node.run(["quarantine", "list", "--json"])
            #expect(listed.code == 0, "\(listed)")
            let items = (parseJSON(listed.stdout) as? [[String: Any]]) ?? []
            let refused = Set(items.map { "\($0["table"] ?? "") \($0["key"] ?? "") \($0["field"] ?? "(record)") \($0["code"] ?? "")" })
            let expected: Set<String> = [
                "initiatives SD-5 (record) not_owner", "initiatives SD-5 unit not_owner", "initiatives SD-5 year not_owner",
                "initiatives SD-5 title not_owner",
            ]
            #expect(refused == expected, "quarantine: \(refused.sorted())")
            #expect(items.count == expected.count)
            #expect(first.report?["refused_changes"] as? Int == expected.count)
            #expect(items.allSatisfy { !(($0["reason"] as? String) ?? "").isEmpty })

            // The hub has none of the refused changes, and every accepted one.
            let hubReplica = try hub.openReplica()
            #expect(try hubReplica.get("initiatives", key: "SD-5")?.values["unit"] == .text("YENSON"))
            #expect(try hubReplica.get("initiatives", key: "YS-X") == nil)
            #expect(try hubReplica.get("units", key: "SONDUONG-MOI") == nil)
            #expect(try hubReplica.get("tasks", key: "T-YENSON")?.values["title"] == .text("Số hoá hồ sơ TTHC tại UBND huyện Yên Sơn"))
            #expect(try hubReplica.list("initiatives").map(\.key) == (1...8).map { "SD-\($0)" }, "SD-1…8 at the hub, SD-5 YENSON's")
            // The node keeps its refused write (visible, never silently dropped).
            let nodeReplica = try node.openReplica()
            #expect(try nodeReplica.get("initiatives", key: "SD-5")?.values["unit"] == .text("SONDUONG"))

            // The next round has nothing new refused: success, with the quarantine still listed.
            let second = node.sync()
            #expect(second.report?["refused_changes"] as? Int == 0)
            #expect(second.result.stderr.contains("quarantine"), "\(second.result)")
            #expect(try nodeReplica.quarantineCount() == expected.count)
        }

        /// A unit's token reads shared data and its own rows, never another unit's unpublished rows:
        /// neither through `sync` nor through a raw request.
        @Test("a unit's token cannot read another unit's unpublished rows")
        func readIsolation() async throws {
            let world = try World("isolation")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let sd = try world.makeNode("SONDUONG", hub: hub)
            let ys = try world.makeNode("YENSON", hub: hub)
            Reference.seed(hub, districts: ["SONDUONG", "YENSON"])
            // Hub-written rows about SONDUONG only (owner scope), and published results (everyone).
            hub.put("survey_results", [["unit": "SONDUONG", "year": 2022, "survey_points": 8.5, "sipas_overall": 84.2, "respondents": 320]])
            hub.put("criterion_exclusions", [["unit": "SONDUONG", "year": 2023, "criterion": "C6.1", "reason": "Không áp dụng"]])
            hub.put("publications", [["year": 2022, "published_on": "2023-05-10", "decision": "715/QĐ-UBND"]])
            hub.put("published_results", [["year": 2022, "unit": "SONDUONG", "group": "district", "index_percent": 86.1, "rank": 2, "ranked_of": 7]])
            Reference.ownData(sd)
            Reference.ownData(ys)
            for _ in 0..<2 { for node in [sd, ys] { node.sync() } }

            let ysReplica = try ys.openReplica()
            for table in ["assessments", "assessment_scores", "initiatives", "service_deployments", "survey_results", "criterion_exclusions"] {
                #expect(try ysReplica.keys(table, where: "unit", is: "SONDUONG").isEmpty, "YENSON holds SONDUONG's \(table)")
                #expect(try dumpLines(ys.replicaPath).filter { $0.hasPrefix(table + "\t") && $0.contains("SONDUONG") }.isEmpty,
                        "not even deleted or partial rows of SONDUONG's \(table)")
            }
            #expect(try ysReplica.keys("tasks", where: "responsible_unit", is: "SONDUONG").isEmpty)
            #expect(try ysReplica.keys("initiatives", where: "unit", is: "YENSON") == ["SK-YENSON-2023"], "its own rows arrived")
            #expect(try ysReplica.keys("published_results", where: "unit", is: "SONDUONG") == ["2022/SONDUONG"], "published results are for everyone")
            #expect(try sd.openReplica().keys("survey_results", where: "unit", is: "SONDUONG") == ["SONDUONG/2022"])
            #expect(try sd.openReplica().keys("initiatives", where: "unit", is: "YENSON").isEmpty)
            try expectNodeMatchesHub(sd, hub)
            try expectNodeMatchesHub(ys, hub)

            // A raw request with YENSON's token, from the beginning of the hub's stream.
            let client = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: hub.url, bearerToken: ys.token, retry: .none))
            var cursor = (baseline: Int64(0), position: Int64(0))
            var rows: [(table: String, key: String)] = []
            for _ in 0..<20 {
                let response = try await client.send(.get("/v1/pull?baseline=\(cursor.baseline)&position=\(cursor.position)"))
                #expect(response.status == 200)
                let page = try WireJSON.decode(PullResponse.self, from: response.body, what: "pull")
                rows += page.changes.rows.map { ($0.t, $0.k) }
                cursor = (page.next.baseline, page.next.position)
                if !page.more { break }
            }
            let hubReplica = try hub.openReplica()
            let schema = hubReplica.schema
            var foreign: [String] = []
            for row in rows {
                let table = try #require(schema.table(row.table))
                guard table.readScope != .everyone else { continue }
                let owner = try await hubReplica.writer.read { db in try hubReplica.rowState(row.table, key: row.key, db)?.owner }
                if owner != "YENSON" { foreign.append("\(row.table) \(row.key) (owner \(owner ?? "none"))") }
            }
            #expect(foreign.isEmpty, "rows YENSON may not read: \(foreign)")
            let keys = Set(rows.map { "\($0.table) \($0.key)" })
            #expect(keys.contains("initiatives SK-YENSON-2023"))
            #expect(keys.contains("tasks T-YENSON"))
            #expect(keys.contains("published_results 2022/SONDUONG"))
            #expect(!keys.contains("initiatives SK-SONDUONG-2023"))
            #expect(!keys.contains("assessment_scores SONDUONG/2023/C1.1"))
            #expect(!keys.contains("survey_results SONDUONG/2022"))
            // SONDUONG's token does get them (the check above can tell).
            let sdClient = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: hub.url, bearerToken: sd.token, retry: .none))
            let sdPage = try WireJSON.decode(PullResponse.self, from: try await sdClient.send(.get("/v1/pull?baseline=0&position=0")).body, what: "pull")
            #expect(sdPage.changes.rows.contains { $0.t == "initiatives" && $0.k == "SK-SONDUONG-2023" })
        }

        /// A revoked token is refused at once, by `sync --once` and by a raw request; a new token works.
        @Test("a revoked token is refused with 401")
        func revokedToken() async throws {
            let world = try World("revoked")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let sd = try world.makeNode("SONDUONG", hub: hub)
            let ys = try world.makeNode("YENSON", hub: hub)
            Reference.seed(hub, districts: ["SONDUONG", "YENSON"])
            sd.sync()

            let revoked = hub.run(["hub", "token", "revoke", "--unit", "SONDUONG"])
            #expect(revoked.code == 0 && revoked.stdout.contains("revoked 1 token"), "\(revoked)")
            #expect(hub.run(["hub", "token", "list"]).stdout.contains("REVOKED"))

            sd.put("initiatives", [["id": "SD-after", "unit": "SONDUONG", "year": 2024, "title": "Sau khi thu hồi"]])
            let (refused, _) = sd.sync(expectSuccess: false)
            #expect(refused.code == 1, "\(refused)")
            #expect(refused.stderr.contains("401"), "\(refused)")
            #expect(refused.stderr.contains("token"), "\(refused)")
            #expect(try hub.openReplica().get("initiatives", key: "SD-after") == nil)

            let client = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: hub.url, bearerToken: sd.token, retry: .none))
            for request in [HubRequest.get("/v1/pull?baseline=0&position=0"),
                            .post("/v1/handshake", body: try handshakeBody(site: "0123456789abcdef", unit: "SONDUONG"))] {
                let outcome = await statusOf(client, request)
                #expect(outcome.status == 401, "\(request.method) \(request.path): \(outcome)")
                #expect(outcome.code == "unauthorized")
            }
            // Other units' tokens are untouched.
            let other = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: hub.url, bearerToken: ys.token, retry: .none))
            #expect(await statusOf(other, .get("/v1/pull?baseline=0&position=0")).status == 200)

            // A new token for SONDUONG: the pending change goes through.
            sd.token = try hub.createToken(unit: "SONDUONG")
            sd.writeConfig()
            sd.sync()
            #expect(try hub.openReplica().get("initiatives", key: "SD-after")?.values["title"] == .text("Sau khi thu hồi"))
        }
    }
}

/// A handshake body as a node sends it.
func handshakeBody(site: String, unit: String) throws -> [UInt8] {
    try WireJSON.encode(HandshakeRequest(schema: ReformSchema.version, site: site, unit: unit,
                                         nodeTimeMs: Int64(Date().timeIntervalSince1970 * 1000), software: "integration-tests"))
}

/// The HTTP status (and hub error code) of one request, without retries.
func statusOf(_ client: HubHTTPClient, _ request: HubRequest) async -> (status: Int, code: String?, detail: String) {
    do {
        let response = try await client.send(request)
        return (response.status, nil, response.text)
    } catch let error as HubClientError {
        if case .http(let status, let code, let message) = error.kind { return (status, code, message ?? "") }
        return (-1, nil, error.description)
    } catch {
        return (-1, nil, "\(error)")
    }
}
