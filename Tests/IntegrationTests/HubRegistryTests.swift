import CRDT
import Foundation
import HubClient
import ReformData
import Replica
import Testing
import WireProtocol

extension EndToEnd {
    @Suite("the hub's registry, status, metrics and exchange files")
    struct HubRegistry {
        /// A site is bound to the unit that first used it; another unit claiming it (handshake,
        /// push `source.site`, pull `site=`) gets 403 `site_taken` naming both, and it is logged.
        @Test("a site is bound to its first unit; another unit claiming it is refused and logged")
        func siteBinding() throws {
            let world = try World("sites")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let sonDuong = try world.makeNode("SONDUONG", hub: hub)
            let yenSon = try world.makeNode("YENSON", hub: hub)
            Reference.seed(hub)
            sonDuong.sync()
            let site = try sonDuong.openReplica().site.rawValue
            let registryBefore = try hub.registry().map { "\($0.site) \($0.unit) \($0.received)" }
            #expect(registryBefore.contains { $0.hasPrefix("\(site) SONDUONG") }, "\(registryBefore)")
            let dumpBefore = try dumpLines(hub.replicaPath)

            let auth = Auth.bearer(yenSon.token)
            let handshake = try hub.http("POST", "/v1/handshake", headers: auth, body: handshakeJSON(site: site, unit: "YENSON"))
            #expect(handshake.status == 403 && handshake.envelope?.code == "site_taken", "\(handshake)")
            #expect(handshake.envelope?.message.contains(site) == true && handshake.envelope?.message.contains("SONDUONG") == true, "\(handshake)")

            // A push under the taken site, with a change YENSON could otherwise write: nothing merged.
            let stamp = Stamp(hlc: HLC(millis: UInt64(Date().timeIntervalSince1970 * 1000)), site: SiteID(site)!)
            let changes = [Change(table: "initiatives", key: "YS-SPOOF", column: nil, value: .null, stamp: stamp, causalLength: 1)]
                + [("unit", Value.text("YENSON")), ("year", .integer(2023)), ("title", .text("Giả mạo"))].map {
                    Change(table: "initiatives", key: "YS-SPOOF", column: $0.0, value: $0.1, stamp: stamp, causalLength: 1)
                }
            let push = try WireJSON.encode(PushRequest(through: WireCursor(baseline: 0, position: 1),
                                                       changes: ChangeSet(changes: changes, siteUnits: [SiteID(site)!: "YENSON"], schemaVersion: ReformSchema.version,
                                                                          source: .init(site: site, unit: "YENSON", version: 1, since: 0))))
            let pushed = try hub.http("POST", "/v1/push", headers: auth, body: push)
            #expect(pushed.status == 403 && pushed.envelope?.code == "site_taken", "\(pushed)")
            let pulled = try hub.http("GET", "/v1/pull?site=\(site)", headers: auth)
            #expect(pulled.status == 403 && pulled.envelope?.code == "site_taken", "\(pulled)")

            // Malformed sites: 400 naming the field.
            let badHandshake = try hub.http("POST", "/v1/handshake", headers: auth, body: handshakeJSON(site: "not-a-site", unit: "YENSON"))
            #expect(badHandshake.status == 400 && badHandshake.envelope?.code == "bad_request", "\(badHandshake)")
            let badPush = String(decoding: push, as: UTF8.self).replacingOccurrences(of: "\"site\":\"\(site)\"", with: "\"site\":\"zz\"")
            #expect(badPush != String(decoding: push, as: UTF8.self))
            let badPushed = try hub.http("POST", "/v1/push", headers: auth, body: Array(badPush.utf8))
            #expect(badPushed.status == 400 && badPushed.envelope?.message.contains("source.site") == true, "\(badPushed)")
            let badPull = try hub.http("GET", "/v1/pull?site=12", headers: auth)
            #expect(badPull.status == 400 && badPull.envelope?.message.contains("site") == true, "\(badPull)")

            expectSameDump(try dumpLines(hub.replicaPath), dumpBefore, "the hub's data after the spoofing attempts")
            #expect(try hub.registry().map { "\($0.site) \($0.unit) \($0.received)" } == registryBefore, "the registry line of SONDUONG's site is untouched")
            #expect(hub.log.contains("refused a site claimed by another unit"), "logged: \(hub.log)")
            // The rightful owners keep syncing.
            yenSon.sync()
            sonDuong.sync()
        }

