// Fuzz target: every reader of a change set (Protocol §5), as exchange files, push bodies and pull
// pages reach them.
//
// - the hand-written row model (`WireJSON.decode(ChangeSet.self)`, `import-changes`), then
//   `decodedChanges()`;
// - the hand-written direct reader (`ReceivedChangeSet`, the hub's push and the node's pull),
//   then `resolved()`;
// - Foundation's `JSONDecoder` (`WireJSON.decodeWithFoundation`), then `decodedChanges()`.
//
// Besides not crashing, the readers must agree, as Tests/ProtocolTests/HandWrittenJSONTests
// checks on its mutated bodies: the row model and the direct reader give the same changes or the
// same error; the hand-written and Foundation readers give the same set or both refuse it (the
// hand-written one may refuse a non-whole number in an integer field, which JSONDecoder rounds,
// a member name given twice, and text that breaks RFC 8259 in a member JSONDecoder skips).
// Accepted changes are written again (`ChangeSet.json(changes:...)`), which must read back
// without error and give back only changes that were accepted.
import CRDT
import FuzzSupport
import ReformData
import WireProtocol

typealias Changes = Result<(changes: [Change], siteUnits: [SiteID: String]), WireError>

func same(_ a: Changes, _ b: Changes) -> Bool {
    switch (a, b) {
    case let (.success(x), .success(y)): return x.changes == y.changes && x.siteUnits == y.siteUnits
    case let (.failure(x), .failure(y)): return x.message == y.message
    default: return false
    }
}

func describe(_ result: Changes) -> String {
    switch result {
    case .success(let value): return "\(value.changes.count) change(s)"
    case .failure(let error): return "error: \(error.message)"
    }
}

/// Whether the hand-written reader's error lies inside a member that JSONDecoder skips (one the
/// change set does not define): JSONDecoder checks little there (it took `{"since":-}`), the
/// hand-written reader checks the JSON grammar everywhere.
func inSkippedMember(_ message: String) -> Bool {
    // "changes: rows[0].extra.a: ..." -> ["rows[0]", "extra", "a"]
    guard message.hasPrefix("changes: "), let end = message.dropFirst(9).range(of: ": ") else { return false }
    let path = message.dropFirst(9)[..<end.lowerBound].split(separator: ".").map(String.init)
    let known = ["format", "protocol", "schema", "hlc0", "sites", "rows", "source"]
    let row = ["t", "k", "l", "h", "s", "m", "c", "x"]
    let source = ["site", "unit", "version", "since"]
    guard let top = path.first else { return false }
    if top.hasPrefix("rows[") { return path.count > 1 && !row.contains(path[1]) }
    if top == "source" { return path.count > 1 && !source.contains(path[1]) }
    return !known.contains(top.split(separator: "[").first.map(String.init) ?? top)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)

    let fast = Result { () throws(WireError) in try WireJSON.decode(ChangeSet.self, from: bytes, what: "changes") }
    let rowModel: Changes = fast.flatMap { set in Changes { () throws(WireError) in try set.decodedChanges() } }
    let direct = Changes { () throws(WireError) in try WireJSON.read(ReceivedChangeSet.self, from: bytes, what: "changes").resolved() }
    guard same(rowModel, direct) else {
        fuzzFailure("row model and direct reader disagree: \(describe(rowModel)) vs \(describe(direct))")
    }

    let reference = Result { () throws(WireError) in try WireJSON.decodeWithFoundation(ChangeSet.self, from: bytes, what: "changes") }
    switch (fast, reference) {
    case let (.success(a), .success(b)):
        guard a == b else { fuzzFailure("hand-written and Foundation readers read different sets") }
    case (.failure, .failure):
        break
    case let (.success, .failure(error)):
        fuzzFailure("the hand-written reader accepts what JSONDecoder refuses (\(error.message))")
    case let (.failure(error), .success):
        // Stricter on purpose: JSONDecoder rounds or truncates `12.75` in an integer field, keeps
        // the first of two members with one name, nests up to 512 levels (64 here), and does not
        // check the text of members it skips, which RFC 8259 requires to be UTF-8 without raw
        // control characters, unknown escapes or unpaired surrogates.
        let stricter = ["expected a whole number", "appears twice", "nested deeper than", "not valid UTF-8",
                        "control character", "unknown escape", "unpaired surrogate", "is out of range"]
        guard stricter.contains(where: error.message.contains) || inSkippedMember(error.message) else {
            fuzzFailure("the hand-written reader refuses what JSONDecoder accepts (\(error.message))")
        }
    }
    if case .success(let set) = reference { _ = try? set.decodedChanges() }

    // What was accepted must survive being written again (a hub serves what it merged).
    if case .success(let decoded) = direct {
        let schema = (try? fast.get().schema) ?? 1
        let written = ChangeSet.json(changes: decoded.changes, siteUnits: decoded.siteUnits, schemaVersion: schema)
        let again = Changes { () throws(WireError) in try WireJSON.read(ReceivedChangeSet.self, from: written, what: "rewritten").resolved() }
        guard case .success(let reread) = again else {
            fuzzFailure("accepted changes, written again, are refused: \(describe(again)): \(String(decoding: written, as: UTF8.self))")
        }
        // Rows are regrouped when written, so the order may differ; and two changes of one field
        // with one stamp (names equal once in NFC) become one member: a subset, nothing invented.
        let original = Set(decoded.changes)
        guard reread.changes.allSatisfy(original.contains), original.isEmpty == reread.changes.isEmpty else {
            fuzzFailure("accepted changes, written again, read back differently: \(String(decoding: written, as: UTF8.self))")
        }
    }
    return 0
}

@_cdecl("FuzzChangeSet_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
