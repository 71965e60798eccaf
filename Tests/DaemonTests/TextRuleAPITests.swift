import Foundation
import Testing

/// Control characters through the local API (issue 9): refused with the field named, never stored
/// cut at U+0000; tab and line breaks are text.
@Suite("local API: text rules", .serialized, .timeLimit(.minutes(2)))
struct TextRuleAPITests {
    @Test("U+0000 and other controls in a PUT are 422 naming the field; nothing stored; tab and line breaks kept")
    func controlCharacters() throws {
        let world = try World("textrules")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        let node = try world.makeNode(hub: hub)
        let daemon = try node.startDaemon()
        for (name, title) in [("U+0000", "Một\u{0}cửa"), ("U+001B", "Một\u{1B}cửa")] {
            let refused = try daemon.request("PUT", "/records/initiatives", json: ["id": "SD-T", "unit": "SONDUONG", "year": 2022, "title": title])
            #expect(refused.status == 422, "\(name): \(refused)")
            let error = refused.object?["error"] as? [String: Any]
            #expect(error?["code"] as? String == "invalid_record", "\(name): \(refused)")
            #expect((error?["message"] as? String)?.contains("title") == true && (error?["message"] as? String)?.contains(name) == true,
                    "\(name): \(refused)")
        }
        #expect(try daemon.request("GET", "/records/initiatives?id=SD-T").status == 404, "nothing was stored")
        let kept = try daemon.request("PUT", "/records/initiatives", json: ["id": "SD-T", "unit": "SONDUONG", "year": 2022, "title": "Dòng 1\nDòng 2\tcột"])
        #expect(kept.status == 200, "\(kept)")
        #expect(try daemon.request("GET", "/records/initiatives?id=SD-T").object?["title"] as? String == "Dòng 1\nDòng 2\tcột")
    }

    @Test("a write the hub would refuse is refused at once with the hub's code: 403 not_owner / hub_only")
    func hubPolicyAtTheAPI() throws {
        let world = try World("localpolicy")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        let node = try world.makeNode(hub: hub)
        let daemon = try node.startDaemon()
        let cases: [(String, [String: Any], Int, String)] = [
            ("initiatives", ["id": "YS-1", "unit": "YENSON", "year": 2022, "title": "Của Yên Sơn"], 403, "not_owner"),
            ("units", ["id": "SONDUONG", "name": "Tự đặt", "group": "district"], 403, "hub_only"),
            ("assessment_scores", ["unit": "SONDUONG", "year": 2022, "criterion": "C1.1", "self_score": 1, "appraised_score": 1], 403, "hub_only"),
        ]
        for (table, record, status, code) in cases {
            let refused = try daemon.request("PUT", "/records/\(table)", json: record)
            #expect(refused.status == status, "\(table): \(refused)")
            #expect((refused.object?["error"] as? [String: Any])?["code"] as? String == code, "\(table): \(refused)")
        }
        #expect(try node.count("initiatives") == 0 && node.count("units") == 0 && node.count("assessment_scores") == 0, "nothing stored")
        #expect(try daemon.request("PUT", "/records/initiatives", json: ["id": "SD-1", "unit": "SONDUONG", "year": 2022, "title": "Của mình"]).status == 200)
    }
}
