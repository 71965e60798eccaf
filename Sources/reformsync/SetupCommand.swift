import ArgumentParser
import Foundation
import ReformsyncConfig
import Replica

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `reformsync setup node|hub`: the one step between installing the package and starting the unit.
struct SetupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Configure this server after installing the package: the configuration, the replica, the token.",
        discussion: """
            Run as root once, after `apt install ./reformsync_VERSION_amd64.deb`. It fills in the configuration the \
            package installed (/etc/reformsync/district.yaml or hub.yaml, comments kept), creates the replica in its \
            data_dir (/var/lib/reformsync) owned by the service user reformsync (folder 0750, files 0640), for a node \
            writes the hub token file (0600, owned by reformsync), and prints the command that starts the service. \
            The units set REFORMSYNC_DATA_DIR=/var/lib/reformsync: with another --data-dir, change the unit too \
            (`systemctl edit`). An existing replica of the same unit is kept (setup can be run again to change the hub's address or the token).
            """,
        subcommands: [SetupNodeCommand.self, SetupHubCommand.self]
    )
}

/// Options both kinds of server share.
struct SetupOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The unit this server serves, e.g. SONDUONG (the hub: its own unit, e.g. SNV).", valueName: "code"))
    var unit: String

    @Option(help: ArgumentHelp("The configuration file to fill in (default /etc/reformsync/district.yaml for a node, hub.yaml for the hub).", valueName: "path"))
    var config: String?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Where the replica lives (sets data_dir; default: the file's data_dir, /var/lib/reformsync).", valueName: "path"))
    var dataDirectory: String?

    @Option(help: ArgumentHelp("The account the service runs as (the units' User=).", valueName: "name"))
    var user: String = "reformsync"

    func validUnit() throws -> String {
        let unit = self.unit.precomposedStringWithCanonicalMapping
        guard unit.range(of: "^[A-Za-z0-9_.-]{1,40}$", options: .regularExpression) != nil else {
            throw ReportableError.input("--unit \"\(unit)\" must be 1–40 letters, digits, '_', '.' or '-' (e.g. SONDUONG)")
        }
        return unit
    }

    /// Writes the edited file (keeping its owner and mode: root, 0644 as installed) and reads it
    /// back through the loader the services use, so a mistake shows here and not at start.
    func save(_ edit: ConfigFileEdit) throws -> ReformsyncConfiguration {
        do {
            try Data(edit.text.utf8).write(to: URL(fileURLWithPath: edit.path))
        } catch {
            throw ReportableError.failure("cannot write \(edit.path): \(error.localizedDescription) (run setup as root)")
        }
        print("configured \(edit.path)")
        return try ReformsyncConfiguration.load(path: edit.path, environment: [:])
    }

    /// Refuses, before anything is written, to set up a unit over another unit's replica.
    func checkExistingReplica(config path: String, unit: String) throws {
        let folder = dataDirectory ?? (try? ReformsyncConfiguration.load(path: path, environment: [:]))?.dataDirectory
        guard let folder else { return }
        let replicaPath = (folder as NSString).appendingPathComponent("replica.sqlite")
        guard FileManager.default.fileExists(atPath: replicaPath) else { return }
        let replica = try Replica.open(path: replicaPath)
        guard replica.unit == unit else {
            throw ReportableError.input("\(replicaPath) is the replica of unit \(replica.unit), not \(unit): "
                + "keep --unit \(replica.unit), or move that file away to start a new replica")
        }
    }

    /// Creates the data folder for `owner` (0750) and the replica in it, unless one is there (of
    /// this unit: `checkExistingReplica` ran before anything was written).
    func createReplica(_ configuration: ReformsyncConfiguration, unit: String, role: ReplicaRole, owner: ServiceOwner) throws {
        let folder = configuration.dataDirectory
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try owner.hand(folder, mode: 0o750)
        if FileManager.default.fileExists(atPath: configuration.replicaPath) {
            print("kept the existing replica of \(unit) at \(configuration.replicaPath)")
            return
        }
        try InitCommand.create(unit: unit, role: role, dataDirectory: folder, replicaPath: configuration.replicaPath)
    }
}

