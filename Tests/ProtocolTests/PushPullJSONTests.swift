import CRDT
import Foundation
import ReformData
import ReformsyncTestSupport
import Testing
import WireProtocol

/// The push answer carrying the first pull page (Protocol/README.md §18.2) is written and read by
/// hand like the other messages with change sets: held to `JSONEncoder` and `JSONDecoder`.
@Suite("Push answers with a pull page: hand-written JSON agrees with Foundation")
struct PushPullJSONTests {
    @Test("written byte for byte as JSONEncoder writes the row model; read back the same as JSONDecoder reads it")
    func agree() throws {
        var random = SeededRandom(seed: 0x5EED_0018)
        let sites = (0..<2).map { _ in SiteID.random(using: &random) }
        for round in 0..<200 {
            var changes: [Change] = []
            for index in 0..<Int.random(in: 0...5, using: &random) {
                let stamp = Stamp(hlc: HLC(rawValue: UInt64.random(in: 1 << 40...1 << 41, using: &random)), site: sites[index % 2])
                changes.append(Change(table: "initiatives", key: "K\(index)", column: "title", value: .text("Sáng kiến \(round)"),
                                      stamp: stamp, causalLength: 1))
            }
            let refused = (0..<Int.random(in: 0...3, using: &random)).map { index in
                RefusedChange(table: "initiatives", key: "HY-\(index)", column: index % 2 == 0 ? nil : "title", hlc: "\(1 << 40 + index)",
                              site: sites[0].rawValue, code: "not_owner", reason: "the record belongs to \"HAMYEN\"\n")
            }
            let push = PushResponse(acknowledged: WireCursor(baseline: 3, position: Int64(round)), applied: round, duplicates: round % 3,
                                    superseded: round % 2, refused: refused, hubVersion: Int64(round * 7))
            let page = round % 4 == 0 ? nil : OutgoingPullPage(changes: changes, siteUnits: [sites[0]: "SNV"], schemaVersion: 1,
                                                                next: WireCursor(baseline: 4, position: 9), more: round % 3 == 0, hubVersion: 77)
            let answer = OutgoingPushPull(push: push, pull: page)
            let bytes = try WireJSON.encode(answer)
            #expect(bytes == (try WireJSON.encodeWithFoundation(answer.model)), "round \(round): \(String(decoding: bytes, as: UTF8.self))")
            let read = try WireJSON.read(ReceivedPushPull.self, from: bytes, what: "push answer")
            let foundation = try WireJSON.decodeWithFoundation(PushPullResponse.self, from: bytes, what: "push answer")
            #expect(read.push == foundation.push && read.push == push, "round \(round)")
            #expect((read.pull == nil) == (page == nil))
            if let pulled = read.pull {
                #expect(try pulled.changes.resolved().changes == changes, "round \(round)")
                #expect(pulled.next == WireCursor(baseline: 4, position: 9) && pulled.hubVersion == 77)
            }
            // An old hub's plain PushResponse reads as an answer without a page.
            let plain = try WireJSON.encode(push)
            #expect(try WireJSON.read(ReceivedPushPull.self, from: plain, what: "push answer").pull == nil)
        }
    }
}
