import FileStore
import Foundation
import Replica

/// Removes from a node's store the files no live row of its replica refers to any more, once they
/// have been unreferenced for `files.retention_days` (Protocol §16.9): a detach that is undone
/// (re-attached, or a concurrent re-attach merged) within the grace keeps the bytes. The hub never
/// runs it: it keeps every file its audit trail names.
public enum FileRetention {
    /// Returns the hashes removed.
    @discardableResult
    public static func sweep(replica: Replica, store: FileStore, graceDays: Double, now: Date = Date()) throws -> [String] {
        guard replica.role == .node else { return [] }
        let seconds = now.timeIntervalSince1970
        let expired = try replica.markUnreferenced(stored: store.storedHashes(), now: seconds, cutoff: seconds - graceDays * 86_400)
        for hash in expired {
            store.remove(hash)
            try replica.forgetFile(hash)
        }
        return expired
    }
}
