import Crypto
import Foundation
import GRDB
import HummingbirdBcrypt

/// One office account, as listed (never with its hash).
public struct OfficeAccount: Sendable, Equatable, Codable {
    public var name: String
    public var role: OfficeRole
    public var disabled: Bool
    public var createdAt: String
    public var updatedAt: String
}

/// Accounts and sessions of an office app, in `accounts.sqlite` beside the replica.
///
/// Accounts are the node's (or the hub's) own: this file is never replicated, never in a change
/// set, and a backup of the replica does not carry it. Passwords are stored as bcrypt hashes
/// (hummingbird-auth's `Bcrypt`); sessions by the SHA-256 of their cookie value, so reading the
/// file does not give a usable session.
public final class AccountStore: Sendable {
    public static let fileName = "accounts.sqlite"
    public let path: String
    public let site: OfficeSite
    let queue: DatabaseQueue
    /// bcrypt's cost: 12 in production (about a quarter of a second per login on the office
    /// server); tests may lower it.
    let cost: UInt8

    public init(dataDirectory: String, site: OfficeSite, bcryptCost: UInt8 = 12) throws(OfficeError) {
        path = (dataDirectory as NSString).appendingPathComponent(Self.fileName)
        self.site = site
        cost = bcryptCost
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            queue = try DatabaseQueue(path: path, configuration: configuration)
            // Only the service's user reads the hashes and sessions.
            chmod(path, 0o600)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.execute(sql: """
                    CREATE TABLE accounts (name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL,
                        disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
                    CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(name),
                        csrf TEXT NOT NULL, created_ms INTEGER NOT NULL, seen_ms INTEGER NOT NULL);
                    """)
            }
            try migrator.migrate(queue)
        } catch {
            throw OfficeError(.storage, "cannot open the accounts file \(path): \(error)")
        }
    }

    // MARK: Accounts

    /// A user name: 2–64 characters, letters (Vietnamese included), digits, `.`, `_`, `-`; NFC.
    public static func checkName(_ raw: String) throws(OfficeError) -> String {
        let name = raw.precomposedStringWithCanonicalMapping
        let allowed = CharacterSet.letters.union(.decimalDigits).union(CharacterSet(charactersIn: "._-"))
        guard (2...64).contains(name.count), name.unicodeScalars.allSatisfy({ allowed.contains($0) }) else {
            throw OfficeError(.badName, "user name \"\(raw.prefix(80))\": 2 to 64 letters, digits, '.', '_' or '-' (no spaces)")
        }
        return name
    }

    /// A password: at least 10 characters, at most 72 bytes (bcrypt reads no further).
    public static func checkPassword(_ password: String) throws(OfficeError) {
        guard password.count >= 10 else { throw OfficeError(.badPassword, "the password must have at least 10 characters") }
        guard password.utf8.count <= 72 else { throw OfficeError(.badPassword, "the password must be at most 72 bytes (bcrypt ignores the rest)") }
    }

    public func checkRole(_ text: String) throws(OfficeError) -> OfficeRole {
        guard let role = OfficeRole(rawValue: text), role.site == site else {
            throw OfficeError(.badRole, "role \"\(text.prefix(40))\": at the \(site.rawValue) an account is one of \(site.roles.map(\.rawValue).joined(separator: ", "))")
        }
        return role
    }

    public func add(name raw: String, role: OfficeRole, password: String) throws(OfficeError) {
        let name = try Self.checkName(raw)
        guard role.site == site else { _ = try checkRole(role.rawValue); return }
        try Self.checkPassword(password)
        let hash = Bcrypt.hash(password, cost: cost)
        let now = Self.now()
        try write { db in
            if try String.fetchOne(db, sql: "SELECT name FROM accounts WHERE name = ?", arguments: [name]) != nil {
                throw OfficeError(.exists, "an account named \(name) exists already (change its password with `reformsync users passwd \(name)`)")
            }
            try db.execute(sql: "INSERT INTO accounts (name, role, hash, disabled, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)",
                           arguments: [name, role.rawValue, hash, now, now])
        }
    }

    /// Sets a new password (and enables a disabled account); ends the account's sessions.
    public func setPassword(name raw: String, password: String) throws(OfficeError) {
        let name = try Self.checkName(raw)
        try Self.checkPassword(password)
        let hash = Bcrypt.hash(password, cost: cost)
        try write { db in
            try db.execute(sql: "UPDATE accounts SET hash = ?, disabled = 0, updated_at = ? WHERE name = ?", arguments: [hash, Self.now(), name])
            guard db.changesCount == 1 else { throw Self.missing(name) }
            try db.execute(sql: "DELETE FROM sessions WHERE account = ?", arguments: [name])
        }
    }

    /// Disables an account: it can no longer log in, and its open sessions end now.
    public func disable(name raw: String) throws(OfficeError) {
        let name = try Self.checkName(raw)
        try write { db in
            try db.execute(sql: "UPDATE accounts SET disabled = 1, updated_at = ? WHERE name = ?", arguments: [Self.now(), name])
            guard db.changesCount == 1 else { throw Self.missing(name) }
            try db.execute(sql: "DELETE FROM sessions WHERE account = ?", arguments: [name])
        }
    }

    public func list() throws(OfficeError) -> [OfficeAccount] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT name, role, disabled, created_at, updated_at FROM accounts ORDER BY name").compactMap { row in
                guard let role = OfficeRole(rawValue: row["role"]) else { return nil }
                return OfficeAccount(name: row["name"], role: role, disabled: row["disabled"] != 0,
                                     createdAt: row["created_at"], updatedAt: row["updated_at"])
            }
        }
    }

    /// The account if the name and password match an enabled account of this site; nil otherwise
    /// (one answer for a wrong name, a wrong password and a disabled account).
    public func verify(name raw: String, password: String) throws(OfficeError) -> OfficeAccount? {
        guard let name = try? Self.checkName(raw), password.utf8.count <= 72 else { return nil }
        let row = try read { db in
            try Row.fetchOne(db, sql: "SELECT name, role, hash, disabled, created_at, updated_at FROM accounts WHERE name = ?", arguments: [name])
        }
        guard let row, let role = OfficeRole(rawValue: row["role"]), role.site == site else {
            // Spend the same time as a real check, so a timing does not tell which names exist.
            _ = Bcrypt.verify(password, hash: Self.dummyHash)
            return nil
        }
        guard Bcrypt.verify(password, hash: row["hash"]), row["disabled"] == 0 else { return nil }
        return OfficeAccount(name: row["name"], role: role, disabled: false, createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    static let dummyHash = Bcrypt.hash("not a password of anyone", cost: 12)

    // MARK: Sessions

    /// Opens a session for `account`: the cookie value (random, 256 bits) and its CSRF token.
    public func openSession(for account: OfficeAccount, nowMillis: Int64 = OfficeSession.nowMillis()) throws(OfficeError) -> (cookie: String, session: OfficeSession) {
        let cookie = Self.randomToken()
        let csrf = Self.randomToken()
        try write { db in
            try db.execute(sql: "INSERT INTO sessions (id_hash, account, csrf, created_ms, seen_ms) VALUES (?, ?, ?, ?, ?)",
                           arguments: [Self.digest(cookie), account.name, csrf, nowMillis, nowMillis])
        }
        return (cookie, OfficeSession(account: account.name, role: account.role, csrf: csrf, createdMillis: nowMillis))
    }

    /// The live session a cookie value names, touched (its idle clock restarted); nil when
    /// unknown, expired (idle or too old), or its account disabled. Expired sessions are deleted.
    public func session(cookie: String, idleMillis: Int64, maxMillis: Int64, nowMillis: Int64 = OfficeSession.nowMillis()) throws(OfficeError) -> OfficeSession? {
        guard cookie.utf8.count <= 200 else { return nil }
        let key = Self.digest(cookie)
        return try write { db -> OfficeSession? in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT s.account, s.csrf, s.created_ms, s.seen_ms, a.role, a.disabled FROM sessions s JOIN accounts a ON a.name = s.account
                WHERE s.id_hash = ?
                """, arguments: [key]) else { return nil }
            let created: Int64 = row["created_ms"], seen: Int64 = row["seen_ms"]
            guard nowMillis - seen < idleMillis, nowMillis - created < maxMillis, row["disabled"] == 0,
                  let role = OfficeRole(rawValue: row["role"]) else {
                try db.execute(sql: "DELETE FROM sessions WHERE id_hash = ?", arguments: [key])
                return nil
            }
            // Touch at most once a minute: a page view is then usually a read only.
            if nowMillis - seen > 60_000 {
                try db.execute(sql: "UPDATE sessions SET seen_ms = ? WHERE id_hash = ?", arguments: [nowMillis, key])
            }
            return OfficeSession(account: row["account"], role: role, csrf: row["csrf"], createdMillis: created)
        }
    }

    public func closeSession(cookie: String) throws(OfficeError) {
        try write { db in try db.execute(sql: "DELETE FROM sessions WHERE id_hash = ?", arguments: [Self.digest(cookie)]) }
    }

    /// Test hook and maintenance: sets a session's last-seen time (to show expiry without waiting).
    public func backdateSessions(of account: String, byMillis: Int64) throws(OfficeError) {
        try write { db in
            try db.execute(sql: "UPDATE sessions SET seen_ms = seen_ms - ?, created_ms = created_ms - ? WHERE account = ?",
                           arguments: [byMillis, byMillis, account])
        }
    }

    // MARK: Helpers

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func now() -> String { ISO8601DateFormatter().string(from: Date()) }

    static func missing(_ name: String) -> OfficeError {
        OfficeError(.notFound, "no account named \(name) (`reformsync users list` shows them)")
    }

    func write<T>(_ body: (Database) throws -> T) throws(OfficeError) -> T {
        do { return try queue.write(body) } catch let error as OfficeError { throw error } catch {
            throw OfficeError(.storage, "the accounts file \(path) cannot be written: \(error)")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(OfficeError) -> T {
        do { return try queue.read(body) } catch let error as OfficeError { throw error } catch {
            throw OfficeError(.storage, "the accounts file \(path) cannot be read: \(error)")
        }
    }
}
