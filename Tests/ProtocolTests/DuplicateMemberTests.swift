import Testing
import WireProtocol

/// A member name given twice in one object: JSONDecoder keeps the first, the hand-written reader
/// kept the last, so the same body meant different changes to the two (found by the
/// `FuzzChangeSet` fuzz target: `"hlc0":1,"hlc0":108496937287680000`). The readers the hub and the
/// nodes use refuse such a body (Protocol §5.2), whatever the level of the object.
@Suite("Change sets: a member name given twice")
struct DuplicateMemberTests {
    static let header = #""format":"reformsync.changes","protocol":1,"schema":1,"#
    static let sites = #""sites":[["0a0a0a0a0a0a0a0a","SONDUONG"]]"#
    static let row = #"{"t":"units","k":"SONDUONG","l":1,"h":0,"s":0,"m":1,"c":{"name":"A","group":"district"}}"#

    static let cases: [(body: String, reason: String)] = [
        ("{" + header + #""hlc0":1,"hlc0":108496937287680000,"# + sites + #","rows":[]}"#, #"member "hlc0" appears twice"#),
        ("{" + header + #""hlc0":1,"# + sites + #","rows":[],"rows":["# + row + "]}", #"member "rows" appears twice"#),
        ("{" + header + #""hlc0":1,"# + sites + #","rows":[{"t":"units","k":"A","k":"B","l":1,"h":0,"s":0,"m":1}]}"#, #"rows[0]: member "k" appears twice"#),
        ("{" + header + #""hlc0":1,"# + sites + #","rows":[{"t":"units","k":"A","l":1,"h":0,"s":0,"c":{"name":"x","name":"y"}}]}"#, #"member "name" appears twice"#),
        ("{" + header + #""hlc0":1,"# + sites + #","rows":[{"t":"units","k":"A","l":1,"h":0,"s":0,"c":{"name":{"a":1,"a":2}}}]}"#, #"member "a" appears twice"#),
    ]

    @Test("refused by the row model and by the direct reader, naming the member", arguments: 0..<cases.count)
    func refused(index: Int) {
        let (body, reason) = Self.cases[index]
        let bytes = Array(body.utf8)
        for (reader, result) in [
            ("row model", Result { () throws(WireError) in _ = try WireJSON.decode(ChangeSet.self, from: bytes, what: "changes") }),
            ("direct", Result { () throws(WireError) in _ = try WireJSON.read(ReceivedChangeSet.self, from: bytes, what: "changes") }),
            ("push", Result { () throws(WireError) in
                _ = try WireJSON.read(ReceivedPush.self, from: Array(#"{"through":{"baseline":0,"position":1},"changes":"#.utf8) + bytes + [UInt8(ascii: "}")], what: "push")
            }),
        ] {
            guard case .failure(let error) = result else {
                Issue.record("\(reader) accepted: \(body)")
                continue
            }
            #expect(error.message.contains(reason), "\(reader): \(error.message)")
        }
    }

    @Test("the same body without the repetition is read")
    func withoutRepetition() throws {
        let body = "{" + Self.header + #""hlc0":108496937287680000,"# + Self.sites + #","rows":["# + Self.row + "]}"
        let set = try WireJSON.decode(ChangeSet.self, from: Array(body.utf8), what: "changes")
        #expect(set.rows.count == 1)
        #expect(try WireJSON.read(ReceivedChangeSet.self, from: Array(body.utf8), what: "changes").resolved().changes.count == 3)
    }
}
