import CRDT
import Foundation
import ReformData
import ReformsyncTestSupport
import Testing
import WireProtocol

/// Change sets, push requests and pull pages are written and read by hand (`WireJSON` picks the
/// hand-written path for them). These tests hold that path to `JSONEncoder` and `JSONDecoder`:
/// the same bytes out, the same values in, the same verdict on broken input.
@Suite("Hand-written JSON of change sets agrees with JSONEncoder and JSONDecoder")
struct HandWrittenJSONTests {
    @Test("every change set of the vectors is written byte for byte as JSONEncoder writes it, and read back the same")
    func vectors() throws {
        var count = 0
        for name in ChangeSetVectorTests.files {
            let vector = try JSONDecoder().decode(ChangeSetVector.self, from: Data(contentsOf: ProtocolFiles.vector("change-sets", name)))
            for set in vector.changesets {
                try Self.agree(set, name)
                count += 1
            }
        }
        #expect(count >= 10)
    }

    @Test("push requests and pull pages built from random change sets agree both ways")
    func randomMessages() throws {
        var random = SeededRandom(seed: 0x5EED_0001)
        for round in 0..<300 {
            let set = Self.randomSet(&random)
            try Self.agree(set, "random set \(round)")
            let push = PushRequest(through: WireCursor(baseline: Int64.random(in: 0...9, using: &random), position: Int64.random(in: 0...1 << 40, using: &random)),
                                   changes: set)
            let pushBytes = try WireJSON.encode(push)
            #expect(pushBytes == (try WireJSON.encodeWithFoundation(push)), "random push \(round)")
            #expect((try WireJSON.decode(PushRequest.self, from: pushBytes, what: "push")) == (try WireJSON.decodeWithFoundation(PushRequest.self, from: pushBytes, what: "push")))
            let page = PullResponse(changes: set, next: WireCursor(baseline: 3, position: 7), more: round % 2 == 0, hubVersion: Int64(round))
            let pageBytes = try WireJSON.encode(page)
            #expect(pageBytes == (try WireJSON.encodeWithFoundation(page)), "random page \(round)")
            #expect((try WireJSON.decode(PullResponse.self, from: pageBytes, what: "pull")) == (try WireJSON.decodeWithFoundation(PullResponse.self, from: pageBytes, what: "pull")))
        }
    }

