import Foundation
import Testing

/// The daemon's local API for office applications: /health, /metrics, /records and its errors.
@Suite("local API", .serialized, .timeLimit(.minutes(2)))
struct LocalAPITests {
    /// The hub's error envelope: {"error": {"code": …, "message": …}}.
    func errorCode(_ response: HTTPResponse) -> String? {
        (response.object?["error"] as? [String: Any])?["code"] as? String
    }

    @Test("/health answers ok with the unit")
    func health() throws {
        let world = try World("health")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        let node = try world.makeNode(hub: hub)  // the hub need not run: health is local
        let daemon = try node.startDaemon()
        let health = try daemon.request("GET", "/health")
        #expect(health.status == 200, "\(health)")
        #expect(health.object?["status"] as? String == "ok")
        #expect(health.object?["unit"] as? String == "SONDUONG")
        #expect(health.headers["content-type"]?.hasPrefix("application/json") == true, "\(health.headers)")
        let state = try #require(parseJSON(try String(contentsOfFile: node.dataDirectory + "/daemon.json", encoding: .utf8)) as? [String: Any])
        #expect(state["api"] as? String == daemon.api, "daemon.json: \(state)")
        #expect((state["pid"] as? NSNumber)?.int32Value == daemon.pid)
    }

    @Test("/metrics: Prometheus text with the sync counters, moving as the node syncs and fails")
    func metrics() throws {
        let world = try World("metrics")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub)
        let daemon = try node.startDaemon()
        #expect(try daemon.request("PUT", "/records/initiatives", json: ["id": "SD-M", "unit": "SONDUONG", "year": 2022, "title": "Đo"]).status == 200)
        // Something to pull: a unit the hub publishes to everyone.
        let published = world.run(["record", "put", "--config", hub.configPath, "units", #"{"id":"SONDUONG","name":"UBND huyện Sơn Dương","group":"district"}"#])
        #expect(published.code == 0, "\(published)")
        #expect(try daemon.request("POST", "/sync").status == 202)
        #expect(eventually(timeout: 30) {
            let status = node.status()
            return status.code == 0 && status.int("hub_lag") == 0 && ((try? node.count("units")) ?? 0) == 1
        }, "\(node.status())")

