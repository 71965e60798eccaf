import ArgumentParser
import Daemon
import FileStore
import Foundation
import HubClient
import Logging
import NodeSync
import ReformsyncConfig
import Replica
import ServiceLifecycle
import UnixSignals

struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run the district node: sync with the hub continuously and serve the local API.",
        discussion: """
            Syncs at start, every sync.interval seconds, sync.debounce seconds after local writes, and at once on \
            POST /sync; after failures it backs off exponentially with jitter (up to sync.max_backoff) while the \
            office keeps working on the local replica. With sync.window (e.g. 18:00-07:00) it syncs only inside \
            the window; hub.max_bytes_per_second caps the link. The local API listens on api.host:api.port \
            (port 0: any free port; the address is printed at start and written to DATA_DIR/daemon.json; \
            api.enabled: false turns the API off): GET /health, /status, /metrics, /records/TABLE; PUT and \
            DELETE /records/TABLE; POST /records/TABLE/files and GET /records/TABLE/files, /files/SHA256 (evidence \
            files); POST /sync. Each round sends rows first, then evidence files, each file request at most \
            files.request_seconds long, letting new rows go first between requests. Every route but GET /health needs 'Authorization: Bearer TOKEN' with \
            the token in DATA_DIR/api-token (created at start when missing; `reformsync api-token` prints it), and \
            every request a Host header naming localhost, 127.0.0.1, [::1], api.host or one of api.allowed_hosts \
            (421 otherwise). Errors are JSON {"error":{"code","message"}}; a full disk is 507, a replica that \
            cannot be written 503. A burst of writes syncs once, sync.debounce seconds after the last one (at \
            most 6× sync.debounce after the first). Writes by other processes on the server (`reformsync record \
            put`, `import-csv`) count as local writes too: the daemon notices their commits within a second \
            (SQLite's data_version), never its own.

            The unit's office app is served under /app on the same address (README "Office apps"): people log in \
            with accounts made by `reformsync users add NAME --role clerk|leader` (sessions, not the API token; \
            office.* in the configuration). To let office PCs reach it, set api.host to the LAN address (or \
            0.0.0.0) and list the name they use in api.allowed_hosts.

            Tokens: when the hub answers 401 the daemon reads hub.token_file again and, if it holds a new token, \
            sends the request once more with it; SIGHUP (`systemctl reload reformsync-daemon`) reads it at once. \
            A rotated token (`reformsync hub token rotate`) therefore needs no restart.

            Under systemd (Type=notify) it sends READY=1 once listening, WATCHDOG=1 when WatchdogSec is set, and \
            STOPPING=1 on SIGTERM/SIGINT, which stop it gracefully: the step in progress commits or rolls back \
            whole and the next start resumes. Exit codes: 0 stopped cleanly, 1 failure, 2 bad configuration.
            """
    )
    @OptionGroup var options: ReplicaOptions

    func run() async throws {
        guard !options.uplink else {
            throw ReportableError.input("--uplink: the provincial hub runs its uplink itself (`reformsync hub --config PATH`); no daemon is needed for it")
        }
        let configuration = try options.configuration()
        let logger = LogSetup.bootstrap(level: configuration.logLevel, label: "reformsync.daemon")
        let replica = try Replica.open(path: configuration.replicaPath, maxClockSkewMillis: configuration.maxClockSkewMillis)
        guard replica.role == .node else {
            throw ReportableError.input("\(replica.location) is the hub's replica: run `reformsync hub` there, not the daemon")
        }
        try Self.checkHubSettings(configuration, file: options.config)
        let client = try NodeClientFactory.client(configuration)
        let metrics = DaemonMetrics.bootstrap()
        let trigger = SyncTrigger()
        let notifier = SystemdNotifier()
        let session = SyncSession(replica: replica, client: client, batchChanges: configuration.sync.batchChanges,
                                  batchBytes: configuration.sync.batchBytes, logger: logger)
        let rounds = RoundNotifier()
        let failures = FailureMemory()
        let files = FileSync(replica: replica, client: client, store: FileStore(dataDirectory: configuration.dataDirectory),
                             requestSeconds: configuration.files.requestSeconds, retentionDays: configuration.files.retentionDays, logger: logger)
        let loop = SyncLoop(session: session, settings: configuration.sync, trigger: trigger, metrics: metrics, logger: logger, rounds: rounds,
                            files: files) { result in
            failures.record(result, logger: logger)
            switch result {
            case .success(let report): notifier.status("in sync, hub version \(report.hubVersion), \(report.pendingChanges) pending")
            case .failure(let error): notifier.status("sync failed: \(error.message)")
            }
        }
        let software = SyncSession.software
        let dataDirectory = configuration.dataDirectory
        let configFile = options.config.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let announce: @Sendable (String?) -> Void = { api in
            do {
                try failures.attach(DaemonStateFile(api: api, software: software, config: configFile), dataDirectory: dataDirectory)
            } catch {
                logger.warning("cannot write \(DaemonStateFile.path(dataDirectory: dataDirectory)): \(error); `reformsync status` will say the daemon is not running")
            }
            notifier.ready(status: "syncing unit \(replica.unit)" + (api.map { ", API \($0)" } ?? ""))
            logger.info("daemon started", metadata: ["unit": "\(replica.unit)", "api": "\(api ?? "off")", "hub": "\(configuration.hub.url ?? "")"])
            FileHandle.standardOutput.write(Data("daemon running for \(replica.unit)\(api.map { ", API listening on \($0)" } ?? "")\n".utf8))
        }
        var services: [any Service] = []
        if configuration.api.enabled {
            let host = configuration.api.host
            let api: any Service
            do {
                api = try LocalAPI.application(replica: replica, configuration: configuration, trigger: trigger, rounds: rounds,
                                               failures: failures, metrics: metrics, logger: logger) { port in
                    announce("http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
                }
            } catch {
                throw ReportableError.failure("the local API's token: \(error) — check that the data directory is writable, "
                                              + "or set api.enabled: false")
            }
            services.append(api)
        } else {
            announce(nil)
        }
        // Writes by other processes (`reformsync record put`, imports) wake the loop like API writes.
        services += [loop, ExternalWriteWatcher(writer: replica.writer, trigger: trigger, logger: logger),
                     TokenReloader(credentials: client.credentials, trigger: trigger, logger: logger), WatchdogService(notifier: notifier), ShutdownAnnouncer(notifier: notifier, logger: logger)]
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { DaemonStateFile.remove(dataDirectory: dataDirectory) }
        try await group.run()
        logger.info("daemon stopped")
    }
}