struct SetupNodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Set up a district or department node: unit, hub address, token, replica.",
        discussion: """
            Example (as root):
              reformsync setup node --unit SONDUONG --hub-url https://hub.snv.tuyenquang.gov.vn:8443 \\
                --token-file /root/sonduong.token --ca-file /etc/reformsync/hub-ca.pem
              systemctl enable --now reformsync-daemon
            """
    )

    @OptionGroup var options: SetupOptions

    @Option(name: .customLong("hub-url"), help: ArgumentHelp("The provincial hub (https://…).", valueName: "url"))
    var hubURL: String

    @Option(name: .customLong("token-file"), help: ArgumentHelp("A file holding the token from `reformsync hub token create --unit CODE`; its content is copied to /etc/reformsync/token.", valueName: "path"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("The token itself (prefer --token-file: a command line is visible to other users).", valueName: "token"))
    var token: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("The CA that signed the hub's certificate (sets hub.ca_file; without it the system's CAs are trusted).", valueName: "path"))
    var caFile: String?

    func run() throws {
        let unit = try options.validUnit()
        guard hubURL.hasPrefix("https://") || hubURL.hasPrefix("http://") else {
            throw ReportableError.input("--hub-url \"\(hubURL)\" must start with https:// (or http:// on a trusted network)")
        }
        let token = try readToken()
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ReportableError.input("--ca-file \(caFile): no such readable file (the PEM file of the CA that signed the hub's certificate)")
        }
        let owner = try ServiceOwner.named(options.user)
        let path = options.config ?? "/etc/reformsync/district.yaml"
        try options.checkExistingReplica(config: path, unit: unit)
        var edit = try ConfigFileEdit(path: path)
        let tokenPath = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("token")
        try edit.set("role", "node")
        try edit.set("unit", unit)
        if let dataDirectory = options.dataDirectory { try edit.set("data_dir", dataDirectory) }
        try edit.set("hub.url", hubURL)
        try edit.set("hub.token_file", tokenPath)
        try edit.set("hub.token", nil)
        try edit.set("hub.ca_file", caFile)
        try writeToken(token, to: tokenPath, owner: owner)
        let configuration = try options.save(edit)
        try options.createReplica(configuration, unit: unit, role: .node, owner: owner)
        print("""

            next, as root:
              reformsync config check --config \(path)
              systemctl enable --now reformsync-daemon
            """)
    }

    /// The token from --token or --token-file, checked for its shape (rs1_…, one line).
    func readToken() throws -> String {
        let text: String
        switch (token, tokenFile) {
        case (let token?, nil): text = token
        case (nil, let file?):
            guard let data = FileManager.default.contents(atPath: file), let read = String(data: data, encoding: .utf8) else {
                throw ReportableError.input("--token-file \(file): cannot read it (missing, or no permission)")
            }
            text = read
        default:
            throw ReportableError.input("give the hub's token for this unit with --token-file PATH or --token TOKEN (not both); "
                + "the hub's operator prints it with `reformsync hub token create --unit CODE`")
        }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty, !value.contains(where: \.isWhitespace) else {
            throw ReportableError.input("the token must be one word (as `reformsync hub token create` prints it), got \(value.isEmpty ? "nothing" : "several words")")
        }
        return value
    }

    /// The token file: 0600, owned by the service user (the only one that reads it).
    func writeToken(_ token: String, to path: String, owner: ServiceOwner) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else {
            throw ReportableError.failure("cannot write \(path): \(String(cString: strerror(errno))) (run setup as root)")
        }
        _ = fchmod(descriptor, 0o600)  // an existing file keeps its mode through O_CREAT: narrow it before writing
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data((token + "\n").utf8))
        try handle.close()
        try owner.hand(path, mode: 0o600)
        print("wrote the hub token to \(path) (0600, owned by \(owner.name))")
    }
}

struct SetupHubCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "Set up the provincial hub: its unit and replica.",
        discussion: """
            Example (as root):
              reformsync setup hub --unit SNV
              systemctl enable --now reformsync-hub
            then load the province's reference data (`reformsync hub load`, README "A hub's first set-up") \
            and create one token per unit (`reformsync hub token create --unit CODE`).
            """
    )

    @OptionGroup var options: SetupOptions

    func run() throws {
        let unit = try options.validUnit()
        let owner = try ServiceOwner.named(options.user)
        let path = options.config ?? "/etc/reformsync/hub.yaml"
        try options.checkExistingReplica(config: path, unit: unit)
        var edit = try ConfigFileEdit(path: path)
        try edit.set("role", "hub")
        try edit.set("unit", unit)
        if let dataDirectory = options.dataDirectory { try edit.set("data_dir", dataDirectory) }
        let configuration = try options.save(edit)
        try options.createReplica(configuration, unit: unit, role: .hub, owner: owner)
        print("""

            next, as root:
              reformsync config check --config \(path)
              systemctl enable --now reformsync-hub
              runuser -u \(owner.name) -- reformsync hub load --config \(path) …   (README "Setting up a new hub")
            """)
    }
}
