import ArgumentParser
import Daemon
import Foundation
import ReformData
import ReformsyncConfig
import Replica

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the replica for a unit (a district or department node, or the hub).",
        discussion: """
            Creates <data-dir>/replica.sqlite with a fresh site id, and for a node <data-dir>/api-token (mode 0600), \
            the token programs send to the daemon's local API (`reformsync api-token` prints it). An existing replica \
            or token is never overwritten. Run as root in a folder another user owns (the package's \
            /var/lib/reformsync belongs to the service user reformsync), the files are given to that user \
            (replica 0640, token 0600) so the service can write them. `reformsync setup` does this and more.

            With --from-hub, a node's replica starts from the hub's snapshot of what the unit may read \
            (hub.url and the unit's token from the configuration): one compressed SQLite file, downloaded in \
            ranged requests that resume after a cut link or a new run, verified by SHA-256, then ordinary sync \
            continues from the snapshot's hub version. Much faster than pulling years of changes page by page.
            """
    )

    @OptionGroup var options: ReplicaOptions

    @Option(help: ArgumentHelp("The unit code this replica serves, e.g. SONDUONG (defaults to `unit` in the configuration).", valueName: "code"))
    var unit: String?

    @Option(help: ArgumentHelp("node (a unit's server) or hub (the provincial hub); defaults to `role` in the configuration.", valueName: "role"))
    var role: String?

    @Flag(name: .customLong("from-hub"), help: "Start a node's replica from the hub's snapshot instead of empty (Protocol §19.3).")
    var fromHub = false

    @Flag(help: "With --from-hub: move an existing replica aside (replica.sqlite.before-snapshot-TIME) and start again from the snapshot; for a node the hub refuses with snapshot_required.")
    var replace = false

    func run() async throws {
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
        if fromHub {
            guard replicaRole == .node else { throw ReportableError.input("--from-hub makes a node's replica; the hub starts empty (or from its backup)") }
            if replace { try Self.moveAside(configuration) }
            let done = try await Bootstrap.run(configuration: configuration, unit: unit)
            print(done.summary)
            try Self.finish(role: .node, dataDirectory: configuration.dataDirectory, replicaPath: configuration.replicaPath,
                            owner: ServiceOwner.of(folder: configuration.dataDirectory))
            return
        }
        guard !replace else { throw ReportableError.input("--replace goes with --from-hub") }
        try Self.create(unit: unit, role: replicaRole, dataDirectory: configuration.dataDirectory, replicaPath: configuration.replicaPath)
    }

    /// Moves the node's replica aside, whole (its WAL folded back first), keeping it for its
    /// unpushed changes (`export-changes --data-dir` on a copy of the folder).
    static func moveAside(_ configuration: ReformsyncConfiguration) throws {
        let path = configuration.replicaPath
        guard FileManager.default.fileExists(atPath: path) else { return }
        if let running = DaemonStateFile.running(dataDirectory: configuration.dataDirectory) {
            throw ReportableError.input("the daemon (pid \(running.pid)) is running on \(configuration.dataDirectory): stop it first (`systemctl stop reformsync-daemon`)")
        }
        do { _ = try Replica.open(path: path) }  // closed again at once: SQLite folds the WAL into the file
        let aside = path + ".before-snapshot-" + Timestamp.string().replacingOccurrences(of: ":", with: "")
        try FileManager.default.moveItem(atPath: path, toPath: aside)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            try FileManager.default.moveItem(atPath: path + suffix, toPath: aside + suffix)
        }
        print("the old replica was moved to \(aside) (its unpushed changes can be exported from it)")
    }

    /// Creates the replica (and a node's API token). Run as root in a folder another user owns
    /// (the package's /var/lib/reformsync, owned by `reformsync`), the files are given to that
    /// user: 0640, the token 0600, so the service can write what root created.
    static func create(unit: String, role: ReplicaRole, dataDirectory: String, replicaPath: String) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let owner = ServiceOwner.of(folder: dataDirectory)
        do {
            let replica = try Replica.create(path: replicaPath, unit: unit, role: role)
            print("created \(role.rawValue) replica for unit \(replica.unit) at \(replica.location) (site \(replica.site))")
        }  // closed here: SQLite folds the WAL back before the files are handed over
        try finish(role: role, dataDirectory: dataDirectory, replicaPath: replicaPath, owner: owner)
    }

    /// A node's API token, and the files handed to the folder's owner.
    static func finish(role: ReplicaRole, dataDirectory: String, replicaPath: String, owner: ServiceOwner?) throws {
        var tokenPath: String?
        if role == .node {
            do {
                _ = try APIToken.loadOrCreate(dataDirectory: dataDirectory)
            } catch {
                throw ReportableError.failure("the local API's token: \(error)")
            }
            tokenPath = APIToken.path(dataDirectory: dataDirectory)
            print("local API token in \(APIToken.path(dataDirectory: dataDirectory)) (`reformsync api-token` prints it)")
        }
        if let owner {
            try owner.handReplica(dataDirectory: dataDirectory, replicaPath: replicaPath, apiToken: tokenPath)
            print("files given to \(owner.name), the owner of \(dataDirectory) (replica 0640, token 0600)")
        }
    }
}
