import ArgumentParser
import Foundation
import Daemon
import Dashboard
import Hub
import OfficeWeb
import Aggregation
import Logging
import ReformData
import NodeSync
import ReformsyncConfig
import Replica
import ServiceLifecycle
import UnixSignals

struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "The provincial (or national) hub: serve protocol v1 to the nodes, load its reference data, and manage tokens.",
        subcommands: [Serve.self, Load.self, Token.self, Routes.self],
        defaultSubcommand: Serve.self
    )

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve the nodes (the default: `reformsync hub --config PATH`).",
            discussion: """
                Listens on server.host:server.port (port 0: any free port) and prints "listening on http://HOST:PORT". \
                The hub checks every pushed change against the schema and who may write it, refuses changes \
                stamped more than server.max_clock_skew seconds ahead, and answers each node only with what its \
                unit may read. Every route sits in a guarded group: GET /v1/health is the only anonymous route; \
                the sync protocol needs a node token; the dashboard (GET /dashboard?year=Y, also GET /), the report \
                as JSON (GET /v1/report?year=Y) and Prometheus metrics (GET /metrics) need an operator token \
                (`reformsync hub token create --operator`), sent as a bearer token or, from a browser, as the \
                HTTP Basic password (any user name). The appraisers' web app is under /app (accounts: `reformsync users add NAME \
                --role appraiser|admin`; Host names in server.allowed_hosts). `reformsync hub routes` lists them. While it runs, \
                DATA_DIR/hub.json tells `reformsync status` its address and pid. SIGTERM or SIGINT stop it gracefully. Put a TLS-terminating proxy in front of it \
                when it faces anything but a trusted network.

                With an uplink: section (uplink.url, uplink.unit, uplink.token_file; Config/provincial-hub.yaml) a \
                provincial hub is also a node of the national hub (Protocol §20): it syncs DATA_DIR/uplink/replica.sqlite, \
                the province's own records as unit uplink.unit, with the daemon's loop (every uplink.interval, live pulls, \
                within a second of a write with `--uplink`), and copies the province's national rank into external_indices. \
                Districts' rows never go up. `reformsync status` shows the uplink's health.
                """
        )
        @OptionGroup var options: ReplicaOptions

        func run() async throws {
            guard !options.uplink else {
                throw ReportableError.input("--uplink names the uplink's node replica; the hub runs its uplink itself: `reformsync hub --config PATH`")
            }
            let configuration = try options.configuration()
            let replica = try Replica.open(path: configuration.replicaPath, maxClockSkewMillis: configuration.maxClockSkewMillis,
                                           readers: configuration.server.maxReaders)
            guard replica.role == .hub else {
                throw ReportableError.input("\(replica.location) is a node replica (unit \(replica.unit)); the hub needs one made with `reformsync init --role hub`")
            }
            let logger = LogSetup.bootstrap(level: configuration.logLevel, label: "reformsync.hub")
            let notifier = SystemdNotifier()
            let settings = HubSettings(maxBodyBytes: configuration.server.maxBodyBytes,
                                       maxBatchChanges: max(configuration.sync.batchChanges, 1000),
                                       maxClockSkewMillis: UInt64(configuration.server.maxClockSkewSeconds * 1000),
                                       lateAcceptanceMillis: configuration.server.lateAcceptanceMillis,
                                       maxConcurrentRequests: configuration.server.maxConcurrentRequests,
                                       maxQueuedRequests: configuration.server.maxQueuedRequests,
                                       maxLivePulls: configuration.server.maxLivePulls,
                                       retryAfterSeconds: configuration.server.retryAfterSeconds)
            let service = try HubService(replica: replica, settings: settings, logger: logger)
            let (office, hosts) = try Self.office(configuration)
            let host = configuration.server.host
            let dataDirectory = configuration.dataDirectory
            let application = HubServer.application(service: service, host: host, port: configuration.server.port, logger: logger, onListening: { port in
                // Written straight to the file descriptor: scripts and tests read it from a pipe.
                FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)\n".utf8))
                do {
                    try HubStateFile(listening: "http://\(host):\(port)", software: SyncSession.software).write(dataDirectory: dataDirectory)
                } catch {
                    logger.warning("cannot write \(HubStateFile.path(dataDirectory: dataDirectory)); `reformsync status` will say the hub is not running", metadata: ["error": "\(error)"])
                }
                notifier.ready(status: "serving \(replica.unit) on \(host):\(port)")
            }, routes: { DashboardRoutes.add(to: $0, service: service) },  // the same as `hub routes` lists
               officeRoutes: { HubApp.add(to: $0, service: service, app: office, hosts: hosts) })
            // Writes by other processes (an appraisal put with `record put`) wake the live pulls too.
            let watcher = HubWriteWatcher(service: service, logger: logger)
            // A provincial hub with an uplink is also a node of the national hub (Protocol §20).
            let uplink = try HubUplink.services(configuration: configuration, hubReplica: replica, signal: service.changeSignal,
                                                file: options.config, logger: logger)
            let services: [any Service] = [application, watcher] + uplink + [WatchdogService(notifier: notifier), ShutdownAnnouncer(notifier: notifier, logger: logger),
                                           CompactionService(hub: service, intervalHours: configuration.server.compactIntervalHours,
                                                             retentionDays: configuration.server.compactRetentionDays, logger: logger)]
            let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            defer { HubStateFile.remove(dataDirectory: dataDirectory) }
            try await group.run()
        }

        /// The appraisers' app: the hub's accounts file (`reformsync users`) and the Host names it answers.
        static func office(_ configuration: ReformsyncConfiguration) throws -> (OfficeApp, [String]) {
            let accounts = try AccountStore(dataDirectory: configuration.dataDirectory, site: .hub)
            let app = OfficeApp(accounts: accounts, settings: configuration.office, appName: "Thẩm định Chỉ số CCHC", basePath: "/app")
            return (app, [configuration.server.host] + configuration.server.allowedHosts)
        }
    }

    struct Routes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every route the hub serves and the credential it needs.",
            discussion: """
                Built exactly as `reformsync hub` builds its router: anonymous (GET /v1/health only), node (a node \
                token: the sync protocol), operator (an operator token: dashboard, report, metrics) or office (the appraisers' \
                app under /app: a login session). --json prints \
                [{"method","path","audience"}], which the tests use to probe every route.
                """
        )
        @OptionGroup var options: ReplicaOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let replica = try options.openReplica()
            guard replica.role == .hub else {
                throw ReportableError.input("\(replica.location) is a node replica (unit \(replica.unit)); routes are the hub's")
            }
            var logger = Logger(label: "reformsync.hub.routes")
            logger.logLevel = .critical
            let service = try HubService(replica: replica, logger: logger)
            // The same composition as `serve`: the protocol groups and the dashboard in the operator group.
            let (office, hosts) = try Serve.office(try options.configuration())
            let routes = HubServer.router(service: service, logger: logger, operatorRoutes: { DashboardRoutes.add(to: $0, service: service) },
                                          officeRoutes: { HubApp.add(to: $0, service: service, app: office, hosts: hosts) }).routes
            if json {
                try JSONOutput.print(routes)
            } else {
                for route in routes {
                    print(route.method.padding(toLength: 6, withPad: " ", startingAt: 0) + " " + route.path.padding(toLength: 16, withPad: " ", startingAt: 0)
                          + " " + (route.audience == .anonymous ? "anonymous" : route.audience == .office ? "office session (/app/login)" : "\(route.audience.rawValue) token"))
                }
            }
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue, rotate, list and revoke tokens: node tokens (one unit, the sync protocol) and operator tokens (dashboard, report, metrics).",
            subcommands: [Create.self, Rotate.self, List.self, Revoke.self]
        )

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Issue a node token for a unit (--unit CODE) or an operator token (--operator), and print it once.",
                discussion: """
                    A node token opens only the sync protocol, as its unit. An operator token opens only the dashboard, \
                    the report and /metrics: send it as `Authorization: Bearer TOKEN`, or in a browser give it as the \
                    password (any user name). Neither opens the other's routes. The hub keeps only a hash. \
                    --expires 90d (or 12h, 2w, a date 2027-06-30, a time 2027-06-30T17:00:00Z) makes it expire: the hub \
                    then answers 401 saying it expired and when. To replace a unit's token, use `token rotate`.

                    --unit must name a unit the hub holds (`reformsync record list units`) whose validity has not \
                    ended (units.valid_to empty or not yet past); load the units first with `reformsync hub load` \
                    (--allow-unknown-unit skips this check).
                    """
            )
            @OptionGroup var options: ReplicaOptions
            @Option(help: "The unit the node serves, e.g. SONDUONG (a node token).") var unit: String?
            @Flag(name: .customLong("operator"), help: "Issue an operator token (dashboard, report, metrics) instead of a node token.") var isOperator = false
            @Option(help: "A note for the token list, e.g. the server's or the person's name.") var note: String?
            @Flag(help: "Issue a node token even though the hub holds no current record of the unit (tests; a unit whose record comes later).")
            var allowUnknownUnit = false
            @Option(help: ArgumentHelp("Expire after a duration (90d, 12h, 2w) or at a date/time (2027-06-30).", valueName: "duration|date")) var expires: String?

            func validate() throws {
                if isOperator && unit != nil { throw ValidationError("--operator tokens belong to no unit: give --operator or --unit CODE, not both") }
                if !isOperator && unit == nil { throw ValidationError("give --unit CODE (a node token) or --operator (an operator token)") }
            }

            func run() throws {
                let replica = try options.openReplica()
                guard replica.role == .hub else {
                    throw ReportableError.input("\(replica.location) is a node replica (unit \(replica.unit)); tokens are issued at the hub")
                }
                let tokens = try TokenAuthority(writer: replica.writer)
                let expiry = try expires.map { try TokenLifetime.expiry($0) }
                if isOperator {
                    let issued = try tokens.createOperator(note: note, expiresAt: expiry)
                    print(issued.token)
                    FileHandle.standardError.write(Data("operator token \(issued.id): shown once; open the dashboard with it as the password (any user name) or send Authorization: Bearer TOKEN\n".utf8))
                } else if let unit {
                    if !allowUnknownUnit {
                        do { try TokenEligibility.check(unit.nfc, in: replica) } catch let refusal as TokenEligibility.Refusal {
                            throw ReportableError.input(refusal.message)
                        }
                    }
                    let issued = try tokens.create(unit: unit.nfc, note: note, expiresAt: expiry)
                    print(issued.token)
                    FileHandle.standardError.write(Data("token \(issued.id) for \(unit.nfc): shown once, store it in the node's hub.token_file\n".utf8))
                }
            }
        }

        struct Rotate: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Issue a new node token for a unit; its older tokens keep working for a grace period, then expire.",
                discussion: """
                    Prints the new token once. Every other active token of the unit expires after --grace (default \
                    7d; 0s: at once), unless it expires sooner already. Write the new token to the node's \
                    hub.token_file; the daemon takes it at its next 401 or at once on `systemctl reload \
                    reformsync-daemon` (SIGHUP), without a restart. `token list` shows the expiries.
                    """
            )
            @OptionGroup var options: ReplicaOptions
            @Option(help: "The unit whose token is replaced, e.g. SONDUONG.") var unit: String
            @Option(help: ArgumentHelp("How long the old tokens keep working (e.g. 7d, 36h, 0s).", valueName: "duration")) var grace = "7d"
            @Option(help: ArgumentHelp("The new token expires too: a duration (90d) or a date (2027-06-30).", valueName: "duration|date")) var expires: String?
            @Option(help: "A note for the token list.") var note: String?

            func run() throws {
                let replica = try options.openReplica()
                guard replica.role == .hub else {
                    throw ReportableError.input("\(replica.location) is a node replica (unit \(replica.unit)); tokens are issued at the hub")
                }
                let graceSeconds = try TokenLifetime.grace(grace)
                let expiry = try expires.map { try TokenLifetime.expiry($0) }
                let tokens = try TokenAuthority(writer: replica.writer)
                let unit = unit.nfc
                guard try tokens.list().contains(where: { $0.kind == .node && $0.unit == unit && $0.revokedAt == nil && !$0.isExpired() }) else {
                    throw ReportableError.input("unit \(unit) has no active token to rotate: issue one with `reformsync hub token create --unit \(unit)`")
                }
                let issued = try tokens.rotate(unit: unit, grace: graceSeconds, note: note, expiresAt: expiry)
                print(issued.token)
                let until = Timestamp.string(Date().addingTimeInterval(graceSeconds))
                FileHandle.standardError.write(Data("""
                    token \(issued.id) for \(unit): shown once; write it to the node's hub.token_file, then `systemctl reload reformsync-daemon` \
                    (or let the daemon take it at its next 401). \(issued.retiring) older token(s) of \(unit) expire at \(until).

                    """.utf8))
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List tokens (ids, kinds, units, creation, expiry and revocation; never secrets).")
            @OptionGroup var options: ReplicaOptions

            func run() throws {
                let replica = try options.openReplica()
                let now = Date()
                for token in try TokenAuthority(writer: replica.writer).list() {
                    let who = token.kind == .operator ? "(operator)" : token.unit
                    let expiry = token.expiresAt.map { token.isExpired(at: now) ? "  EXPIRED \($0)" : "  expires \($0)" } ?? ""
                    print("\(token.id)  \(token.kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \(who.padding(toLength: 14, withPad: " ", startingAt: 0))  created \(token.createdAt)"
                          + expiry + (token.revokedAt.map { "  REVOKED \($0)" } ?? "") + (token.note.map { "  \($0)" } ?? ""))
                }
            }
        }

        struct Revoke: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a token by id, or all tokens of a unit; effective at once.")
            @OptionGroup var options: ReplicaOptions
            @Argument(help: "The token id (from `token list`).") var id: String?
            @Option(help: "Revoke every token of this unit.") var unit: String?

            func validate() throws {
                if (id == nil) == (unit == nil) { throw ValidationError("give a token id or --unit CODE (one of them)") }
            }

            func run() throws {
                let replica = try options.openReplica()
                let count = try TokenAuthority(writer: replica.writer).revoke(id: id, unit: unit?.nfc)
                guard count > 0 else { throw ReportableError.failure("no active token \(id.map { "with id \($0)" } ?? "for unit \(unit ?? "")")") }
                print("revoked \(count) token(s)")
            }
        }
    }
}
