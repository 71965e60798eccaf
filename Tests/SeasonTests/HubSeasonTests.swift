import CRDT
import Foundation
import GRDB
import Hub
import ReformData
import Replica
import Testing
import WireProtocol

@Suite("the hub and nodes enforce the season (Protocol §17)")
struct HubSeasonTests {
    @Test("an office offline at the deadline has its in-time scores accepted when it reconnects, seen as late arrivals")
    func offlineOfficeReconnectsAfterTheDeadline() async throws {
        let hub = try SeasonHub()
        let node = try SeasonNode("SONDUONG", at: Season2021.at(-days(40)))
        try await node.pull(from: hub)  // knows the season
        node.clock.set(Season2021.at(-days(2)))
        try node.score(2.5)
        // The link is down past the deadline; a week later the office syncs.
        hub.clock.set(Season2021.at(days(7)))
        node.clock.set(Season2021.at(days(7)))
        let refused = try await node.push(to: hub)
        #expect(refused.isEmpty, "\(refused)")
        #expect(try hub.scores()["SONDUONG/2021/C1"] == .real(2.5))
        let late = try await hub.replica.writer.read { db in try LateArrivals.list(db, year: 2021) }
        #expect(late.count == 5, "the record's marker and its four fields: \(late)")
        #expect(late.allSatisfy { $0.writtenMillis == Season2021.at(-days(2)) && $0.arrivedMillis == Season2021.at(days(7)) && $0.unit == "SONDUONG" })
        // Now the node refuses a late write itself, naming the deadline.
        #expect {
            try node.score(3)
        } throws: { error in
            guard case let .refused(_, _, _, code, reason) = error as? ReplicaError else { return false }
            return code == "phase_closed" && reason.contains("2022-01-15 24:00 Vietnam time")
        }
    }

    @Test("a node that did not know the season writes after the deadline: the hub refuses it and the node quarantines it")
    func lateWriteRefusedAtTheHub() async throws {
        let hub = try SeasonHub()
        let node = try SeasonNode("SONDUONG", at: Season2021.at(-days(3)))
        try node.score(2)
        let first = try await node.push(to: hub)  // seen before the deadline
        #expect(first.isEmpty, "\(first)")
        node.clock.set(Season2021.at(days(1)))
        hub.clock.set(Season2021.at(days(1)))
        try node.score(3)  // the node never pulled the season
        let refused = try await node.push(to: hub)
        #expect(refused.map(\.code) == ["phase_closed"], "\(refused)")
        #expect(refused.first?.reason.contains("after the self-assessment deadline of 2021, 2022-01-15 24:00 Vietnam time") == true)
        #expect(try hub.scores()["SONDUONG/2021/C1"] == .real(2))
        #expect(try node.replica.quarantined().map(\.code) == ["phase_closed"])
    }

    @Test("an in-time change arriving after the late-acceptance window is refused")
    func arrivalAfterTheWindow() async throws {
        let hub = try SeasonHub(lateAcceptanceDays: 10)
        let node = try SeasonNode("SONDUONG", at: Season2021.at(-days(1)))
        try node.score(2)
        hub.clock.set(Season2021.at(days(11)))
        node.clock.set(Season2021.at(days(11)))
        let refused = try await node.push(to: hub)
        #expect(!refused.isEmpty && refused.allSatisfy { $0.code == "phase_closed" && $0.reason.contains("more than 10 days") }, "\(refused)")
        #expect(try hub.scores().isEmpty)
    }

    @Test("a node whose clock was set back cannot beat the deadline: the hub saw its clock behind after the deadline")
    func clockSetBack() async throws {
        let hub = try SeasonHub()
        let node = try SeasonNode("SONDUONG", at: Season2021.at(-days(20)))
        try await node.push(to: hub)  // the hub has known this node since before the season
        node.clock.set(Season2021.at(-days(5)))
        try node.score("C1", 1)
        // It syncs after the deadline: its clock stood at the in-time write, which is accepted.
        hub.clock.set(Season2021.at(days(2)))
        node.clock.set(Season2021.at(days(2)))
        #expect(try await node.push(to: hub).isEmpty)
        // Its operator sets the clock back three days before the deadline and writes again.
        node.clock.set(Season2021.at(-days(3)))
        try node.score("C1", 4)
        hub.clock.set(Season2021.at(days(3)))
        let refused = try await node.push(to: hub)
        #expect(!refused.isEmpty && refused.allSatisfy { $0.code == "backdated" }, "\(refused)")
        #expect(refused.first?.reason.contains("clock set back") == true)
        #expect(try hub.scores()["SONDUONG/2021/C1"] == .real(1))
    }

    @Test("a re-initialised replica writing after the deadline with a back-dated clock is refused; an extension lets it in")
    func reinitialisedReplica() async throws {
        let hub = try SeasonHub()
        let first = try SeasonNode("SONDUONG", at: Season2021.at(-days(10)))
        try first.score("C1", 1)
        try await first.push(to: hub)
        // After the deadline the office sets up a new replica (new site) with its clock set back.
        hub.clock.set(Season2021.at(days(1)))
        let second = try SeasonNode("SONDUONG", at: Season2021.at(-days(1)))
        try second.score("C2", 5)
        let refused = try await second.push(to: hub)
        #expect(!refused.isEmpty && refused.allSatisfy { $0.code == "site_after_deadline" }, "\(refused)")
        #expect(try hub.scores()["SONDUONG/2021/C2"] == nil)
        // The hub decides the scores were entered in time: an extension (recorded, with who and why).
        try hub.extend("SONDUONG", until: "2022-01-20")
        second.pushed = .start
        #expect(try await second.push(to: hub).isEmpty)
        #expect(try hub.scores()["SONDUONG/2021/C2"] == .real(5))
    }

    @Test("a replica whose clock went back (restored, re-stamped) is not believed for stamps before a passed deadline")
    func clockGoneBack() async throws {
        let hub = try SeasonHub()
        let node = try SeasonNode("SONDUONG", at: Season2021.at(-days(10)))
        try node.score("C1", 1)
        try await node.push(to: hub)
        hub.clock.set(Season2021.at(days(1)))
        node.clock.set(Season2021.at(days(1)))
        try node.score("C9", 1, year: 2022)  // its clock passes the deadline (another year: not governed)
        try await node.push(to: hub)
        // A copy of the replica from before the deadline is put back, the clock set back; it writes.
        let restored = try SeasonNode("SONDUONG", at: Season2021.at(-days(2)), site: node.replica.site)
        restored.pushed = .start
        try restored.score("C1", 6)
        hub.clock.set(Season2021.at(days(2)))
        let refused = try await restored.push(to: hub)
        #expect(!refused.isEmpty && refused.allSatisfy { $0.code == "site_after_deadline" }, "\(refused)")
        #expect(try hub.scores()["SONDUONG/2021/C1"] == .real(1))
    }

    @Test("an extension for one unit: its writes until the new day are accepted, another unit's are not")
    func extensionForOneUnit() async throws {
        let hub = try SeasonHub()
        try hub.extend("NAHANG", until: "2022-01-22")
        let nahang = try SeasonNode("NAHANG", at: Season2021.at(-days(20)))
        let sonduong = try SeasonNode("SONDUONG", at: Season2021.at(-days(20)))
        try await nahang.push(to: hub)
        try await sonduong.push(to: hub)
        for node in [nahang, sonduong] { node.clock.set(Season2021.at(days(3))) }
        hub.clock.set(Season2021.at(days(3)))
        try nahang.score(3)
        try sonduong.score(3)
        #expect(try await nahang.push(to: hub).isEmpty)
        #expect(try await sonduong.push(to: hub).first?.code == "phase_closed")
        // NAHANG's node, having pulled its extension, refuses after the new day itself.
        try await nahang.pull(from: hub)
        nahang.clock.set(UInt64(Int64(SeasonDay.endMillis("2022-01-22")!) + days(0.1)))
        #expect(throws: ReplicaError.self) { try nahang.score(4) }
    }

    @Test("submission locks the self-scores at the node and at the hub; the hub reopens; a new submission locks again")
    func submissionLockAndReopen() async throws {
        let hub = try SeasonHub()
        let node = try SeasonNode("SONDUONG", at: Season2021.at(-days(10)))
        let office = try SeasonNode("SONDUONG", at: Season2021.at(-days(10)))  // a second replica of the unit, offline
        try node.score(2)
        try node.replica.put("assessments", json: ["unit": .string("SONDUONG"), "year": .integer(2021), "status": .string("submitted")])
        node.clock.set(Season2021.at(-days(9)))
        #expect(throws: ReplicaError.self) { try node.score(3) }
        try await node.push(to: hub)
        office.clock.set(Season2021.at(-days(8)))
        try office.score("C2", 4)  // written after the submission by a replica that did not know it
        let refused = try await office.push(to: hub)
        #expect(!refused.isEmpty && refused.allSatisfy { $0.code == "submitted" }, "\(refused)")
        // The hub reopens (as `season reopen` does); the node learns it at its next pull.
        hub.clock.set(Season2021.at(-days(7)))
        try hub.replica.put("assessments", json: ["unit": .string("SONDUONG"), "year": .integer(2021), "reopened": .bool(true),
                                                  "reopen_reason": .string("GĐ Sở Nội vụ: sai sót")])
        try await node.pull(from: hub)
        node.clock.set(Season2021.at(-days(6)))
        try node.score(3)
        #expect(try await node.push(to: hub).isEmpty)
        #expect(try hub.scores()["SONDUONG/2021/C1"] == .real(3))
        // Submitted again (draft, then submitted: a new stamp after the reopening): locked again.
        try node.replica.put("assessments", json: ["unit": .string("SONDUONG"), "year": .integer(2021), "status": .string("draft")])
        try node.replica.put("assessments", json: ["unit": .string("SONDUONG"), "year": .integer(2021), "status": .string("submitted")])
        node.clock.set(Season2021.at(-days(5)))
        #expect(throws: ReplicaError.self) { try node.score(1) }
        try await node.push(to: hub)
        office.clock.set(Season2021.at(-days(4)))
        try office.score("C3", 4)
        #expect(try await office.push(to: hub).first?.code == "submitted")
    }

    @Test("a ranking group's own season overrides the season of all groups")
    func seasonOfTheGroup() async throws {
        let hub = try SeasonHub()
        var districts = Season2021.fields
        districts["group"] = .string("district")
        districts["self_assessment_until"] = .string("2022-01-25")
        try hub.replica.put("seasons", json: districts)
        try hub.replica.put("units", json: ["id": .string("STP"), "name": .string("Sở Tư pháp"), "group": .string("department")])
        let district = try SeasonNode("SONDUONG", at: Season2021.at(-days(20)))
        let department = try SeasonNode("STP", at: Season2021.at(-days(20)))
        try await district.pull(from: hub)
        try await department.pull(from: hub)
        for node in [district, department] { node.clock.set(Season2021.at(days(5))) }
        try district.score(2)  // its group's deadline is 25/01
        #expect(throws: ReplicaError.self) { try department.score(2) }  // the season of all groups: 15/01
        #expect(try await district.push(to: hub).isEmpty)
        #expect(try hub.scores()["SONDUONG/2021/C1"] == .real(2))
    }

    @Test("a handshake with a node_clock that is not an HLC is a 400 naming it")
    func badNodeClock() async throws {
        let hub = try SeasonHub()
        await #expect {
            _ = try await hub.service.handshake(HandshakeRequest(schema: ReformSchema.version, site: "00000000000000b1", unit: "SONDUONG",
                                                                 nodeTimeMs: 0, nodeClock: "-1"), unit: "SONDUONG")
        } throws: { error in
            (error as? HubError)?.status == 400 && (error as? HubError)?.message.contains("node_clock") == true
        }
    }
}
