import Crypto
import Foundation
import ReformData
import GRDB

/// Bearer tokens: issued once, stored only as SHA-256 hashes, revocable, optionally expiring.
///
/// Two kinds (Protocol/README.md §7): a *node* token belongs to one unit and opens only the
/// protocol routes (`/v1/handshake`, `/v1/push`, `/v1/pull`); an *operator* token belongs to no
/// unit and opens only the operator routes (`/dashboard`, `/v1/report`, `/metrics`). Neither opens
/// the other's routes, so a district's credential can never read the province's unpublished figures.
///
/// Tokens look like `rs1_<id>_<secret>`; the id lets an operator name a token in `token list`
/// and `token revoke` without ever seeing the secret again. Verification hashes the presented
/// token and compares it with every active hash in constant time.
///
/// A token may carry an expiry (`hub token create --expires`); `hub token rotate` issues a new
/// token for a unit and makes the unit's older tokens expire after a grace period, so the node
/// keeps syncing with the old one until its operator has written the new one to its token file.
/// An expired token is refused 401 with a message saying so and when.
public struct TokenAuthority: Sendable {
    public let writer: any DatabaseWriter

    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try writer.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS _hub_tokens (
                    id TEXT PRIMARY KEY, unit TEXT NOT NULL, hash BLOB NOT NULL,
                    created_at TEXT NOT NULL, revoked_at TEXT, note TEXT, kind TEXT NOT NULL DEFAULT 'node', expires_at TEXT)
                """)
            // Hub files made before token kinds: every existing token was a node token.
            if try !db.columns(in: "_hub_tokens").contains(where: { $0.name == "kind" }) {
                try db.execute(sql: "ALTER TABLE _hub_tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'node'")
            }
            // Hub files made before expiry: their tokens never expire.
            if try !db.columns(in: "_hub_tokens").contains(where: { $0.name == "expires_at" }) {
                try db.execute(sql: "ALTER TABLE _hub_tokens ADD COLUMN expires_at TEXT")
            }
            // Every request looks its token up by hash: a thousand nodes must not mean a thousand rows read per request.
            try db.execute(sql: "CREATE INDEX IF NOT EXISTS _hub_tokens_hash ON _hub_tokens(hash)")
        }
    }

    /// What a token may open.
    public enum Kind: String, Sendable, Equatable, Codable {
        /// A district's node: the protocol routes, as its unit.
        case node
        /// The hub's operators: the dashboard, the report and the metrics.
        case `operator`
    }

    /// A presented token that is known and active.
    public struct Credential: Sendable, Equatable {
        public var id: String
        public var kind: Kind
        /// The unit of a node token; empty for an operator token.
        public var unit: String
    }

    public struct Token: Sendable, Equatable {
        public var id: String
        public var kind: Kind
        /// The unit of a node token; empty for an operator token.
        public var unit: String
        public var createdAt: String
        public var revokedAt: String?
        public var note: String?
        /// When it stops opening anything (`Timestamp` format); nil: never.
        public var expiresAt: String?

        /// Expired at `now` (a revoked token is reported as revoked, not expired).
        public func isExpired(at now: Date = Date()) -> Bool {
            expiresAt.flatMap(Timestamp.date).map { $0 <= now } ?? false
        }
    }

    /// Issues a node token for `unit`; the returned secret is shown once and never stored.
    public func create(unit: String, note: String? = nil, expiresAt: Date? = nil) throws -> (token: String, id: String) {
        try writer.write { db in try create(kind: .node, unit: unit, note: note, expiresAt: expiresAt, db) }
    }

    /// Issues an operator token (for the dashboard, the report and the metrics); shown once.
    public func createOperator(note: String? = nil, expiresAt: Date? = nil) throws -> (token: String, id: String) {
        try writer.write { db in try create(kind: .operator, unit: "", note: note, expiresAt: expiresAt, db) }
    }

    /// Rotates a unit's node token: issues a new one and makes every other active token of the
    /// unit expire `grace` seconds from now (or keeps its expiry when that comes sooner), in one
    /// transaction. The old token keeps working during the grace period, so the node syncs until
    /// its operator has written the new token to `hub.token_file`.
    ///
    /// - Returns: the new token (shown once), its id, and how many older tokens now expire.
    public func rotate(unit: String, grace: TimeInterval, note: String? = nil, expiresAt: Date? = nil,
                       now: Date = Date()) throws -> (token: String, id: String, retiring: Int) {
        try writer.write { db in
            let deadline = Timestamp.string(now.addingTimeInterval(max(0, grace)))
            try db.execute(sql: """
                UPDATE _hub_tokens SET expires_at = ? WHERE kind = 'node' AND unit = ? AND revoked_at IS NULL
                    AND (expires_at IS NULL OR expires_at > ?)
                """, arguments: [deadline, unit, deadline])
            let retiring = db.changesCount
            let issued = try create(kind: .node, unit: unit, note: note, expiresAt: expiresAt, db)
            return (issued.token, issued.id, retiring)
        }
    }

    func create(kind: Kind, unit: String, note: String?, expiresAt: Date?, _ db: Database) throws -> (token: String, id: String) {
        var generator = SystemRandomNumberGenerator()
        let id = String(format: "%08x", UInt32.random(in: 0...UInt32.max, using: &generator))
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let token = "rs1_\(id)_" + Data(secret).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        try db.execute(sql: "INSERT INTO _hub_tokens(id, unit, hash, created_at, note, kind, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       arguments: [id, unit, Self.hash(token), Timestamp.string(), note, kind.rawValue, expiresAt.map { Timestamp.string($0) }])
        return (token, id)
    }

    /// Revokes a token by id (or every token of a unit); returns how many were revoked.
    @discardableResult
    public func revoke(id: String? = nil, unit: String? = nil) throws -> Int {
        try writer.write { db in
            let now = Timestamp.string()
            if let id {
                try db.execute(sql: "UPDATE _hub_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [now, id])
            } else if let unit {
                try db.execute(sql: "UPDATE _hub_tokens SET revoked_at = ? WHERE unit = ? AND revoked_at IS NULL", arguments: [now, unit])
            }
            return db.changesCount
        }
    }

    public func list() throws -> [Token] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, kind, unit, created_at, revoked_at, note, expires_at FROM _hub_tokens ORDER BY kind, unit, created_at").map {
                Token(id: $0[0], kind: Kind(rawValue: $0[1]) ?? .node, unit: $0[2], createdAt: $0[3], revokedAt: $0[4], note: $0[5], expiresAt: $0[6])
            }
        }
    }

    /// The unit of a presented node token, or nil when it is unknown, revoked or an operator token.
    public func unit(for presented: String) throws -> String? {
        guard let credential = try credential(for: presented), credential.kind == .node else { return nil }
        return credential.unit
    }

    /// The kind and unit of a presented token, or nil when it is unknown, revoked or expired.
    ///
    /// Read from the database on every call, so a revocation takes effect at once.
    public func credential(for presented: String, now: Date = Date()) throws -> Credential? {
        if case .active(let credential) = try lookup(presented, now: now) { return credential }
        return nil
    }

    /// What a presented token is: active, expired (with its id and when), or unknown/revoked.
    public enum Lookup: Sendable, Equatable {
        case active(Credential)
        case expired(id: String, unit: String, at: String)
        case unknown
    }

    /// Looks a presented token up among the tokens not revoked; the guards use it to say
    /// "expired at …" rather than "unknown".
    public func lookup(_ presented: String, now: Date = Date()) throws -> Lookup {
        let hash = Self.hash(presented)
        return Self.match(presented, among: try writer.read { db in try Self.activeTokens(hash, db) }, now: now)
    }

    /// ``lookup(_:now:)`` for the route guards: the read awaits a connection instead of blocking
    /// a thread of Swift's cooperative pool — under load, blocked pool threads would starve the
    /// very reads that hold the connections, and the hub would stop answering (§18.1).
    public func lookup(_ presented: String, now: Date = Date()) async throws -> Lookup {
        let hash = Self.hash(presented)
        return Self.match(presented, among: try await writer.read { db in try Self.activeTokens(hash, db) }, now: now)
    }

    /// The tokens not revoked whose hash is `hash` (at most one), through the hash's index: the
    /// SHA-256 of a 256-bit secret, so what the index's timing could tell about a stored hash's
    /// first bytes brings no one nearer a token; the match itself is still compared in constant
    /// time. A kind this version does not know opens nothing.
    static func activeTokens(_ hash: Data, _ db: Database) throws -> [(Credential, Data, String?)] {
        try Row.fetchAll(db, sql: "SELECT id, kind, unit, hash, expires_at FROM _hub_tokens WHERE revoked_at IS NULL AND hash = ?",
                         arguments: [hash]).compactMap { row -> (Credential, Data, String?)? in
            guard let kind = Kind(rawValue: row[1]) else { return nil }
            return (Credential(id: row[0], kind: kind, unit: row[2]), row[3] as Data, row[4])
        }
    }

    static func match(_ presented: String, among active: [(Credential, Data, String?)], now: Date) -> Lookup {
        let candidate = Self.hash(presented)
        var found: (Credential, String?)?
        for (credential, hash, expiresAt) in active where Self.constantTimeEqual(hash, candidate) && found == nil {
            found = (credential, expiresAt)
        }
        guard let (credential, expiresAt) = found else { return .unknown }
        // An expiry that does not read as a time opens nothing either (fails closed).
        if let expiresAt, (Timestamp.date(expiresAt).map { $0 <= now } ?? true) {
            return .expired(id: credential.id, unit: credential.unit, at: expiresAt)
        }
        return .active(credential)
    }

    static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    /// Compares every byte whatever the first difference, so timing reveals nothing.
    static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
