import Foundation
import Testing

/// `reformsync season …` arguments and errors (Protocol §17): each bad input named, exit 2, nothing stored.
@Suite("season commands: arguments and errors")
struct SeasonCommandTests {
    @Test func setShowAndExtendAtTheHub() throws {
        let temp = try TemporaryDirectory()
        let hub = Node(temp, "hub")
        hub.initialise(unit: "SNV", role: "hub")
        hub.put("units", #"{"id":"NAHANG","name":"UBND huyện Na Hang","group":"district"}"#)

        let badDate = hub.run(["season", "set", "--year", "2021", "--self-assessment-until", "2022-02-30"])
        #expect(badDate.code == 2 && badDate.stderr.contains("--self-assessment-until") && badDate.stderr.contains("2022-02-30"), "\(badDate)")
        let badYear = hub.run(["season", "set", "--year", "1999", "--self-assessment-until", "2022-01-15"])
        #expect(badYear.code == 2 && badYear.stderr.contains("--year"), "\(badYear)")
        let noFirst = hub.run(["season", "set", "--year", "2021", "--appraisal-until", "2022-02-28"])
        #expect(noFirst.code == 2 && noFirst.stderr.contains("--self-assessment-until"), "\(noFirst)")
        let order = hub.run(["season", "set", "--year", "2021", "--self-assessment-until", "2022-01-15", "--appraisal-until", "2022-01-10"])
        #expect(order.code == 2 && order.stderr.contains("cannot end before"), "\(order)")
        #expect(hub.run(["record", "list", "seasons"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "nothing stored")

        let set = hub.run(["season", "set", "--year", "2021", "--self-assessment-until", "2022-01-15", "--appraisal-until", "2022-02-28",
                           "--explanation-until", "2022-03-15", "--reappraisal-until", "2022-03-31", "--final-on", "2022-06-18"])
        #expect(set.code == 0, "\(set)")
        let show = hub.run(["season", "show", "--unit", "NAHANG", "--json"])
        let lines = try #require(parseJSON(show.stdout) as? [[String: Any]], "\(show)")
        #expect(lines.first?["phase_now"] as? String == "closed" && (lines.first?["phases"] as? [String: String])?["explanation"] == "2022-03-15", "\(show)")

        let noReason = hub.run(["season", "extend", "--unit", "NAHANG", "--year", "2021", "--until", "2022-01-20", "--by", "Chị Lan", "--reason", " "])
        #expect(noReason.code == 2 && noReason.stderr.contains("--reason"), "\(noReason)")
        let earlier = hub.run(["season", "extend", "--unit", "NAHANG", "--year", "2021", "--until", "2022-01-10", "--by", "Chị Lan", "--reason", "mất điện"])
        #expect(earlier.code == 2 && earlier.stderr.contains("not after"), "\(earlier)")
        let unknown = hub.run(["season", "extend", "--unit", "XYZ", "--year", "2021", "--until", "2022-01-20", "--by", "Chị Lan", "--reason", "mất điện"])
        #expect(unknown.code == 2 && unknown.stderr.contains("XYZ"), "\(unknown)")
        let phase = hub.run(["season", "extend", "--unit", "NAHANG", "--year", "2021", "--phase", "appraisal", "--until", "2022-03-20", "--by", "A", "--reason", "B"])
        #expect(phase.code == 2 && phase.stderr.contains("--phase"), "\(phase)")
        let extend = hub.run(["season", "extend", "--unit", "NAHANG", "--year", "2021", "--until", "2022-01-20", "--by", "Chị Lan", "--reason", "mất điện"])
        #expect(extend.code == 0 && extend.stdout.contains("extended to 2022-01-20"), "\(extend)")
        let extended = try #require(parseJSON(hub.run(["season", "show", "--unit", "NAHANG", "--json"]).stdout) as? [[String: Any]])
        #expect((extended.first?["extended"] as? [String: String])?["self_assessment"] == "2022-01-20")
        let score = hub.run(["season", "appraise", "--unit", "NAHANG", "--year", "2021", "--criterion", "C1", "--score", "101"])
        #expect(score.code == 2 && score.stderr.contains("--score"), "\(score)")
    }

    @Test func hubCommandsAtANodeAndTheLeaderRule() throws {
        let temp = try TemporaryDirectory()
        let node = Node(temp, "node")
        node.initialise()
        let set = node.run(["season", "set", "--year", "2021", "--self-assessment-until", "2022-01-15"])
        #expect(set.code == 2 && set.stderr.contains("hub command"), "\(set)")
        let clerk = node.run(["season", "submit", "--year", "2021", "--as", "clerk"])
        #expect(clerk.code == 2 && clerk.stderr.contains("leader"), "\(clerk)")
        let none = node.run(["season", "show"])
        #expect(none.code == 0 && none.stdout.contains("no season known here"), "\(none)")
        let explain = node.run(["season", "explain", "--year", "2021", "--criterion", "C1", "--text", "giải trình"])
        #expect(explain.code == 1 && explain.stderr.contains("SONDUONG/2021/C1"), "\(explain)")
    }
}
