import ArgumentParser
import Daemon
import Foundation
import ReformData
import Replica

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the replica for a unit (a district or department node, or the hub).",
        discussion: """
            Creates <data-dir>/replica.sqlite with a fresh site id, and for a node <data-dir>/api-token (mode 0600), \
            the token programs send to the daemon's local API (`reformsync api-token` prints it). An existing replica \
            or token is never overwritten.
            """
    )

    @OptionGroup var options: ReplicaOptions

    @Option(help: ArgumentHelp("The unit code this replica serves, e.g. SONDUONG (defaults to `unit` in the configuration).", valueName: "code"))
    var unit: String?

    @Option(help: ArgumentHelp("node (a unit's server) or hub (the provincial hub); defaults to `role` in the configuration.", valueName: "role"))
    var role: String?

    func run() throws {
        let configuration = try options.configuration()
        guard let unit = (unit ?? configuration.unit)?.nfc, !unit.isEmpty else {
            throw ReportableError.input("give the unit with --unit CODE (or `unit:` in the configuration)")
        }
        guard unit.range(of: "^[A-Za-z0-9_.-]{1,40}$", options: .regularExpression) != nil else {
            throw ReportableError.input("unit code \"\(unit)\" must be 1–40 letters, digits, '_', '.' or '-' (e.g. SONDUONG)")
        }
        let roleName = role ?? configuration.role
        guard let replicaRole = ReplicaRole(rawValue: roleName) else {
            throw ReportableError.input("--role must be node or hub, got \"\(roleName)\"")
        }
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let replica = try Replica.create(path: configuration.replicaPath, unit: unit, role: replicaRole)
        print("created \(replicaRole.rawValue) replica for unit \(replica.unit) at \(replica.location) (site \(replica.site))")
        if replicaRole == .node {
            do {
                _ = try APIToken.loadOrCreate(dataDirectory: configuration.dataDirectory)
            } catch {
                throw ReportableError.failure("the local API's token: \(error)")
            }
            print("local API token in \(APIToken.path(dataDirectory: configuration.dataDirectory)) (`reformsync api-token` prints it)")
        }
    }
}