        /// `reformsync status` at the hub: the hub process (address, pid, uptime) and the node
        /// registry, as a table and as JSON; "not running" when it is not.
        @Test("status at the hub shows the hub and its node registry (table and JSON)")
        func hubStatus() throws {
            let world = try World("hubstatus")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            let stopped = hub.run(["status", "--json"])
            #expect(stopped.code == 1, "\(stopped)")
            let stoppedJSON = try #require(parseJSON(stopped.stdout) as? [String: Any], "\(stopped)")
            #expect(stoppedJSON["role"] as? String == "hub" && stoppedJSON["hub_running"] as? Bool == false, "\(stoppedJSON)")

            try hub.start()
            let node = try world.makeNode("SONDUONG", hub: hub)
            Reference.seed(hub)
            node.sync()
            let site = try node.openReplica().site.rawValue
            let status = hub.run(["status", "--json"])
            #expect(status.code == 0, "\(status)")
            let json = try #require(parseJSON(status.stdout) as? [String: Any], "\(status)")
            #expect(json["health"] as? String == "healthy", "\(json)")
            #expect(json["hub_running"] as? Bool == true && json["listening"] as? String == hub.url, "\(json)")
            #expect((json["hub_pid"] as? Int ?? 0) > 0 && (json["hub_uptime_seconds"] as? Double ?? -1) >= 0, "\(json)")
            let nodes = try #require(json["nodes"] as? [[String: Any]], "\(json)")
            #expect(nodes.count == 1, "\(nodes)")
            #expect(nodes.first?["unit"] as? String == "SONDUONG" && nodes.first?["site"] as? String == site, "\(nodes)")
            #expect(nodes.first?["last_seen_at"] is String && nodes.first?["clock_offset_ms"] is Int, "\(nodes)")
            #expect(nodes.first?["changes_refused"] as? Int == 0 && (nodes.first?["software"] as? String ?? "").hasPrefix("reformsync/"), "\(nodes)")

            let table = hub.run(["status"])
            #expect(table.code == 0, "\(table)")
            #expect(table.stdout.contains("running, pid") && table.stdout.contains("listening on \(hub.url)"), "\(table.stdout)")
            #expect(table.stdout.contains("SONDUONG") && table.stdout.contains(site), "\(table.stdout)")
            #expect(!table.stdout.contains("daemon"), "no daemon line at the hub: \(table.stdout)")

            hub.stop()
            let after = hub.run(["status"])
            #expect(after.code == 1 && after.stdout.contains("NOT running"), "\(after)")
        }