        let response = try daemon.request("GET", "/metrics")
        #expect(response.status == 200)
        #expect(response.headers["content-type"]?.hasPrefix("text/plain") == true, "\(response.headers)")
        let text = response.text
        let names = ["reformsync_pending_changes", "reformsync_push_bytes_total", "reformsync_pulled_changes_total",
                     "reformsync_refused_changes_total", "reformsync_sync_errors_total", "reformsync_last_sync_age_seconds"]
        for name in names {
            #expect(prometheusValue(text, name) != nil, "no \(name) sample in:\n\(text)")
            #expect(text.contains("# TYPE \(name) "), "no TYPE line for \(name)")
        }
        #expect(text.contains("# TYPE reformsync_push_bytes_total counter"))
        #expect(text.contains("# TYPE reformsync_pending_changes gauge"))
        #expect((prometheusValue(text, "reformsync_push_bytes_total") ?? 0) > 0, "\(text)")
        #expect((prometheusValue(text, "reformsync_pulled_changes_total") ?? 0) > 0, "\(text)")
        #expect(prometheusValue(text, "reformsync_pending_changes") == 0, "\(text)")
        #expect(prometheusValue(text, "reformsync_refused_changes_total") == 0, "\(text)")
        #expect(prometheusValue(text, "reformsync_sync_errors_total") == 0, "\(text)")
        let age = prometheusValue(text, "reformsync_last_sync_age_seconds") ?? -1
        #expect(age >= 0 && age < 120, "last sync age \(age)")
        // Every sample line parses as `name value`.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            #expect(parts.count == 2 && Double(parts[1]) != nil && parts[0].hasPrefix("reformsync_"), "not a sample: \(line)")
        }

        // A failed round counts as an error.
        hub.kill()
        #expect(try daemon.request("POST", "/sync").status == 202)
        var errors = 0.0
        #expect(eventually(timeout: 30, every: 0.25) {
            errors = prometheusValue((try? daemon.request("GET", "/metrics").text) ?? "", "reformsync_sync_errors_total") ?? 0
            return errors >= 1
        }, "reformsync_sync_errors_total stayed \(errors) after a failed round")
    }

    @Test("/records: reads and writes, and their errors (404 unknown table, 422 bad field, 400 bad JSON)")
    func records() throws {
        let world = try World("records")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        let node = try world.makeNode(hub: hub)
        let daemon = try node.startDaemon()
        let good: [String: Any] = ["id": "SD-R1", "unit": "SONDUONG", "year": 2022, "title": "Một cửa liên thông"]

        // Writes and reads.
        let put = try daemon.request("PUT", "/records/initiatives", json: good)
        #expect(put.status == 200 && (put.object?["ids"] as? [String]) == ["SD-R1"], "\(put)")
        let array = try daemon.request("PUT", "/records/initiatives", json: [
            ["id": "SD-R2", "unit": "SONDUONG", "year": 2023, "title": "Hai"], ["id": "SD-R3", "unit": "SONDUONG", "year": 2023, "title": "Ba"],
        ])
        #expect(array.status == 200 && (array.object?["stored"] as? NSNumber)?.intValue == 2, "\(array)")
        let one = try daemon.request("GET", "/records/initiatives?id=SD-R1")
        #expect(one.status == 200 && one.object?["title"] as? String == "Một cửa liên thông", "\(one)")
        let filtered = try daemon.request("GET", "/records/initiatives?year=2023")
        #expect((filtered.json as? [[String: Any]])?.compactMap { $0["id"] as? String }.sorted() == ["SD-R2", "SD-R3"], "\(filtered)")
        let limited = try daemon.request("GET", "/records/initiatives?limit=1")
        #expect((limited.json as? [Any])?.count == 1, "\(limited)")

        // Unknown table: 404 on every verb.
        for (method, path) in [("GET", "/records/nosuch"), ("GET", "/records/nosuch?id=x"), ("PUT", "/records/nosuch"), ("DELETE", "/records/nosuch?id=x")] {
            let response = try daemon.request(method, path, json: method == "PUT" ? good : nil)
            #expect(response.status == 404, "\(method) \(path): \(response)")
            #expect(errorCode(response) == "unknown_table", "\(method) \(path): \(response)")
        }

        // Bad fields and values: 422, nothing stored.
        var badField = good
        badField["id"] = "SD-BAD1"
        badField["colour"] = "đỏ"
        var badType = good
        badType["id"] = "SD-BAD2"
        badType["year"] = "năm ngoái"
        var outOfRange = good
        outOfRange["id"] = "SD-BAD3"
        outOfRange["year"] = 1850
        let missingTitle: [String: Any] = ["id": "SD-BAD4", "unit": "SONDUONG", "year": 2022]
        var badChoice = good
        badChoice["id"] = "SD-BAD5"
        badChoice["status"] = "maybe"
        for (label, record) in [("unknown field", badField), ("wrong type", badType), ("out of range", outOfRange),
                                ("missing required", missingTitle), ("not in the vocabulary", badChoice)] {
            let response = try daemon.request("PUT", "/records/initiatives", json: record)
            #expect(response.status == 422, "\(label): \(response)")
            #expect(errorCode(response) == "invalid_record", "\(label): \(response)")
            let message = (response.object?["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(!message.isEmpty, "\(label): no message")
            let id = record["id"] as! String
            #expect(try daemon.request("GET", "/records/initiatives?id=\(id)").status == 404, "\(label): \(id) was stored")
        }
        // An array is stored all or none.
        let mixed = try daemon.request("PUT", "/records/initiatives", json: [["id": "SD-R4", "unit": "SONDUONG", "year": 2024, "title": "Bốn"], badField])
        #expect(mixed.status == 422, "\(mixed)")
        #expect(try daemon.request("GET", "/records/initiatives?id=SD-R4").status == 404, "half of a refused array was stored")
        // Filters are checked like fields, as query parameters: 400 naming the parameter.
        let unknownFilter = try daemon.request("GET", "/records/initiatives?colour=red")
        #expect(unknownFilter.status == 400 && errorCode(unknownFilter) == "unknown_field", "\(unknownFilter)")
        let badFilter = try daemon.request("GET", "/records/initiatives?year=abc")
        #expect(badFilter.status == 400 && errorCode(badFilter) == "bad_parameter" && badFilter.text.contains("year"), "\(badFilter)")

        // Bad JSON: 400.
        for body in ["{\"id\": \"SD-X\", ", "not json", "42", "[1, 2]", ""] {
            let response = try daemon.request("PUT", "/records/initiatives", body: Data(body.utf8))
            #expect(response.status == 400, "body \(body): \(response)")
            #expect(errorCode(response) == "bad_json", "body \(body): \(response)")
        }

        // Not found, missing id, delete.
        let missing = try daemon.request("GET", "/records/initiatives?id=SD-NONE")
        #expect(missing.status == 404 && errorCode(missing) == "not_found", "\(missing)")
        let noID = try daemon.request("DELETE", "/records/initiatives")
        #expect(noID.status == 400, "\(noID)")
        let deleted = try daemon.request("DELETE", "/records/initiatives?id=SD-R2")
        #expect(deleted.status == 200, "\(deleted)")
        #expect(try daemon.request("GET", "/records/initiatives?id=SD-R2").status == 404)
        let deleteMissing = try daemon.request("DELETE", "/records/initiatives?id=SD-NONE")
        #expect(deleteMissing.status == 404, "\(deleteMissing)")
        #expect(try daemon.request("GET", "/nothing-here").status == 404)

        // What the API stored is in the replica, as the CLI sees it.
        #expect(try node.count("initiatives") == 2)
        #expect(daemon.isRunning)
    }
}
