@_exported import ReformsyncTestSupport
import CRDT
import Foundation
import GRDB
import ReformData
@testable import Replica

/// A fresh temporary folder, removed by the caller with `cleanup()`.
struct TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

/// A wall clock the test can move, backwards too.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var millis: UInt64
    init(_ start: UInt64 = 1_655_531_940_000) { millis = start }
    func now() -> UInt64 { lock.withLock { millis } }
    func set(_ value: UInt64) { lock.withLock { millis = value } }
    func advance(_ delta: Int64) { lock.withLock { millis = UInt64(Int64(millis) + delta) } }
}

/// An in-memory replica. The hub's role by default: these tests exercise storage and merge, and
/// write any table; a node judges its own writes by the hub's policy (`LocalPolicyTests`).
func memoryReplica(unit: String = "SONDUONG", role: ReplicaRole = .hub, clock: TestClock = TestClock()) throws -> Replica {
    try Replica.create(writer: DatabaseQueue(), unit: unit, role: role, wallClock: { clock.now() })
}

/// Sends every change `from` has after `cursor` to `to`, page by page; returns the new cursor.
@discardableResult
func sync(from: Replica, to: Replica, cursor: ChangeCursor = .start, pageSize: Int = 50) throws -> ChangeCursor {
    var cursor = cursor
    while true {
        let page = try from.changes(after: cursor, limit: pageSize)
        try to.apply(page.changes, siteUnits: page.siteUnits)
        cursor = page.next
        if !page.hasMore { return cursor }
    }
}
