import CRDT
import Foundation
import ReformData
import Replica
import Testing

extension EndToEnd {
    /// The assessment season (Protocol §17) with the real binary: hub and nodes as processes, time
    /// moved with Debian's `faketime` (the hub and the nodes run days ahead of the machine's clock).
    ///
    /// The season is set around today: self-assessment until tomorrow, appraisal until in three
    /// days, explanation until in five, re-appraisal until in seven, final in nine (Vietnam days).
    @Suite("the assessment season with real processes")
    struct SeasonProcesses {
        static let faketime = "/usr/bin/faketime"

        /// `faketime` running the binary `hours` ahead.
        static func ahead(_ hours: Int) -> [String] { [faketime, "-f", "+\(hours)h"] }

        /// The Vietnam day `days` from today.
        static func day(_ days: Int) -> String {
            SeasonDay.date(millis: UInt64(Date().timeIntervalSince1970 * 1000) + UInt64(days) * 86_400_000)
        }

        static let year = 2023

        /// A hub with the reference data and this year's season, and nodes that synced once before it (seen by the hub).
        static func world(_ label: String, nodes units: [String], knowSeason: [String]) throws -> (World, HubProcess, [String: NodeHandle]) {
            try #require(FileManager.default.fileExists(atPath: faketime), "Debian's faketime package is needed (scripts/install-deps.sh)")
            let world = try World(label)
            let hub = try world.makeHub()
            try hub.start()
            Reference.seed(hub, districts: units)
            var nodes: [String: NodeHandle] = [:]
            for unit in units {
                let node = try world.makeNode(unit, hub: hub)
                node.sync()
                nodes[unit] = node
            }
            let set = hub.run(["season", "set", "--year", "\(year)", "--self-assessment-until", day(1), "--appraisal-until", day(3),
                               "--explanation-until", day(5), "--reappraisal-until", day(7), "--final-on", day(9), "--methodology", "M876"])
            #expect(set.code == 0, "\(set)")
            for unit in knowSeason { nodes[unit]!.sync() }
            return (world, hub, nodes)
        }

