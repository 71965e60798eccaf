import FileStore
import Foundation
import HubClient
import Logging
import Replica
import WireProtocol

/// What the file step of a round did and what is left (Protocol §16).
public struct FileSyncReport: Sendable, Equatable, Codable {
    /// Files the hub now holds thanks to this node's uploads.
    public var uploadedFiles = 0
    /// Files the hub already held (another unit sent them, or an earlier round): no bytes sent.
    public var alreadyAtHub = 0
    public var downloadedFiles = 0
    /// Bytes on the wire of the file requests (status, uploads, downloads), both ways.
    public var bytesSent = 0
    public var bytesReceived = 0
    /// File bytes (chunk contents) put on the wire, and received, in this round.
    public var fileBytesSent: Int64 = 0
    public var fileBytesReceived: Int64 = 0
    /// Left after the round: this unit's files the hub does not hold yet, files to fetch.
    public var waitingUp = 0
    public var waitingUpBytes: Int64 = 0
    public var waitingDown = 0
    public var waitingDownBytes: Int64 = 0
    /// Files refused (by the hub, or damaged here), with the reason.
    public var refused: [String: String] = [:]
    /// The round let rows go first before the files were done.
    public var yielded = false

    public init() {}

    public var done: Bool { waitingUp == 0 && waitingDown == 0 }
}

/// The file step of a sync round, after the rows: asks the hub what it holds
/// (`POST /v1/files/status`), uploads what it lacks from where it stopped (`PUT /v1/files/{sha256}`,
/// chunk frames), downloads files of readable rows this node lacks (`GET /v1/files/{sha256}`
/// with a range from the part file's size). Each request lasts at most `requestSeconds`; between
/// requests `shouldYield` lets new row changes go first.
public struct FileSync: Sendable {
    let replica: Replica
    let client: HubHTTPClient
    let store: FileStore
    let requestSeconds: Double
    let retentionDays: Double
    let logger: Logger
    /// Consecutive failed requests (cuts) tolerated for one file in one round before giving up.
    static let maxAttempts = 40

    public init(replica: Replica, client: HubHTTPClient, store: FileStore, requestSeconds: Double = 30, retentionDays: Double = 30,
                logger: Logger = Logger(label: "reformsync.files")) {
        self.retentionDays = retentionDays
        self.replica = replica
        self.client = client
        self.store = store
        self.requestSeconds = requestSeconds
        self.logger = logger
    }

    public func runOnce(shouldYield: @Sendable () async -> Bool = { false }) async throws -> FileSyncReport {
        try replica.ensureFileTables()
        var report = FileSyncReport()
        let own = try replica.evidenceFiles(unit: replica.unit).filter { !$0.uploaded && SHA256Hex.isValid($0.sha256) }
        let wanted = try replica.evidenceFiles().filter { SHA256Hex.isValid($0.sha256) && !store.contains($0.sha256) }
        var status = try await ask((own.map(\.sha256) + wanted.map(\.sha256)), &report)

        for file in own {
            if report.yielded { break }
            if await shouldYield() { report.yielded = true; break }
            try await upload(file, status: &status, &report, shouldYield: shouldYield)
        }
        for file in wanted where !report.yielded {
            if await shouldYield() { report.yielded = true; break }
            try await download(file, status: status[file.sha256], &report, shouldYield: shouldYield)
        }
        // Files no row refers to any more, past the grace (Protocol §16.9).
        for hash in try FileRetention.sweep(replica: replica, store: store, graceDays: retentionDays) {
            logger.info("evidence file removed: no record refers to it for \(retentionDays) days", metadata: ["sha256": "\(hash)"])
        }
        // What is left.
        let backlog = try EvidenceBacklog.measure(replica: replica, store: store)
        report.waitingUp = backlog.waitingUpload
        report.waitingUpBytes = backlog.waitingUploadBytes
        report.waitingDown = backlog.waitingDownload
        report.waitingDownBytes = backlog.waitingDownloadBytes
        for refused in backlog.refused { report.refused[refused.sha256] = "\(refused.code): \(refused.reason)" }
        return report
    }

    /// `POST /v1/files/status` for `hashes` (in pages of the protocol's maximum).
    func ask(_ hashes: [String], _ report: inout FileSyncReport) async throws -> [String: FileStatusResponse.Entry] {
        var answers: [String: FileStatusResponse.Entry] = [:]
        let unique = Array(Set(hashes)).sorted()
        var start = 0
        while start < unique.count {
            let page = Array(unique[start..<min(start + FileStatusRequest.maxHashes, unique.count)])
            let response = try await client.sendWithRetry(.post("/v1/files/status", body: try WireJSON.encode(FileStatusRequest(sha256: page))))
            report.bytesSent += response.bytesSent
            report.bytesReceived += response.bytesReceived
            let answer = try WireJSON.decode(FileStatusResponse.self, from: response.body, what: "files status answer")
            for entry in answer.files { answers[entry.sha256] = entry }
            start += page.count
        }
        return answers
    }

