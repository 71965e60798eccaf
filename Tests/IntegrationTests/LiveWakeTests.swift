import Foundation
import Replica
import Synchronization
import Testing

/// A commit wakes only the long polls of units that may read something of it (Protocol/README.md
/// §18.3, A.22): on a real hub process, with long polls over real HTTP, through both paths that
/// wake them — a node's push, and another process's write to the hub's replica.
@Suite("live pulls wake only the units that may read a change", .serialized, .timeLimit(.minutes(3)))
struct LiveWakeTests {
    /// A long poll sent on a thread of its own; its answer once it came.
    final class OpenPoll: Sendable {
        let unit: String
        private let answer = Mutex<RawResponse?>(nil)
        private let failure = Mutex<String?>(nil)

        private init(unit: String) { self.unit = unit }

        /// Opens `node`'s long poll from its pull cursor.
        static func open(_ node: NodeHandle, hub: HubProcess, wait: Int = 25) throws -> OpenPoll {
            let poll = OpenPoll(unit: node.unit)
            let replica = try node.openReplica()
            let cursor = try replica.cursor("pull")
            let path = "/v1/pull?site=\(replica.site.rawValue)&baseline=\(cursor.baseline)&position=\(cursor.position)&wait=\(wait)"
            let token = node.token, url = hub.url
            Thread.detachNewThread {
                do {
                    let response = try rawHTTP("GET", url, path, headers: [("Authorization", "Bearer \(token)")], timeout: Double(wait + 15))
                    poll.answer.withLock { $0 = response }
                } catch {
                    poll.failure.withLock { $0 = "\(error)" }
                }
            }
            return poll
        }

        var response: RawResponse? { answer.withLock { $0 } }
        var error: String? { failure.withLock { $0 } }
        var isOpen: Bool { response == nil && error == nil }
    }

    /// Keys of the rows of a pull page (`changes.rows[].k`).
    static func keys(_ response: RawResponse?) -> [String] {
        guard let response, let page = parseJSON(response.text) as? [String: Any], let changes = page["changes"] as? [String: Any],
              let rows = changes["rows"] as? [[String: Any]] else { return [] }
        return rows.compactMap { $0["k"] as? String }
    }