extension DaemonCommand {
    /// The hub settings the daemon cannot run without, reported like every configuration error:
    /// naming the file and the key, exit code 2 (so systemd does not restart it).
    static func checkHubSettings(_ configuration: ReformsyncConfiguration, file: String?) throws {
        let file = file ?? "configuration (defaults and REFORMSYNC_* variables)"
        guard configuration.hub.url != nil else {
            throw ConfigError(file: file, key: "hub.url", message: "missing: the daemon needs the hub's address, e.g. https://hub.snv.tuyenquang.gov.vn:8443")
        }
        guard try configuration.hubToken() != nil else {
            throw ConfigError(file: file, key: "hub.token_file",
                              message: "missing: give hub.token_file (or hub.token) with the token from `reformsync hub token create`")
        }
    }
}

/// The last service of the group, so the first to hear of a graceful shutdown: tells systemd.
struct ShutdownAnnouncer: Service {
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        logger.info("stopping: finishing the step in progress")
        notifier.stopping()
    }
}

/// SIGHUP (`systemctl reload reformsync-daemon`): reads `hub.token_file` again, so a rotated
/// token is taken without a restart (README "Tokens"); a new token starts a round soon after.
struct TokenReloader: Service {
    let credentials: BearerCredentials
    let trigger: SyncTrigger
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                guard credentials.isReloadable else {
                    logger.notice("SIGHUP: the token is given inline (hub.token), nothing to read again; use hub.token_file to rotate tokens without a restart")
                    continue
                }
                do {
                    if try credentials.reload() {
                        logger.notice("SIGHUP: took the new token from hub.token_file; syncing with it shortly")
                        trigger.fire(.localWrite)
                    } else {
                        logger.notice("SIGHUP: hub.token_file holds the token already in use")
                    }
                } catch {
                    logger.error("SIGHUP: cannot read hub.token_file again, keeping the current token: \(error)")
                }
            }
        }
    }
}

/// One line per event on standard error, at the configured level.
enum LogSetup {
    static func bootstrap(level: String, label: String) -> Logger {
        let logLevel = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}