    func upload(_ file: EvidenceFileState, status: inout [String: FileStatusResponse.Entry], _ report: inout FileSyncReport,
                shouldYield: @Sendable () async -> Bool) async throws {
        let hash = file.sha256
        var attempts = 0
        var sentHere = false
        while true {
            guard let entry = status[hash] else { return }
            switch entry.state {
            case "complete":
                try replica.markUploaded(hash)
                if !sentHere { report.alreadyAtHub += 1 }
                return
            case "unknown":
                try replica.markRefused(hash, code: "file_not_found",
                                        reason: "the hub has no row of this unit naming the file yet (its evidence_files row is still to sync, or was refused: see `reformsync quarantine list`)")
                return
            default:
                break
            }
            guard store.contains(hash) else {
                try replica.markRefused(hash, code: "missing_here", reason: "this node's store lacks the file (restored without DATA_DIR/files?): attach it again")
                return
            }
            let source: FrameSource
            do {
                source = try FrameSource(path: store.path(hash), offset: entry.held, size: file.size, seconds: requestSeconds)
            } catch {
                try replica.markRefused(hash, code: "unreadable_here", reason: error.message)
                return
            }
            do {
                let response = try await client.stream(HubRequest(method: "PUT", path: "/v1/files/\(hash)?offset=\(entry.held)",
                                                                  headers: [("Content-Type", "application/vnd.reformsync.chunks")]),
                                                       source: source)
                report.bytesSent += response.bytesSent
                report.bytesReceived += response.bytesReceived
                report.fileBytesSent += source.framed
                let answer = try WireJSON.decode(FileUploadResponse.self, from: response.body, what: "upload answer")
                if answer.complete {
                    sentHere = true
                    try replica.markUploaded(hash)
                    report.uploadedFiles += 1
                    logger.info("evidence file sent", metadata: ["sha256": "\(hash)", "bytes": "\(file.size)"])
                    return
                }
                status[hash] = .init(sha256: hash, state: "partial", held: answer.held)
                attempts = 0
                sentHere = true
                if await shouldYield() { report.yielded = true; return }
                continue
            } catch let error as HubClientError {
                report.fileBytesSent += source.framed
                if case .http(let code, let errorCode, let message) = error.kind {
                    switch (code, errorCode) {
                    case (409, "upload_busy"?):
                        return  // another unit is sending the same file: next round
                    case (404, _), (413, _), (400, _):
                        try replica.markRefused(hash, code: errorCode ?? "http_\(code)", reason: message ?? "\(error)")
                        return
                    case (422, "file_hash_mismatch"?):
                        let local = try FileStore.hash(of: store.path(hash))
                        if local.hash != hash {
                            try replica.markRefused(hash, code: "damaged_here", reason: "the stored copy hashes to \(local.hash): attach the file again")
                            return
                        }
                    default:
                        break
                    }
                }
                attempts += 1
                guard attempts < Self.maxAttempts else { throw SyncError("evidence file \(hash): \(error)") }
                logger.notice("evidence upload interrupted; resuming", metadata: ["sha256": "\(hash)", "error": "\(error)"])
                try await Task.sleep(for: .milliseconds(min(2_000, 100 * attempts)))
                status.merge(try await ask([hash], &report)) { $1 }
            }
        }
    }

    func download(_ file: EvidenceFileState, status: FileStatusResponse.Entry?, _ report: inout FileSyncReport,
                  shouldYield: @Sendable () async -> Bool) async throws {
        let hash = file.sha256
        guard status?.state == "complete" else { return }  // not uploaded yet by its unit: next round
        try FileManager.default.createDirectory(atPath: store.temporaryFolder, withIntermediateDirectories: true)
        let part = store.partialPath(hash)
        var attempts = 0
        while true {
            var held = PosixFile.size(of: part) ?? 0
            if held > file.size {
                unlink(part)
                held = 0
            }
            if held == file.size {
                let found = try FileStore.hash(of: part)
                guard found.hash == hash else {
                    // A damaged part (a power cut, a bad disk): discarded and fetched again.
                    unlink(part)
                    attempts += 1
                    guard attempts < 3 else {
                        try replica.markRefused(hash, code: "file_hash_mismatch", reason: "the bytes received hash to \(found.hash) three times")
                        return
                    }
                    continue
                }
                try store.place(part, as: hash)
                try replica.markRefused(hash, code: nil, reason: nil)
                report.downloadedFiles += 1
                return
            }
            let target = try PartFileTarget(path: part, seconds: requestSeconds)
            do {
                let response = try await client.stream(.get("/v1/files/\(hash)", headers: [("Range", "bytes=\(held)-")]), target: target)
                try target.flush()
                report.bytesSent += response.bytesSent
                report.bytesReceived += response.bytesReceived
                report.fileBytesReceived += target.received
                attempts = 0
            } catch {
                try? target.flush()
                report.fileBytesReceived += target.received
                if target.timeUp {
                    if await shouldYield() { report.yielded = true; return }
                    continue
                }
                if let failure = target.failure { throw SyncError("cannot store evidence file \(hash): \(failure.message)") }
                if let error = error as? HubClientError, case .http(let code, let errorCode, let message) = error.kind, (400...499).contains(code) {
                    if code == 416 { unlink(part); continue }
                    try replica.markRefused(hash, code: errorCode ?? "http_\(code)", reason: message ?? "\(error)")
                    return
                }
                attempts += 1
                guard attempts < Self.maxAttempts else { throw SyncError("evidence file \(hash): \(error)") }
                logger.notice("evidence download interrupted; resuming", metadata: ["sha256": "\(hash)", "error": "\(error)"])
                try await Task.sleep(for: .milliseconds(min(2_000, 100 * attempts)))
            }
        }
    }
}