        /// `/metrics` (operator token): requests by route and status, merged changes, refusals by
        /// code, nodes seen, per-node last-seen age; `promtool check metrics` accepts it.
        @Test("the hub's /metrics has the documented series and passes promtool")
        func hubMetrics() throws {
            let world = try World("hubmetrics")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let node = try world.makeNode("SONDUONG", hub: hub)
            Reference.seed(hub)
            Reference.ownData(node)
            // A key YENSON already holds at the hub: refused not_owner (the node cannot know it).
            hub.put("initiatives", [["id": "SD-Q", "unit": "YENSON", "year": 2023, "title": "Của Yên Sơn"]])
            node.put("initiatives", [["id": "SD-Q", "unit": "SONDUONG", "year": 2023, "title": "Trùng mã"]])
            node.sync(expectSuccess: false)
            _ = try hub.http("GET", "/nowhere")
            let auth = Auth.bearer(try hub.createOperatorToken())
            let metrics = try hub.http("GET", "/metrics", headers: auth)
            #expect(metrics.status == 200, "\(metrics)")
            let text = metrics.text
            for expected in [#"reformsync_hub_requests_total{route="/v1/push",status="200"}"#,
                             #"reformsync_hub_requests_total{route="unmatched",status="404"}"#,
                             #"reformsync_hub_refused_changes_total{code="not_owner"}"#,
                             "reformsync_hub_nodes_seen 1",
                             #"reformsync_hub_node_last_seen_age_seconds{unit="SONDUONG""#] {
                #expect(text.contains(expected), "missing \(expected) in:\n\(text)")
            }
            let merged = text.split(separator: "\n").first { $0.hasPrefix("reformsync_hub_changes_merged_total ") }
            #expect(merged.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0 > 0, "\(text)")
            let names = Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(whereSeparator: { $0 == "{" || $0 == " " }).first.map(String.init) })
            for series in names {
                // A histogram's series (_bucket, _sum, _count) share the HELP and TYPE of its name.
                let base = ["_bucket", "_sum", "_count"].first { series.hasSuffix($0) && text.contains("# TYPE \(series.dropLast($0.count)) histogram") }
                let name = base.map { String(series.dropLast($0.count)) } ?? series
                #expect(text.contains("# HELP \(name) ") && text.contains("# TYPE \(name) "), "\(name) lacks HELP or TYPE")
            }
            for expected in ["reformsync_hub_requests_in_flight ", "reformsync_hub_requests_queued 0", "reformsync_hub_live_pulls 0",
                             "reformsync_hub_overloaded_total 0", #"reformsync_hub_request_duration_seconds_count{route="/v1/push"}"#,
                             "reformsync_hub_queue_wait_seconds_count "] {
                #expect(text.contains(expected), "missing \(expected) in:\n\(text)")
            }
            if let lint = promtoolCheck(text) {
                #expect(lint.code == 0, "promtool check metrics: \(lint.output)\n\(text)")
            }
        }

        /// At the hub, `export-changes` needs `--unit` and writes exactly what that unit's pull
        /// would get; `import-changes` applies the write policy of the file's source unit, as a push.
        @Test("exchange files at the hub: export applies the unit's read scope, import its write policy")
        func exchangeAtHub() throws {
            let world = try World("hubfiles")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let sonDuong = try world.makeNode("SONDUONG", hub: hub)
            let yenSon = try world.makeNode("YENSON", hub: hub)
            Reference.seed(hub)
            Reference.ownData(sonDuong)
            Reference.ownData(yenSon)
            sonDuong.sync()
            yenSon.sync()
            hub.stop()

            // Export: --unit is required and names the option.
            let file = world.path("for-yenson.json")
            let refused = hub.run(["export-changes", file])
            #expect(refused.code == 2 && refused.stderr.contains("--unit"), "\(refused)")
            let exported = hub.run(["export-changes", "--unit", "YENSON", file])
            #expect(exported.code == 0, "\(exported)")
            // Imported into a fresh YENSON replica, the file gives exactly what YENSON may read at the hub.
            let offline = world.path("offline-yenson")
            #expect(world.run(["init", "--data-dir", offline, "--unit", "YENSON"]).code == 0)
            let imported = world.run(["import-changes", "--data-dir", offline, file])
            #expect(imported.code == 0, "\(imported)")
            let offlineDump = try dumpLines(offline + "/replica.sqlite")
            expectSameDump(offlineDump, try hubView(hub, for: "YENSON"), "the hub's export for YENSON against YENSON's read scope")
            #expect(!offlineDump.contains { $0.contains("SONDUONG/2023") || $0.contains("SK-SONDUONG") }, "none of SONDUONG's own rows")

            // Import: SONDUONG, offline, carries a file with its own new initiative — and, added by
            // hand to the file (its node refuses such writes itself), a hub-only record and another
            // unit's record, stamped like the genuine row.
            sonDuong.put("initiatives", [["id": "SK-SONDUONG-USB", "unit": "SONDUONG", "year": 2023, "title": "Qua USB"]])
            let genuine = world.path("genuine.json")
            let since = try sonDuong.cursorPosition("push")
            #expect(sonDuong.run(["export-changes", "--since", String(since), genuine]).code == 0)
            var tampered = try #require(parseJSON(try String(contentsOfFile: genuine, encoding: .utf8)) as? [String: Any])
            var rows = try #require(tampered["rows"] as? [[String: Any]])
            let stamp = try #require(rows.first)
            rows.append(["t": "units", "k": "SONDUONG-MOI", "l": 1, "h": stamp["h"] ?? 0, "s": stamp["s"] ?? 0, "m": 1,
                         "c": ["name": "Huyện mới", "group": "district"]])
            rows.append(["t": "initiatives", "k": "YS-USB", "l": 1, "h": stamp["h"] ?? 0, "s": stamp["s"] ?? 0, "m": 1,
                         "c": ["unit": "YENSON", "year": 2023, "title": "Của đơn vị khác"]])
            tampered["rows"] = rows
            let carried = world.write("from-sonduong.json", String(decoding: jsonData(tampered), as: UTF8.self))
            let before = try dumpLines(hub.replicaPath)
            let atHub = hub.run(["import-changes", carried])
            #expect(atHub.code == 1, "refusals make exit 1: \(atHub)")
            #expect(atHub.stdout.contains("refused hub_only: units 'SONDUONG-MOI'"), "\(atHub)")
            #expect(atHub.stdout.contains("refused not_owner: initiatives 'YS-USB'"), "\(atHub)")
            let hubReplica = try hub.openReplica()
            #expect(try hubReplica.get("initiatives", key: "SK-SONDUONG-USB")?.values["title"] == .text("Qua USB"), "the allowed change is merged")
            #expect(try hubReplica.get("units", key: "SONDUONG-MOI") == nil && hubReplica.get("initiatives", key: "YS-USB") == nil, "refused changes are not")
            #expect(try dumpLines(hub.replicaPath).count == before.count + 1, "exactly one new record")
            let registry = try hub.registry()
            #expect(registry.contains { $0.unit == "SONDUONG" }, "\(registry)")

            // A file with no source unit is refused whole.
            var object = try #require(parseJSON(try String(contentsOfFile: carried, encoding: .utf8)) as? [String: Any])
            object["source"] = nil
            let anonymousFile = world.write("anonymous.json", String(decoding: jsonData(object), as: UTF8.self))
            let noSource = hub.run(["import-changes", anonymousFile])
            #expect(noSource.code == 2 && noSource.stderr.contains("source unit"), "\(noSource)")
        }
    }
}