        static func score(_ node: NodeHandle, _ criterion: String, _ value: Double, wrapper: [String] = []) -> CommandResult {
            node.run(["record", "put", "assessment_scores",
                      #"{"unit":"\#(node.unit)","year":\#(year),"criterion":"\#(criterion)","self_score":\#(value)}"#], wrapper: wrapper)
        }

        static func syncJSON(_ node: NodeHandle, wrapper: [String]) -> (CommandResult, [String: Any]?) {
            let result = node.run(["sync", "--once", "--json"], wrapper: wrapper)
            return (result, parseJSON(result.stdout) as? [String: Any])
        }

        @Test("an office offline at the deadline is accepted when it reconnects; a late edit is refused by the node, or by the hub into the quarantine")
        func offlineAtTheDeadlineAndLateEdits() throws {
            let (world, hub, nodes) = try Self.world("season-late", nodes: ["SONDUONG", "NAHANG"], knowSeason: ["SONDUONG"])
            defer { world.shutdown() }
            let sonduong = nodes["SONDUONG"]!, nahang = nodes["NAHANG"]!
            let show = sonduong.run(["season", "show"])
            #expect(show.code == 0 && show.stdout.contains("self-assessment phase") && show.stdout.contains("day(s) left"), "\(show)")
            // status: the phase, the deadline, the days left and a warning (the deadline is tomorrow).
            let status = parseJSON(sonduong.run(["status", "--json"]).stdout) as? [String: Any]
            let season = status?["season"] as? [String: Any]
            #expect(season?["phase"] as? String == "self_assessment" && season?["deadline"] as? String == Self.day(1), "\(String(describing: season))")
            #expect((season?["days_left"] as? Int).map { (1...2).contains($0) } == true && (season?["warning"] as? String)?.contains("day(s) left") == true)
            #expect(sonduong.run(["status"]).stdout.contains("DEADLINE NEAR"))
            #expect((parseJSON(nahang.run(["status", "--json"]).stdout) as? [String: Any])?["season"] is NSNull, "NAHANG never received the season")
            // In time, but the link is down: nothing syncs until two days later.
            #expect(Self.score(sonduong, "C1.1", 2).code == 0)
            hub.stop()
            try hub.start(wrapper: Self.ahead(50))
            sonduong.follow(hub)
            nahang.follow(hub)
            let (synced, report) = Self.syncJSON(sonduong, wrapper: Self.ahead(50))
            #expect(synced.code == 0 && report?["refused_changes"] as? Int == 0, "\(synced)")
            #expect(try hub.openReplica().get("assessment_scores", key: "SONDUONG/\(Self.year)/C1.1")?.values["self_score"] == .real(2))
            let late = hub.run(["season", "late", "--year", "\(Self.year)", "--json"])
            let lines = (parseJSON(late.stdout) as? [[String: Any]]) ?? []
            #expect(late.code == 0 && lines.count == 5 && lines.allSatisfy { $0["unit"] as? String == "SONDUONG" }, "\(late)")
            // Two days on, the node knows the phase is closed and refuses the write itself, naming the deadline.
            let refused = Self.score(sonduong, "C1.1", 1.5, wrapper: Self.ahead(50))
            #expect(refused.code == 2 && refused.stderr.contains("phase_closed") && refused.stderr.contains("\(Self.day(1)) 24:00 Vietnam time"), "\(refused)")
            // NAHANG's node never received the season: it stores the write, the hub refuses it, the quarantine shows it.
            #expect(Self.score(nahang, "C1.2", 1, wrapper: Self.ahead(50)).code == 0)
            let (push, _) = Self.syncJSON(nahang, wrapper: Self.ahead(50))
            #expect(push.code == 1, "\(push)")
            let quarantine = nahang.run(["quarantine", "list"])
            #expect(quarantine.stdout.contains("phase_closed") && quarantine.stdout.contains("after the self-assessment deadline"), "\(quarantine)")
            #expect(try hub.openReplica().get("assessment_scores", key: "NAHANG/\(Self.year)/C1.2") == nil)
        }

        @Test("a node whose clock is set back, and a replica set up again after the deadline, cannot beat it; an extension for the unit can")
        func clockSetBackAndReinitialisedReplica() throws {
            let (world, hub, nodes) = try Self.world("season-back", nodes: ["SONDUONG"], knowSeason: [])
            defer { world.shutdown() }
            let node = nodes["SONDUONG"]!
            // The hub is two days ahead (after the deadline); the node syncs on its right clock first…
            hub.stop()
            try hub.start(wrapper: Self.ahead(50))
            node.follow(hub)
            #expect(Self.syncJSON(node, wrapper: Self.ahead(50)).0.code == 0)
            // …then its operator sets the clock back (today: before the deadline) and scores.
            #expect(Self.score(node, "C1.1", 2).code == 0)
            let (backdated, _) = Self.syncJSON(node, wrapper: Self.ahead(50))
            #expect(backdated.code == 1, "\(backdated)")
            #expect(try node.openReplica().quarantined().map(\.code).allSatisfy { $0 == "backdated" })
            #expect(try node.openReplica().quarantineCount() == 5)

            // A replica set up again for the same unit, its clock set back, writing after the deadline.
            let dir = world.path("node-SONDUONG-again")
            let created = world.run(["init", "--data-dir", dir, "--unit", "SONDUONG"])
            #expect(created.code == 0, "\(created)")
            let config = world.write("again.yaml", "role: node\nunit: SONDUONG\ndata_dir: \(dir)\nlog_level: warning\nhub:\n  url: \(hub.url)\n  token: \"\(node.token)\"\n")
            let put = world.run(["record", "put", "assessment_scores", #"{"unit":"SONDUONG","year":\#(Self.year),"criterion":"C1.2","self_score":1}"#, "--config", config])
            #expect(put.code == 0, "\(put)")
            let pushed = world.run(["sync", "--once", "--json", "--config", config])
            #expect(pushed.code == 1, "\(pushed)")
            let list = world.run(["quarantine", "list", "--config", config])
            #expect(list.stdout.contains("site_after_deadline"), "\(list)")
            // The hub decides the scores were entered in time: an extension, with who and why.
            let extend = hub.run(["season", "extend", "--unit", "SONDUONG", "--year", "\(Self.year)", "--until", Self.day(4),
                                  "--by", "Chị Lan, phòng CCHC", "--reason", "máy chủ cài lại"], wrapper: Self.ahead(50))
            #expect(extend.code == 0 && extend.stdout.contains("extended to \(Self.day(4))"), "\(extend)")
            #expect(world.run(["quarantine", "retry", "--all", "--config", config]).code == 0)
            // (Its clock fixed: it also pulls the hub's writes, stamped two days ahead of the machine.)
            let accepted = world.run(["sync", "--once", "--json", "--config", config], wrapper: Self.ahead(50))
            #expect(accepted.code == 0, "\(accepted)")
            #expect(try hub.openReplica().get("assessment_scores", key: "SONDUONG/\(Self.year)/C1.2")?.values["self_score"] == .real(1))
        }

        @Test("submission locks, the hub reopens; appraisal, explanation and re-appraisal each in its phase; history shows every stage")
        func submissionAndTheAppraisalRound() throws {
            let (world, hub, nodes) = try Self.world("season-round", nodes: ["SONDUONG"], knowSeason: ["SONDUONG"])
            defer { world.shutdown() }
            let node = nodes["SONDUONG"]!
            #expect(Self.score(node, "C1.1", 2).code == 0)
            let clerk = node.run(["season", "submit", "--year", "\(Self.year)", "--as", "clerk"])
            #expect(clerk.code == 2 && clerk.stderr.contains("leader"), "\(clerk)")
            #expect(node.run(["season", "submit", "--year", "\(Self.year)", "--as", "leader"]).code == 0)
            let locked = Self.score(node, "C1.1", 1.5)
            #expect(locked.code == 2 && locked.stderr.contains("[submitted]"), "\(locked)")
            node.sync()
            let reopen = hub.run(["season", "reopen", "--unit", "SONDUONG", "--year", "\(Self.year)", "--by", "Giám đốc Sở", "--reason", "sai sót"])
            #expect(reopen.code == 0, "\(reopen)")
            node.sync()
            #expect(Self.score(node, "C1.1", 1.75).code == 0)
            #expect(node.run(["season", "submit", "--year", "\(Self.year)", "--as", "leader"]).code == 0)
            #expect(Self.score(node, "C1.1", 1).code == 2)
            node.sync()

            // Appraisal, in its phase only (the hub two days ahead).
            let early = hub.run(["season", "appraise", "--unit", "SONDUONG", "--year", "\(Self.year)", "--criterion", "C1.1", "--score", "1", "--reason", "thiếu"])
            #expect(early.code == 1 && early.stderr.contains("appraisal phase"), "\(early)")
            let noReason = hub.run(["season", "appraise", "--unit", "SONDUONG", "--year", "\(Self.year)", "--criterion", "C1.1", "--score", "1"], wrapper: Self.ahead(50))
            #expect(noReason.code == 2 && noReason.stderr.contains("--reason"), "\(noReason)")
            #expect(hub.run(["season", "appraise", "--unit", "SONDUONG", "--year", "\(Self.year)", "--criterion", "C1.1", "--score", "1",
                             "--reason", "thiếu tài liệu kiểm chứng"], wrapper: Self.ahead(50)).code == 0)
            hub.stop()
            try hub.start(wrapper: Self.ahead(100))
            node.follow(hub)
            #expect(Self.syncJSON(node, wrapper: Self.ahead(100)).0.code == 0)
            // The unit sees its deduction and explains it in the explanation phase.
            let explain = node.run(["season", "explain", "--year", "\(Self.year)", "--criterion", "C1.1", "--text", "Đã ban hành kế hoạch",
                                    "--evidence", "KH 12/KH-UBND"], wrapper: Self.ahead(100))
            #expect(explain.code == 0, "\(explain)")
            #expect(Self.syncJSON(node, wrapper: Self.ahead(100)).0.code == 0)
            let tooEarly = hub.run(["season", "reappraise", "--unit", "SONDUONG", "--year", "\(Self.year)", "--criterion", "C1.1", "--score", "1.75",
                                    "--accepted", "yes", "--reason", "đã bổ sung"], wrapper: Self.ahead(100))
            #expect(tooEarly.code == 1 && tooEarly.stderr.contains("re-appraisal phase"), "\(tooEarly)")
            #expect(hub.run(["season", "reappraise", "--unit", "SONDUONG", "--year", "\(Self.year)", "--criterion", "C1.1", "--score", "1.75",
                             "--accepted", "yes", "--reason", "đã bổ sung"], wrapper: Self.ahead(150)).code == 0)
            let lateExplanation = node.run(["season", "explain", "--year", "\(Self.year)", "--criterion", "C1.1", "--text", "Bổ sung"], wrapper: Self.ahead(150))
            #expect(lateExplanation.code == 2 && lateExplanation.stderr.contains("phase_closed"), "\(lateExplanation)")
            // Every stage, in order, with who and when.
            let result = hub.run(["history", "assessment_scores", "SONDUONG/\(Self.year)/C1.1", "--chronological", "--json"])
            let history = (parseJSON(result.stdout) as? [[String: Any]]) ?? []
            let fields = history.compactMap { $0["field"] as? String }
            let order = ["self_score", "appraised_score", "explanation", "reappraised_score"].map { name in fields.firstIndex(of: name) ?? -1 }
            #expect(order.allSatisfy { $0 >= 0 } && order == order.sorted(), "\(fields)")
        }
    }
}
