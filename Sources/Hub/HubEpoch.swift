import Foundation
import Replica

/// The hub replica's epoch: a random id that says "this history of the hub's versions".
///
/// A hub restored from a backup goes back to older versions, and the nodes' cursors point past
/// them: their pull cursors name hub versions the restored hub will hand out again for other
/// rows, their push cursors say "the hub has all this" of changes the hub lost. A restored file
/// cannot know it was restored, so `reformsync backup` gives every hub copy a new epoch: a hub
/// started from a backup answers a different `hub_epoch` in its handshake, and each node starts
/// its cursors again (Protocol/README.md §6.4, §8.2, §14.1). A hub made before epochs existed
/// gets one the first time it starts.
public enum HubEpoch {
    /// The `_rs_meta` key that holds it.
    public static let metaKey = "hub_epoch"

    /// A new epoch: 16 hex digits.
    public static func fresh() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%016llx", UInt64.random(in: 0...UInt64.max, using: &generator))
    }

    /// The hub replica's epoch, created and stored the first time.
    static func ensure(_ replica: Replica) throws -> String {
        if let epoch = try replica.meta(metaKey), !epoch.isEmpty { return epoch }
        let epoch = fresh()
        try replica.setMeta([metaKey: epoch])
        return epoch
    }
}
