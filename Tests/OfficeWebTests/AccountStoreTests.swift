import Foundation
import GRDB
@testable import OfficeWeb
import Testing

/// Accounts and sessions on a real SQLite file (bcrypt cost 4 to keep the suite fast; the hash
/// format and checks are the production ones).
@Suite struct AccountStoreTests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("officeweb-\(UUID().uuidString)").path
    }

    func store(_ site: OfficeSite = .node) throws -> AccountStore { try AccountStore(dataDirectory: directory, site: site, bcryptCost: 4) }

    @Test func addVerifyAndListNeverShowHashes() throws {
        let accounts = try store()
        try accounts.add(name: "lan", role: .clerk, password: "mật khẩu dài lắm")
        #expect(try accounts.verify(name: "lan", password: "mật khẩu dài lắm")?.role == .clerk)
        #expect(try accounts.verify(name: "lan", password: "mật khẩu sai rồi") == nil)
        #expect(try accounts.verify(name: "ai-đó", password: "mật khẩu dài lắm") == nil)
        let listed = try accounts.list()
        #expect(listed.map(\.name) == ["lan"])
        // The stored hash is bcrypt's, never the password.
        let hash = try DatabaseQueue(path: accounts.path).read { try String.fetchOne($0, sql: "SELECT hash FROM accounts") }
        #expect(hash?.hasPrefix("$2b$04$") == true)
        #expect(hash?.contains("mật") == false)
    }

    @Test func passwordEnteredDecomposedMatchesPrecomposed() throws {
        let accounts = try store()
        // The form normalises to NFC (FormBody), the CLI too: the same password typed either way logs in.
        try accounts.add(name: "hùng", role: .leader, password: "Tuyên Quang 2021".precomposedStringWithCanonicalMapping)
        let decomposedName = "hùng".decomposedStringWithCanonicalMapping
        #expect(try accounts.verify(name: decomposedName, password: "Tuyên Quang 2021") != nil)
        #expect(FormBody(encoded: "p=Tuy%C3%AAn").fields["p"] == "Tuyên")
    }

    @Test func refusesBadNamesPasswordsRolesAndDuplicates() throws {
        let accounts = try store()
        #expect(throws: OfficeError.self) { try accounts.add(name: "a b", role: .clerk, password: "0123456789") }
        #expect(throws: OfficeError.self) { try accounts.add(name: "lan", role: .clerk, password: "short") }
        #expect(throws: OfficeError.self) { try accounts.add(name: "lan", role: .clerk, password: String(repeating: "x", count: 73)) }
        #expect(throws: OfficeError.self) { try accounts.checkRole("appraiser") }
        #expect(throws: OfficeError.self) { try accounts.add(name: "lan", role: .admin, password: "0123456789") }
        try accounts.add(name: "lan", role: .clerk, password: "0123456789")
        #expect(throws: OfficeError.self) { try accounts.add(name: "lan", role: .leader, password: "0123456789") }
        #expect(try accounts.list().count == 1)
        let hub = try AccountStore(dataDirectory: directory + "-hub", site: .hub, bcryptCost: 4)
        #expect(throws: OfficeError.self) { try hub.checkRole("clerk") }
        #expect(try hub.checkRole("admin") == .admin)
    }

    @Test func disableEndsSessionsAndLogins() throws {
        let accounts = try store()
        try accounts.add(name: "lan", role: .clerk, password: "0123456789")
        let account = try #require(try accounts.verify(name: "lan", password: "0123456789"))
        let opened = try accounts.openSession(for: account)
        #expect(try accounts.session(cookie: opened.cookie, idleMillis: 60_000, maxMillis: 3_600_000)?.account == "lan")
        try accounts.disable(name: "lan")
        #expect(try accounts.session(cookie: opened.cookie, idleMillis: 60_000, maxMillis: 3_600_000) == nil)
        #expect(try accounts.verify(name: "lan", password: "0123456789") == nil)
        try accounts.setPassword(name: "lan", password: "9876543210")
        #expect(try accounts.verify(name: "lan", password: "9876543210") != nil)
        #expect(throws: OfficeError.self) { try accounts.disable(name: "nobody") }
    }

    @Test func sessionsExpireWhenIdleAndWhenOld() throws {
        let accounts = try store()
        try accounts.add(name: "lan", role: .clerk, password: "0123456789")
        let account = try #require(try accounts.verify(name: "lan", password: "0123456789"))
        let start: Int64 = 1_700_000_000_000
        let opened = try accounts.openSession(for: account, nowMillis: start)
        #expect(try accounts.session(cookie: opened.cookie, idleMillis: 600_000, maxMillis: 3_600_000, nowMillis: start + 500_000) != nil)
        // Idle for longer than the limit since the last touch (at start + 500 s).
        #expect(try accounts.session(cookie: opened.cookie, idleMillis: 600_000, maxMillis: 3_600_000, nowMillis: start + 1_200_000) == nil)
        // Gone for good, even within the limit later.
        #expect(try accounts.session(cookie: opened.cookie, idleMillis: 600_000, maxMillis: 3_600_000, nowMillis: start + 1_000) == nil)
        let second = try accounts.openSession(for: account, nowMillis: start)
        for minute in 1...6 {  // active every 9 minutes, but older than the maximum at the end
            #expect(try accounts.session(cookie: second.cookie, idleMillis: 600_000, maxMillis: 3_600_000, nowMillis: start + Int64(minute) * 540_000) != nil)
        }
        #expect(try accounts.session(cookie: second.cookie, idleMillis: 600_000, maxMillis: 3_600_000, nowMillis: start + 3_600_000) == nil)
        #expect(try accounts.session(cookie: "forged", idleMillis: 600_000, maxMillis: 3_600_000) == nil)
    }

    @Test func sessionCookieIsStoredOnlyAsItsDigest() throws {
        let accounts = try store()
        try accounts.add(name: "lan", role: .clerk, password: "0123456789")
        let opened = try accounts.openSession(for: try #require(try accounts.verify(name: "lan", password: "0123456789")))
        let stored = try DatabaseQueue(path: accounts.path).read { try String.fetchAll($0, sql: "SELECT id_hash FROM sessions") }
        #expect(stored == [AccountStore.digest(opened.cookie)])
        #expect(!stored.contains(opened.cookie))
        #expect(opened.session.csrf.count >= 40)
    }
}
