import ArgumentParser
import Foundation
import Daemon
import Dashboard
import Hub
import Logging
import ReformsyncConfig
import Replica
import ServiceLifecycle
import UnixSignals

struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "The provincial hub: serve protocol v1 to the nodes, and manage their tokens.",
        subcommands: [Serve.self, Token.self],
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
                unit may read. It also serves the dashboard (GET /dashboard?year=Y) and the report as JSON \
                (GET /v1/report?year=Y) for the hub's operators: expose those only to the hub's own network. \
                SIGTERM or SIGINT stop it gracefully. Put a TLS-terminating proxy in front of it \
                when it faces anything but a trusted network.
                """
        )
        @OptionGroup var options: ReplicaOptions

        func run() async throws {
            let configuration = try options.configuration()
            let replica = try Replica.open(path: configuration.replicaPath, maxClockSkewMillis: configuration.maxClockSkewMillis)
            guard replica.role == .hub else {
                throw ReportableError.input("\(replica.location) is a node replica (unit \(replica.unit)); the hub needs one made with `reformsync init --role hub`")
            }
            let logger = LogSetup.bootstrap(level: configuration.logLevel, label: "reformsync.hub")
            let notifier = SystemdNotifier()
            let settings = HubSettings(maxBodyBytes: configuration.server.maxBodyBytes,
                                       maxBatchChanges: max(configuration.sync.batchChanges, 1000),
                                       maxClockSkewMillis: UInt64(configuration.server.maxClockSkewSeconds * 1000))
            let service = try HubService(replica: replica, settings: settings, logger: logger)
            let host = configuration.server.host
            let application = HubServer.application(service: service, host: host, port: configuration.server.port, logger: logger, onListening: { port in
                // Written straight to the file descriptor: scripts and tests read it from a pipe.
                FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)\n".utf8))
                notifier.ready(status: "serving \(replica.unit) on \(host):\(port)")
            }, routes: { DashboardRoutes.add(to: $0, service: service) })
            let services: [any Service] = [application, WatchdogService(notifier: notifier), ShutdownAnnouncer(notifier: notifier, logger: logger)]
            let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue, list and revoke node tokens (the hub stores only their hashes).",
            subcommands: [Create.self, List.self, Revoke.self]
        )

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Issue a token for a unit and print it once.")
            @OptionGroup var options: ReplicaOptions
            @Option(help: "The unit the node serves, e.g. SONDUONG.") var unit: String
            @Option(help: "A note for the token list, e.g. the server's name.") var note: String?

            func run() throws {
                let replica = try options.openReplica()
                let issued = try TokenAuthority(writer: replica.writer).create(unit: unit.nfc, note: note)
                print(issued.token)
                FileHandle.standardError.write(Data("token \(issued.id) for \(unit.nfc): shown once, store it in the node's hub.token_file\n".utf8))
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List tokens (ids and units, never secrets).")
            @OptionGroup var options: ReplicaOptions

            func run() throws {
                let replica = try options.openReplica()
                for token in try TokenAuthority(writer: replica.writer).list() {
                    print("\(token.id)  \(token.unit.padding(toLength: 14, withPad: " ", startingAt: 0))  created \(token.createdAt)"
                          + (token.revokedAt.map { "  REVOKED \($0)" } ?? "") + (token.note.map { "  \($0)" } ?? ""))
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
