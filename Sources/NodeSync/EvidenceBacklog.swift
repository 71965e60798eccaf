import FileStore
import Foundation
import Replica

/// The evidence files still to travel, for `reformsync status`, `/metrics` and the round's report:
/// measured from the replica and the store, so it is right whether or not the daemon runs.
public struct EvidenceBacklog: Codable, Sendable, Equatable {
    /// This unit's files the hub does not hold yet (and not refused).
    public var waitingUpload = 0
    public var waitingUploadBytes: Int64 = 0
    /// Files of readable rows this node does not hold yet (bytes still to receive).
    public var waitingDownload = 0
    public var waitingDownloadBytes: Int64 = 0
    /// Seconds since the oldest waiting file was attached (nil: nothing waits).
    public var oldestWaitingSeconds: Double?
    /// Files that cannot travel, and why.
    public var refused: [Refused] = []

    public struct Refused: Codable, Sendable, Equatable {
        public var sha256: String
        public var code: String
        public var reason: String
        public init(sha256: String, code: String, reason: String) {
            self.sha256 = sha256
            self.code = code
            self.reason = reason
        }
    }

    enum CodingKeys: String, CodingKey {
        case waitingUpload = "waiting_upload", waitingUploadBytes = "waiting_upload_bytes"
        case waitingDownload = "waiting_download", waitingDownloadBytes = "waiting_download_bytes"
        case oldestWaitingSeconds = "oldest_waiting_seconds", refused
    }

    public init() {}

    public static func measure(replica: Replica, store: FileStore, now: Date = Date()) throws -> EvidenceBacklog {
        var backlog = EvidenceBacklog()
        var oldest: UInt64?
        let nowMillis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let own = Set(try replica.evidenceFiles(unit: replica.unit).map(\.sha256))
        for file in try replica.evidenceFiles() where SHA256Hex.isValid(file.sha256) {
            if let code = file.refusalCode {
                backlog.refused.append(Refused(sha256: file.sha256, code: code, reason: file.refusalReason ?? ""))
                continue
            }
            if own.contains(file.sha256), !file.uploaded {
                backlog.waitingUpload += 1
                backlog.waitingUploadBytes += file.size
                oldest = min(oldest ?? file.since, file.since)
            } else if !store.contains(file.sha256) {
                backlog.waitingDownload += 1
                backlog.waitingDownloadBytes += max(0, file.size - store.held(file.sha256).bytes)
                oldest = min(oldest ?? file.since, file.since)
            }
        }
        backlog.oldestWaitingSeconds = oldest.map { Double(nowMillis > $0 ? nowMillis - $0 : 0) / 1000 }
        return backlog
    }
}
