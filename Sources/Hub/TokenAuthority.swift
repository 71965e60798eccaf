import Crypto
import Foundation
import ReformData
import GRDB

/// Bearer tokens, one per node: issued once, stored only as SHA-256 hashes, revocable.
///
/// Tokens look like `rs1_<id>_<secret>`; the id lets an operator name a token in `token list`
/// and `token revoke` without ever seeing the secret again. Verification hashes the presented
/// token and compares it with every active hash in constant time.
public struct TokenAuthority: Sendable {
    public let writer: any DatabaseWriter

    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try writer.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS _hub_tokens (
                    id TEXT PRIMARY KEY, unit TEXT NOT NULL, hash BLOB NOT NULL,
                    created_at TEXT NOT NULL, revoked_at TEXT, note TEXT)
                """)
        }
    }

    public struct Token: Sendable, Equatable {
        public var id: String
        public var unit: String
        public var createdAt: String
        public var revokedAt: String?
        public var note: String?
    }

    /// Issues a token for `unit`; the returned secret is shown once and never stored.
    public func create(unit: String, note: String? = nil) throws -> (token: String, id: String) {
        var generator = SystemRandomNumberGenerator()
        let id = String(format: "%08x", UInt32.random(in: 0...UInt32.max, using: &generator))
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let token = "rs1_\(id)_" + Data(secret).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        try writer.write { db in
            try db.execute(sql: "INSERT INTO _hub_tokens(id, unit, hash, created_at, note) VALUES (?, ?, ?, ?, ?)",
                           arguments: [id, unit, Self.hash(token), Timestamp.string(), note])
        }
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
            try Row.fetchAll(db, sql: "SELECT id, unit, created_at, revoked_at, note FROM _hub_tokens ORDER BY unit, created_at").map {
                Token(id: $0[0], unit: $0[1], createdAt: $0[2], revokedAt: $0[3], note: $0[4])
            }
        }
    }

    /// The unit of a presented token, or nil when it is unknown or revoked.
    ///
    /// Read from the database on every call, so a revocation takes effect at once.
    public func unit(for presented: String) throws -> String? {
        let candidate = Self.hash(presented)
        let active = try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT unit, hash FROM _hub_tokens WHERE revoked_at IS NULL").map { ($0[0] as String, $0[1] as Data) }
        }
        var found: String?
        for (unit, hash) in active where Self.constantTimeEqual(hash, candidate) && found == nil {
            found = unit
        }
        return found
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