    static func metric(_ hub: HubProcess, _ operatorToken: String, _ name: String) throws -> Int {
        let text = try hub.http("GET", "/metrics", headers: Auth.bearer(operatorToken)).text
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "").map(Int.init) } ?? -1
    }

    @Test("a push or a hub write only one unit may read leaves the others' long polls asleep; the unit (or its successor) that may read it is answered")
    func wakesOnlyReaders() throws {
        let world = try World("livewake")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let operatorToken = try hub.createOperatorToken()
        hub.put("units", Reference.units(["SNV", "SONDUONG", "YENSON", "HAMYEN", "CHIEMHOA"]))
        // Chiêm Hoá merged into Yên Sơn: Yên Sơn reads Chiêm Hoá's rows (§19.4).
        hub.put("unit_successions", [["id": "CHIEMHOA>YENSON", "predecessor": "CHIEMHOA", "successor": "YENSON", "kind": "merged_into",
                                      "effective_on": "2025-07-01"]])
        let sonDuong = try world.makeNode("SONDUONG", hub: hub)
        let yenSon = try world.makeNode("YENSON", hub: hub)
        let hamYen = try world.makeNode("HAMYEN", hub: hub)
        let chiemHoa = try world.makeNode("CHIEMHOA", hub: hub)
        for node in [sonDuong, yenSon, hamYen, chiemHoa] { node.sync() }

        let yenSonPoll = try OpenPoll.open(yenSon, hub: hub)
        let hamYenPoll = try OpenPoll.open(hamYen, hub: hub)
        #expect(eventually(timeout: 10, every: 0.1) { (try? Self.metric(hub, operatorToken, "reformsync_hub_live_pulls")) == 2 },
                "the two long polls never waited at the hub")
        let woken = try Self.metric(hub, operatorToken, "reformsync_hub_live_pull_wakeups_total")
        #expect(woken >= 0, "no wake-up counter in /metrics")

        // Sơn Dương's push: only Sơn Dương may read it. Neither poll is woken, nor answered.
        sonDuong.put("initiatives", [["id": "SD-2026-1", "unit": "SONDUONG", "year": 2026, "title": "Một cửa điện tử"]])
        sonDuong.sync()
        // A write at the hub by another process (the watcher's path), for Sơn Dương only.
        hub.put("initiatives", [["id": "SD-2026-2", "unit": "SONDUONG", "year": 2026, "title": "Ghi nhận tại Sở"]])
        sleepSeconds(2)  // the watcher looks every 250 ms
        #expect(try Self.metric(hub, operatorToken, "reformsync_hub_live_pull_wakeups_total") == woken,
                "a change only SONDUONG may read woke another unit's long poll")
        #expect(yenSonPoll.isOpen && hamYenPoll.isOpen,
                "a poll was answered: YENSON \(String(describing: yenSonPoll.response)) \(yenSonPoll.error ?? ""), HAMYEN \(String(describing: hamYenPoll.response)) \(hamYenPoll.error ?? "")")

        // A write at the hub Hàm Yên may read: Hàm Yên's poll answers with it; Yên Sơn's sleeps on.
        hub.put("initiatives", [["id": "HY-2026-1", "unit": "HAMYEN", "year": 2026, "title": "Tiếp nhận hồ sơ trực tuyến"]])
        #expect(eventually(timeout: 5, every: 0.05) { !hamYenPoll.isOpen }, "Hàm Yên's long poll was not answered within 5 s")
        #expect(hamYenPoll.response?.status == 200 && Self.keys(hamYenPoll.response) == ["HY-2026-1"],
                "\(String(describing: hamYenPoll.response)) \(hamYenPoll.error ?? "")")
        #expect(yenSonPoll.isOpen, "Yên Sơn's poll was answered by Hàm Yên's row: \(String(describing: yenSonPoll.response))")
        #expect(try Self.metric(hub, operatorToken, "reformsync_hub_live_pull_wakeups_total") == woken + 1)

        // Chiêm Hoá's push: its successor Yên Sơn may read it, and is answered with it.
        chiemHoa.put("initiatives", [["id": "CH-2026-1", "unit": "CHIEMHOA", "year": 2026, "title": "Số hoá hồ sơ"]])
        chiemHoa.sync()
        #expect(eventually(timeout: 5, every: 0.05) { !yenSonPoll.isOpen }, "Yên Sơn's long poll was not answered within 5 s")
        #expect(yenSonPoll.response?.status == 200 && Self.keys(yenSonPoll.response) == ["CH-2026-1"],
                "\(String(describing: yenSonPoll.response)) \(yenSonPoll.error ?? "")")
        #expect(try Self.metric(hub, operatorToken, "reformsync_hub_live_pull_wakeups_total") == woken + 2)
    }

    /// The appraisers' app writes through the hub's own connection, which the watcher of other
    /// processes' commits cannot see: its writes wake the live pulls all the same.
    @Test("an appraisal saved in the appraisers' app answers the appraised unit's long poll within seconds")
    func appWriteWakes() throws {
        let (world, hub, node) = try EndToEnd.HubAppProcesses.world("livewake-app")
        defer { world.shutdown() }
        try EndToEnd.HubAppProcesses.setSeasonInAppraisal(hub)
        node.sync()  // the season, pulled: the poll waits from here
        let poll = try OpenPoll.open(node, hub: hub)
        let operatorToken = try hub.createOperatorToken()
        #expect(eventually(timeout: 10, every: 0.1) { (try? Self.metric(hub, operatorToken, "reformsync_hub_live_pulls")) == 1 },
                "the long poll never waited at the hub")

        let browser = OfficeBrowser(hub.url)
        #expect(try browser.login("thamdinh", EndToEnd.HubAppProcesses.password).status == 303)
        let year = EndToEnd.HubAppProcesses.year
        let csrf = try browser.csrf("/app/units/SONDUONG?year=\(year)")
        let saved = try browser.post("/app/units/SONDUONG/appraise", [("_csrf", csrf), ("year", "\(year)"), ("criterion", "C1.2"), ("score", "1.25")])
        #expect(saved.status == 303, "\(saved)")
        #expect(eventually(timeout: 5, every: 0.05) { !poll.isOpen }, "the appraisal did not answer SONDUONG's long poll within 5 s")
        #expect(poll.response?.status == 200 && Self.keys(poll.response) == ["SONDUONG/\(year)/C1.2"],
                "\(String(describing: poll.response)) \(poll.error ?? "")")
    }
}
