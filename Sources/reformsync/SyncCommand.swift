import ArgumentParser
import FileStore
import Foundation
import HubClient
import Logging
import NodeSync
import ReformsyncConfig
import Replica

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Synchronise this node with the hub: push everything pending, pull until up to date.",
        discussion: """
            Needs hub.url and hub.token (or hub.token_file) in the configuration. Exit code 0 when in sync, 1 with \
            a one-line reason otherwise (hub unreachable, token refused, changes refused in this round...). Changes \
            the hub refuses are kept in quarantine, and the rest keeps syncing: `reformsync quarantine list`. \
            After the rows, evidence files: this unit's files the hub lacks are uploaded from where the hub stopped \
            (in 64 KiB chunks), files of this replica's rows that it lacks are downloaded; exit 1 while one of this \
            unit's files is still to send or refused (`reformsync files list`).
            """
    )
    @OptionGroup var options: ReplicaOptions
    @Flag(help: "One round, then exit (the daemon runs rounds continuously).") var once = false
    @Flag(help: "Print the round's figures as JSON.") var json = false

    func validate() throws {
        if !once { throw ValidationError("only `sync --once` is available here; the continuous loop is `reformsync daemon`") }
    }

    func run() async throws {
        let configuration = try options.configuration()
        let replica = try Replica.open(path: configuration.replicaPath, maxClockSkewMillis: configuration.maxClockSkewMillis)
        let client = try NodeClientFactory.client(configuration)
        let session = SyncSession(replica: replica, client: client,
                                  batchChanges: configuration.sync.batchChanges, batchBytes: configuration.sync.batchBytes)
        var report: SyncReport
        do {
            report = try await session.runOnce()
            // Rows first, then evidence files in their own requests (Protocol §16).
            report.files = try await FileSync(replica: replica, client: client, store: FileStore(dataDirectory: configuration.dataDirectory),
                                              requestSeconds: configuration.files.requestSeconds, retentionDays: configuration.files.retentionDays).runOnce()
        } catch let error as SyncError {
            throw ReportableError.failure("sync failed: \(error.message)")
        } catch let error as HubClientError {
            throw ReportableError.failure("sync failed: evidence files: \(error)")
        }
        if json {
            try JSONOutput.print(report)
        } else {
            print("pushed \(report.pushedChanges) change(s) in \(report.pushBatches) batch(es), \(report.refusedChanges) refused; "
                  + "pulled \(report.pulledChanges) in \(report.pullPages) page(s), \(report.appliedChanges) new; "
                  + "\(report.bytesSent + report.bytesReceived) bytes on the wire; hub version \(report.hubVersion)")
            if let files = report.files {
                print("evidence files: \(files.uploadedFiles) sent (\(files.fileBytesSent) bytes), \(files.alreadyAtHub) already at the hub, "
                      + "\(files.downloadedFiles) received (\(files.fileBytesReceived) bytes); waiting: \(files.waitingUp) to send, \(files.waitingDown) to receive")
            }
            if let warning = report.clockWarning { print("warning: \(warning)") }
            if report.cursorsRestarted {
                print("note: the hub was restored or replaced since the last round: this round sent all of this node's changes again and pulled everything again")
            }
        }
        let quarantined = try replica.quarantineCount()
        if quarantined > 0 {
            FileHandle.standardError.write(Data("\(quarantined) change(s) refused by the hub are in quarantine: reformsync quarantine list\n".utf8))
        }
        if !report.inSync { throw ReportableError.failure("not in sync: \(report.pendingChanges) change(s) still pending") }
        if let files = report.files, !files.refused.isEmpty {
            throw ReportableError.failure("synced, but \(files.refused.count) evidence file(s) cannot be sent or received: see `reformsync files list` (\(files.refused.values.sorted().first ?? ""))")
        }
        if let files = report.files, files.waitingUp > 0 {
            throw ReportableError.failure("not in sync: \(files.waitingUp) evidence file(s) (\(files.waitingUpBytes) bytes) still to send")
        }
        if report.refusedChanges > 0 {
            throw ReportableError.failure("synced, but the hub refused \(report.refusedChanges) change(s): see `reformsync quarantine list`")
        }
    }
}

/// Builds the libcurl client from the configuration's `hub` section.
enum NodeClientFactory {
    static func client(_ configuration: ReformsyncConfiguration) throws -> HubHTTPClient {
        guard let url = configuration.hub.url else {
            throw ReportableError.input("no hub.url in the configuration: the node does not know where the hub is")
        }
        guard let token = try configuration.hubToken() else {
            throw ReportableError.input("no hub.token or hub.token_file in the configuration: ask the hub operator for a token")
        }
        let settings = HubClientConfiguration(baseURL: url, bearerToken: token, caFile: configuration.hub.caFile,
                                              connectTimeout: configuration.hub.connectTimeout, totalTimeout: configuration.hub.timeout,
                                              maxSendBytesPerSecond: configuration.hub.maxBytesPerSecond,
                                              maxReceiveBytesPerSecond: configuration.hub.maxBytesPerSecond,
                                              userAgent: "reformsync-node/\(configuration.unit ?? "?")",
                                              maxResponseBytes: configuration.hub.maxResponseBytes)
        // A token from hub.token_file is read again on a 401 (and, in the daemon, on SIGHUP): a rotated
        // token written to the file is taken without a restart. An inline hub.token never changes.
        let source: (@Sendable () throws -> String?)? = configuration.hub.token == nil && configuration.hub.tokenFile != nil
            ? { @Sendable in try configuration.hubToken() } : nil
        do {
            return try HubHTTPClient(configuration: settings, credentials: BearerCredentials(token: token, source: source))
        } catch {
            throw ReportableError.input("hub settings: \(error)")
        }
    }
}