    /// Pushes and pull pages are written straight from the changes; they must be the bytes of the
    /// row model (`ChangeSet(changes:...)`) written by JSONEncoder: same rows, default stamps,
    /// site positions, key order — with markers, fields at other stamps and repeated fields.
    @Test("pushes and pull pages written straight from changes are the row model's bytes")
    func directWriter() throws {
        var random = SeededRandom(seed: 0x5EED_0003)
        let sites = (0..<3).map { _ in SiteID.random(using: &random) }
        for round in 0..<400 {
            var changes: [Change] = []
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                let table = ["initiatives", "assessment_scores", "tasks"].randomElement(using: &random)!
                let key = Self.randomText(&random, max: 4)
                let life = UInt64.random(in: 1...4, using: &random)
                let base = UInt64.random(in: 1 << 40...1 << 41, using: &random)
                for _ in 0..<Int.random(in: 1...6, using: &random) {
                    let stamp = Stamp(hlc: HLC(rawValue: base + UInt64.random(in: 0...2, using: &random)), site: sites.randomElement(using: &random)!)
                    let column: String? = Int.random(in: 0..<5, using: &random) == 0 ? nil : ["title", "b", "a_b", "ghi_chú", "x"].randomElement(using: &random)!
                    let value: Value = column == nil ? .null : [.null, .integer(Int64.random(in: -5...5, using: &random)), .real(Double(Int.random(in: -9...9, using: &random)) / 4),
                                                                .text(Self.randomText(&random))].randomElement(using: &random)!
                    changes.append(Change(table: table, key: key, column: column, value: value, stamp: stamp, causalLength: life))
                }
            }
            let units = Dictionary(uniqueKeysWithValues: sites.prefix(Int.random(in: 0...3, using: &random)).map { ($0, Self.randomText(&random, max: 5)) })
            let push = OutgoingPush(through: WireCursor(baseline: 1, position: Int64(round)), changes: changes, siteUnits: units, schemaVersion: 1,
                                    source: round % 2 == 0 ? nil : .init(site: sites[0].rawValue, unit: "SONDUONG", version: 9, since: round % 4 == 1 ? nil : 3))
            let pushBytes = try WireJSON.encode(push)
            #expect(pushBytes == (try WireJSON.encodeWithFoundation(push.model)), "push \(round): \(String(decoding: pushBytes, as: UTF8.self))")
            let page = OutgoingPullPage(changes: changes, siteUnits: units, schemaVersion: 1, next: WireCursor(baseline: 2, position: 5),
                                        more: round % 3 == 0, hubVersion: 77)
            let pageBytes = try WireJSON.encode(page)
            #expect(pageBytes == (try WireJSON.encodeWithFoundation(page.model)), "page \(round): \(String(decoding: pageBytes, as: UTF8.self))")
            #expect(pageBytes == (try WireJSON.encodeWithFoundation(page)))
        }
    }

    /// Truncated, spliced and bit-flipped bodies: the hand-written reader must never crash, must
    /// reject what `JSONDecoder` rejects and accept what it accepts, with the same result — but for
    /// integer fields written with a fraction, which it refuses where `JSONDecoder` rounds them.
    @Test("broken bodies get the same verdict from both readers")
    func brokenBodies() throws {
        var random = SeededRandom(seed: 0x5EED_0002)
        var rejected = 0, accepted = 0
        for round in 0..<60 {
            let bytes = try WireJSON.encode(Self.randomSet(&random, rows: 3))
            var variants: [[UInt8]] = (0..<bytes.count).filter { $0 % 7 == round % 7 }.map { Array(bytes.prefix($0)) }
            for _ in 0..<40 {
                var mutated = bytes
                let at = Int.random(in: 0..<mutated.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: mutated[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
                case 1: mutated.remove(at: at)
                case 2: mutated.insert(Array("{}[]\",:-.e0 \\".utf8).randomElement(using: &random)!, at: at)
                default: mutated[at] = Array("{}[]\",:-.e0 \\".utf8).randomElement(using: &random)!
                }
                variants.append(mutated)
            }
            for variant in variants {
                let (viaRows, direct) = Self.bothReaders(variant)
                #expect(Self.same(viaRows, direct), "read into changes differently: \(viaRows) vs \(direct): \(String(decoding: variant, as: UTF8.self))")
                if case .success = direct { accepted += 1 }
                let fast = Result { () throws(WireError) in try WireJSON.decode(ChangeSet.self, from: variant, what: "changes") }
                let reference = Result { () throws(WireError) in try WireJSON.decodeWithFoundation(ChangeSet.self, from: variant, what: "changes") }
                switch (fast, reference) {
                case let (.success(a), .success(b)): #expect(a == b, "\(String(decoding: variant, as: UTF8.self))")
                case (.failure, .failure): rejected += 1
                case let (.success, .failure(error)):
                    Issue.record("accepted what JSONDecoder rejects (\(error.message)): \(String(decoding: variant, as: UTF8.self))")
                case let (.failure(error), .success) where error.message.contains("expected a whole number"):
                    // Stricter on purpose: JSONDecoder rounds or truncates `12.75` in an integer field.
                    rejected += 1
                case let (.failure(error), .success):
                    Issue.record("rejected what JSONDecoder accepts (\(error.message)): \(String(decoding: variant, as: UTF8.self))")
                }
            }
        }
        #expect(rejected > 1000)
        #expect(accepted > 20, "too few variants read into changes for the comparison to mean much")
    }

    @Test("escapes, surrogate pairs and numbers are read as JSON defines them")
    func lexical() throws {
        let text = #"{"format":"reformsync.changes","protocol":1.0,"schema":1e0,"hlc0":18446744073709551615,"sites":[["0a0a0a0a0a0a0a0a"]],"#
            + #""rows":[{"t":"t\u00e2","k":"a\"b\\c\/d\ud83d\ude00\n","l":1,"h":0,"s":0,"c":{"x":-0.5,"y":5.0,"z":-9223372036854775808,"w":9223372036854775808}}]}"#
        let set = try WireJSON.decode(ChangeSet.self, from: Array(text.utf8), what: "set")
        #expect(set == (try WireJSON.decodeWithFoundation(ChangeSet.self, from: Array(text.utf8), what: "set")))
        #expect(set.hlc0 == UInt64.max)
        #expect(set.rows[0].t == "tâ")
        #expect(set.rows[0].k == "a\"b\\c/d😀\n")
        #expect(set.rows[0].c?["x"] == .double(-0.5))
        #expect(set.rows[0].c?["y"] == .integer(5))
        #expect(set.rows[0].c?["z"] == .integer(Int64.min))
        #expect(set.rows[0].c?["w"] == .double(9223372036854775808))
        #expect(set.sites[0].unit == nil)
        for (broken, reason) in [(#"{"rows":[1,]}"#, "expected"), (#"{"a":"\ud83d"}"#, "unpaired surrogate"), ("{\"a\":\"\u{1}\"}", "control character"),
                                 (#"{"a":01}"#, "not valid JSON"), (#"{"a":1.}"#, "digits after its decimal point"), (#"{"a":tru}"#, "expected true or false"),
                                 ("{\"a\":" + String(repeating: "[", count: 100), "nested deeper"),
                                 (#"{"format":"reformsync.changes","protocol":1,"schema":1,"hlc0":0,"sites":[],"rows":[]} x"#, "the end of the body")] {
            #expect(throws: WireError.self, "\(broken) must be refused") { try WireJSON.decode(ChangeSet.self, from: Array(broken.utf8), what: "set") }
            do throws(WireError) {
                _ = try WireJSON.decode(ChangeSet.self, from: Array(broken.utf8), what: "set")
            } catch {
                #expect(error.message.contains(reason), "\(broken): \(error.message)")
            }
        }
    }

    // MARK: Helpers

    /// Writes `set` both ways (same bytes) and reads the bytes both ways (same value).
    static func agree(_ set: ChangeSet, _ what: String) throws {
        let reference = try WireJSON.encodeWithFoundation(set)
        let fast = try WireJSON.encode(set)
        #expect(fast == reference, "\(what): written differently:\n\(String(decoding: fast, as: UTF8.self))\n\(String(decoding: reference, as: UTF8.self))")
        let read = try WireJSON.decode(ChangeSet.self, from: reference, what: what)
        #expect(read == (try WireJSON.decodeWithFoundation(ChangeSet.self, from: reference, what: what)), "\(what): read differently")
        let (viaRows, direct) = Self.bothReaders(reference)
        #expect(Self.same(viaRows, direct), "\(what): read into changes differently: \(viaRows) vs \(direct)")
    }

    typealias Changes = Result<(changes: [Change], siteUnits: [SiteID: String]), WireError>

    /// The changes of a set read through the row model (`ChangeSet`, `decodedChanges`) and
    /// straight (`ReceivedChangeSet`, `resolved`), as the hub and the node read them.
    static func bothReaders(_ bytes: [UInt8]) -> (rowModel: Changes, direct: Changes) {
        let rowModel = Changes { () throws(WireError) in try WireJSON.decode(ChangeSet.self, from: bytes, what: "changes").decodedChanges() }
        let direct = Changes { () throws(WireError) in try WireJSON.read(ReceivedChangeSet.self, from: bytes, what: "changes").resolved() }
        return (rowModel, direct)
    }

    /// Same changes and units, or the same error message.
    static func same(_ a: Changes, _ b: Changes) -> Bool {
        switch (a, b) {
        case let (.success(x), .success(y)): return x.changes == y.changes && x.siteUnits == y.siteUnits
        case let (.failure(x), .failure(y)): return x.message == y.message
        default: return false
        }
    }

    static let alphabet: [String] = ["a", "Z", "0", " ", "/", "\"", "\\", "\u{0}", "\u{1f}", "\n", "\t", "\u{8}", "\u{c}", "\u{7f}", "ệ", "e\u{302}\u{323}",
                                     "Đ", "\u{2028}", "😀", "中", "\u{feff}"]

    static func randomText(_ random: inout SeededRandom, max: Int = 12) -> String {
        (0..<Int.random(in: 0...max, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined()
    }

    static func randomValue(_ random: inout SeededRandom) -> JSONValue {
        switch Int.random(in: 0..<8, using: &random) {
        case 0: return .null
        case 1: return .integer(Int64.random(in: Int64.min...Int64.max, using: &random))
        case 2: return .integer(Int64.random(in: -100...100, using: &random))
        case 3: return .double(Double(Int.random(in: -400...400, using: &random)) / 8)
        case 4: return .double([1e-7, 1e21, 0.1, 123456789.125, 1.7976931348623157e308, 5e-324, 2.5e15].randomElement(using: &random)!)
        case 5: return .bool(Bool.random(using: &random))
        default: return .string(randomText(&random))
        }
    }

    static func randomSet(_ random: inout SeededRandom, rows: Int = 8) -> ChangeSet {
        let sites = (0..<Int.random(in: 1...3, using: &random)).map { i in
            ChangeSet.SiteEntry(site: String(format: "%016llx", UInt64.random(in: 0...UInt64.max, using: &random)), unit: i == 2 ? nil : randomText(&random, max: 6))
        }
        let columns = ["title", "self_score", "evidence", "b", "a_b", "ghi_chú"]
        let rowList = (0..<Int.random(in: 0...rows, using: &random)).map { _ -> ChangeSet.RowChanges in
            var c: [String: JSONValue]?
            var x: [String: [JSONValue]]?
            for column in columns where Bool.random(using: &random) {
                if Int.random(in: 0..<3, using: &random) == 0 {
                    x = x ?? [:]
                    x![column] = [randomValue(&random), .integer(Int64.random(in: 0...1 << 40, using: &random)), .integer(Int64.random(in: 0...2, using: &random))]
                } else {
                    c = c ?? [:]
                    c![column] = randomValue(&random)
                }
            }
            let marker: ChangeSet.Stamped? = [nil, .defaultStamp, .own(hlc: UInt64.random(in: 0...1 << 50, using: &random), site: 1)].randomElement(using: &random)!
            return ChangeSet.RowChanges(t: randomText(&random), k: randomText(&random), l: UInt64.random(in: 0...9, using: &random),
                                        h: UInt64.random(in: 0...1 << 45, using: &random), s: Int.random(in: 0...2, using: &random), m: marker, c: c, x: x)
        }
        let source: ChangeSet.Source? = Bool.random(using: &random) ? nil
            : .init(site: sites[0].site, unit: randomText(&random), version: Int64.random(in: 0...1 << 50, using: &random),
                    since: Bool.random(using: &random) ? nil : Int64.random(in: 0...1000, using: &random))
        return ChangeSet(format: ChangeSet.formatName, protocol: 1, schema: 1, hlc0: UInt64.random(in: 0...UInt64.max / 2, using: &random),
                         sites: sites, rows: rowList, source: source)
    }
}
