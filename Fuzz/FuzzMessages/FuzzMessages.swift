// Fuzz target: the decoders of the protocol's messages (Protocol §6-§12), each given every input.
//
// - `WireJSON.decode` of the handshake request (the hub reads it) and response (the node), the
//   push response (the node), and the error envelope (either side): JSONDecoder-based;
// - `WireJSON.read` of `ReceivedPush` (the hub) and `ReceivedPullPage` (the node): the
//   hand-written reader, then `resolved()` of the change set they carry;
// - `PushRequest` and `PullResponse` through the hand-written reader and through JSONDecoder:
//   when both accept, they must read the same message;
// - `ReceivedPushPull` (the node reads a push answer carrying the first pull page, §18.2) against
//   `PushPullResponse` through JSONDecoder: when both accept, the same acknowledgement and counts,
//   and a pull page in both or in neither;
// - the evidence file messages (§16.4) `FileStatusRequest`, `FileStatusResponse`,
//   `FileUploadResponse`, and the bootstrap's `SnapshotManifest` (§19.3), and the handshake's newer
//   fields (`features`, `hub_epoch`, `node_clock`, `pushed_through`): whatever JSONDecoder accepts
//   is written and read again to the same value.
import CRDT
import FuzzSupport
import ReformData
import WireProtocol

func bothWays<T: Decodable & Equatable>(_ type: T.Type, _ bytes: [UInt8]) {
    let fast = Result { () throws(WireError) in try WireJSON.decode(type, from: bytes, what: "message") }
    let reference = Result { () throws(WireError) in try WireJSON.decodeWithFoundation(type, from: bytes, what: "message") }
    if case .success(let a) = fast, case .success(let b) = reference, a != b {
        fuzzFailure("\(type): the hand-written and Foundation readers read different messages")
    }
}

/// Decoded, written with `WireJSON.encode`, decoded again: the same value.
func roundTrip<T: Codable & Equatable>(_ type: T.Type, _ bytes: [UInt8]) {
    guard let value = try? WireJSON.decode(type, from: bytes, what: "message") else { return }
    guard let written = try? WireJSON.encode(value) else { fuzzFailure("\(type) read but cannot be written") }
    guard let again = try? WireJSON.decode(type, from: written, what: "message"), again == value else {
        fuzzFailure("\(type) written as \(String(decoding: written, as: UTF8.self)) reads back differently")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = try? WireJSON.decode(HandshakeRequest.self, from: bytes, what: "handshake")
    _ = try? WireJSON.decode(HandshakeResponse.self, from: bytes, what: "handshake response")
    _ = try? WireJSON.decode(PushResponse.self, from: bytes, what: "push response")
    _ = try? WireJSON.decode(ErrorResponse.self, from: bytes, what: "error")
    if let push = try? WireJSON.read(ReceivedPush.self, from: bytes, what: "push") { _ = try? push.changes.resolved() }
    if let page = try? WireJSON.read(ReceivedPullPage.self, from: bytes, what: "pull response") { _ = try? page.changes.resolved() }
    bothWays(PushRequest.self, bytes)
    bothWays(PullResponse.self, bytes)
    let received = try? WireJSON.read(ReceivedPushPull.self, from: bytes, what: "push response")
    if let received { _ = try? received.pull?.changes.resolved() }
    if let received, let reference = try? WireJSON.decodeWithFoundation(PushPullResponse.self, from: bytes, what: "push response"),
       received.push != reference.push || (received.pull == nil) != (reference.pull == nil) {
        fuzzFailure("ReceivedPushPull and PushPullResponse read different push answers")
    }
    roundTrip(HandshakeRequest.self, bytes)
    roundTrip(HandshakeResponse.self, bytes)
    roundTrip(FileStatusRequest.self, bytes)
    roundTrip(FileStatusResponse.self, bytes)
    roundTrip(FileUploadResponse.self, bytes)
    roundTrip(SnapshotManifest.self, bytes)
    return 0
}

@_cdecl("FuzzMessages_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
