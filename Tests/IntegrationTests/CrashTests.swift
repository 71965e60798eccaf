import CRDT
import Foundation
import GRDB
import Replica
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension EndToEnd {
    @Suite("crashes mid-sync")
    struct Crashes {
        /// SIGKILL of the hub while a node pushes many small batches; the hub restarts on another
        /// port and the node syncs again: every change arrives, none is applied twice.
        @Test("hub killed mid-push: nothing lost, nothing applied twice")
        func hubKilledDuringPush() throws {
            let world = try World("hubkill")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let node = try world.makeNode("SONDUONG", hub: hub, batchChanges: 100)
            let rows = 4_000
            node.put("initiatives", (0..<rows).map { i in
                ["id": String(format: "SD-%05d", i), "unit": "SONDUONG", "year": 2023, "title": "Sáng kiến \(i)", "summary": "Tóm tắt \(i)"]
            })

            // About 200 batches of 100 changes; kill the hub once some are acknowledged.
            let sync = try world.spawn(["sync", "--once", "--config", node.configPath])
            let deadline = monotonicSeconds() + 60
            var acknowledged: Int64 = 0
            while sync.isRunning && monotonicSeconds() < deadline {
                acknowledged = try node.cursorPosition("push")
                if acknowledged >= 400 { break }  // ~20 batches in
                usleep(1_000)
            }
            let hubWasRunning = hub.isRunning
            hub.kill()
            try #require(hubWasRunning && sync.isRunning, "the push ended before the kill (acknowledged through \(acknowledged)): \(sync.result)")
            // The node fails this round (hub gone, retries exhausted) without losing its place.
            #expect(sync.waitForExit(timeout: 60), "sync --once gave up on the dead hub")
            let failed = sync.result
            #expect(failed.code == 1, "\(failed)")
            #expect(failed.stderr.contains("sync failed"), "\(failed)")
            let atKill = try hub.openReplica().liveCount("initiatives")
            #expect(atKill > 0 && atKill < rows, "the hub had part of the push when killed: \(atKill)")
            let cursorAfterKill = try node.cursorPosition("push")
            #expect(cursorAfterKill >= acknowledged && cursorAfterKill < Int64(rows))

            // Restart on a new ephemeral port; point the node at it.
            try hub.start()
            node.follow(hub)
            let (result, report) = node.sync()
            #expect(report?["push_batches"] as? Int ?? 0 > 0, "\(result)")
            #expect(report?["pending_changes"] as? Int == 0)

            let hubReplica = try hub.openReplica()
            #expect(try hubReplica.liveCount("initiatives") == rows)
            #expect(try hubReplica.get("initiatives", key: "SD-03999")?.values["summary"] == .text("Tóm tắt 3999"))
            // Each of the 4,000 rows merged exactly once: one version each.
            #expect(try hubReplica.currentVersion() == Int64(rows), "hub version counts each row once")
            let registered = try #require(try hub.registry().first { $0.unit == "SONDUONG" })
            #expect(registered.pushedThrough == (try node.cursorPosition("push")), "the registry saw the node's whole push")

            // The worst case of a lost acknowledgement (hub committed, node never heard): the node's
            // push cursor back at the start, so every batch goes again. All duplicates, nothing changes.
            let dumpBeforeResend = try dumpLines(hub.replicaPath)
            try DatabaseQueue(path: node.replicaPath).write { db in
                try db.execute(sql: "UPDATE _rs_cursors SET value = 0 WHERE name IN ('push.baseline', 'push.position')")
            }
            #expect(try node.cursorPosition("push") == 0)
            node.batchChanges = 2_000
            node.writeConfig()
            let (_, resent) = node.sync()
            #expect(resent?["pushed_changes"] as? Int == rows * 5, "everything sent again: \(String(describing: resent))")
            #expect(try hubReplica.currentVersion() == Int64(rows), "re-sent rows do not move the hub's version")
            expectSameDump(try dumpLines(hub.replicaPath), dumpBeforeResend, "the hub after every batch came twice")
            // Every field exactly once in the hub's history: nothing applied twice.
            var duplicated: [String] = []
            var wrongCount: [String] = []
            for i in 0..<rows {
                let key = String(format: "SD-%05d", i)
                let entries = try hubReplica.history("initiatives", key: key)
                if !duplicatedHistoryEntries(entries).isEmpty { duplicated.append(key) }
                if entries.count != 5 || entries.contains(where: { $0.fate != .current }) { wrongCount.append(key) }
            }
            #expect(duplicated.isEmpty, "history entries applied twice at the hub: \(duplicated.prefix(5))")
            #expect(wrongCount.isEmpty, "rows whose history is not exactly marker + 4 fields: \(wrongCount.prefix(5))")
            try expectNodeMatchesHub(node, hub)
        }

        /// SIGKILL of `sync --once` while it pulls many pages; the next round resumes and ends equal.
        @Test("client killed mid-pull: the next round converges")
        func clientKilledDuringPull() throws {
            let world = try World("clientkill")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let node = try world.makeNode("SONDUONG", hub: hub, batchChanges: 100)
            let rows = 6_000
            hub.put("methodologies", Reference.methodology)
            hub.put("criteria", (0..<rows).map { i in
                ["id": String(format: "C-%05d", i), "methodology": "M876", "level": "criterion", "code": "\(i / 100).\(i % 100)",
                 "name": "Tiêu chí \(i)", "max_points": 1.5, "sort": i]
            })

            let sync = try world.spawn(["sync", "--once", "--config", node.configPath])
            let deadline = monotonicSeconds() + 60
            var pulled: Int64 = 0
            while sync.isRunning && monotonicSeconds() < deadline {
                pulled = try node.cursorPosition("pull")
                if pulled >= 1_000 { break }
                usleep(1_000)
            }
            let wasRunning = sync.isRunning
            sync.killNow()
            try #require(wasRunning, "the pull ended before the kill (pulled through \(pulled)): \(sync.result)")
            #expect(sync.result.signal == SIGKILL)
            let partial = try node.openReplica().liveCount("criteria")
            #expect(partial > 0 && partial < rows, "the node had part of the pull when killed: \(partial)")
            // What was committed is whole: the pull cursor never runs ahead of the rows it records.
            let cursorAtKill = try node.cursorPosition("pull")
            #expect(cursorAtKill >= pulled)

            let (result, report) = node.sync()
            let resumedPages = report?["pull_pages"] as? Int ?? 0
            #expect(resumedPages > 0, "\(result)")
            let nodeReplica = try node.openReplica()
            #expect(try nodeReplica.liveCount("criteria") == rows)
            #expect(try nodeReplica.get("criteria", key: "C-05999")?.values["name"] == .text("Tiêu chí 5999"))
            try expectNodeMatchesHub(node, hub)
            var duplicated: [String] = []
            for i in stride(from: 0, to: rows, by: 7) {
                let key = String(format: "C-%05d", i)
                if !duplicatedHistoryEntries(try nodeReplica.history("criteria", key: key)).isEmpty { duplicated.append(key) }
            }
            #expect(duplicated.isEmpty, "history entries applied twice at the node: \(duplicated.prefix(5))")
            // The resumed round did not start over: it pulled exactly the rows the node lacked (a marker and 6 fields each).
            #expect(report?["pulled_changes"] as? Int == (rows - partial) * 7, "resumed where the first round stopped: \(String(describing: report))")
        }
    }
}
