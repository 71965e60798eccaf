import Synchronization

/// Login rate limiting, per account and per client address.
///
/// After `perAccount` failed logins for one name within `window`, that name is refused until the
/// window has passed since its first failure (whatever the password); the same with `perAddress`
/// failures from one address (a guesser trying many names). A success clears the name's count.
/// Kept in memory: a restart forgets it, which a guesser cannot trigger from outside.
public final class LoginThrottle: Sendable {
    struct Entry { var first: Int64; var count: Int }
    let perAccount: Int
    let perAddress: Int
    let windowMillis: Int64
    private let state = Mutex<(accounts: [String: Entry], addresses: [String: Entry])>(([:], [:]))

    public init(perAccount: Int = 5, perAddress: Int = 20, windowSeconds: Int = 900) {
        self.perAccount = perAccount
        self.perAddress = perAddress
        windowMillis = Int64(windowSeconds) * 1000
    }

    /// Milliseconds until this name or address may try again; nil when it may try now.
    public func blocked(account: String, address: String, nowMillis: Int64 = OfficeSession.nowMillis()) -> Int64? {
        state.withLock { state in
            var wait: Int64?
            for (entry, limit) in [(state.accounts[account.lowercased()], perAccount), (state.addresses[address], perAddress)] {
                guard let entry, entry.count >= limit, nowMillis - entry.first < windowMillis else { continue }
                wait = max(wait ?? 0, entry.first + windowMillis - nowMillis)
            }
            return wait
        }
    }

    public func failed(account: String, address: String, nowMillis: Int64 = OfficeSession.nowMillis()) {
        state.withLock { state in
            Self.count(&state.accounts, account.lowercased(), nowMillis, windowMillis)
            Self.count(&state.addresses, address, nowMillis, windowMillis)
            // Bounded memory: forget entries whose window has passed once the tables grow.
            if state.addresses.count > 10_000 { state.addresses = state.addresses.filter { nowMillis - $0.value.first < windowMillis } }
            if state.accounts.count > 10_000 { state.accounts = state.accounts.filter { nowMillis - $0.value.first < windowMillis } }
        }
    }

    public func succeeded(account: String) {
        _ = state.withLock { $0.accounts.removeValue(forKey: account.lowercased()) }
    }

    static func count(_ table: inout [String: Entry], _ key: String, _ now: Int64, _ window: Int64) {
        if var entry = table[key], now - entry.first < window {
            entry.count += 1
            table[key] = entry
        } else {
            table[key] = Entry(first: now, count: 1)
        }
    }
}
