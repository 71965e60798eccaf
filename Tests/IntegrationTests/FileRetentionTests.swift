import FileStore
import Foundation
import NodeSync
import Replica
import Testing

/// A node removes files no row refers to once `files.retention_days` have passed since they lost
/// their last reference (Protocol §16.9); a re-attach within the grace keeps them.
@Suite("evidence retention at a node")
struct FileRetentionTests {
    @Test("detached: kept during the grace, removed after it; re-attached in time: kept; still attached: never removed")
    func grace() throws {
        let world = try World("files-retention")
        defer { world.shutdown() }
        let folder = world.path("node")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let replica = try Replica.create(path: folder + "/replica.sqlite", unit: "SONDUONG")
        try replica.put("assessment_scores", json: ["unit": .string("SONDUONG"), "year": .integer(2024), "criterion": .string("1.1")])
        let store = FileStore(dataDirectory: folder)
        let attacher = EvidenceAttacher(replica: replica, store: store, limits: FileLimits())
        let kept = try attacher.attach(table: "assessment_scores", record: "SONDUONG/2024/1.1", path: evidencePDF(world, "a.pdf", size: 2_000).path)
        let dropped = try attacher.attach(table: "assessment_scores", record: "SONDUONG/2024/1.1", path: evidencePDF(world, "b.pdf", size: 2_000).path)
        let back = try attacher.attach(table: "assessment_scores", record: "SONDUONG/2024/1.1", path: evidencePDF(world, "c.pdf", size: 2_000).path)
        try attacher.detach(table: "assessment_scores", record: "SONDUONG/2024/1.1", sha256: dropped.sha256)
        try attacher.detach(table: "assessment_scores", record: "SONDUONG/2024/1.1", sha256: back.sha256)
        let day = 86_400.0, start = Date()

        #expect(try FileRetention.sweep(replica: replica, store: store, graceDays: 30, now: start).isEmpty)
        #expect(try FileRetention.sweep(replica: replica, store: store, graceDays: 30, now: start + 29 * day).isEmpty)
        // Re-attached within the grace: its clock starts again if detached later.
        _ = try attacher.attach(table: "assessment_scores", record: "SONDUONG/2024/1.1", path: world.path("c.pdf"))
        #expect(try FileRetention.sweep(replica: replica, store: store, graceDays: 30, now: start + 29.5 * day).isEmpty)
        let removed = try FileRetention.sweep(replica: replica, store: store, graceDays: 30, now: start + 31 * day)
        #expect(removed == [dropped.sha256])
        #expect(Set(store.storedHashes()) == [kept.sha256, back.sha256])
        #expect(try FileRetention.sweep(replica: replica, store: store, graceDays: 30, now: start + 400 * day).isEmpty)
    }
}
