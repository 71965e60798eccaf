import ArgumentParser
import Foundation
import OfficeWeb
import Replica
#if canImport(Glibc)
import Glibc
#endif

/// `reformsync users …`: the office app's accounts, local to this server (never replicated).
struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Accounts of the office web app on this server: add, passwd, disable, list.",
        discussion: """
            Accounts live in accounts.sqlite in the data folder, beside the replica; they are never synced. \
            At a unit's node (role: node) an account is a clerk (cán bộ: enters the self-assessment, explanations, \
            reports) or a leader (lãnh đạo: also submits). At the hub (role: hub) an account is an appraiser or an admin. \
            Passwords are read from the terminal (asked twice) or, with --password-stdin, from the first line of \
            standard input; never from the command line. At least 10 characters.

              reformsync users add lan --role clerk --config /etc/reformsync/district.yaml
              echo "$PASSWORD" | reformsync users add lanhdao --role leader --password-stdin
              reformsync users passwd lan
              reformsync users disable lan
              reformsync users list
            """,
        subcommands: [UsersAdd.self, UsersPasswd.self, UsersDisable.self, UsersList.self])

    /// The accounts file of the server the options describe: the configuration's role says which
    /// roles exist (a replica already in the data folder has the last word).
    static func store(_ options: ReplicaOptions) throws -> AccountStore {
        let configuration = try options.configuration()
        var site = OfficeSite(rawValue: configuration.role) ?? .node
        if FileManager.default.fileExists(atPath: configuration.replicaPath),
           let replica = try? Replica.open(path: configuration.replicaPath) {
            site = replica.role == .hub ? .hub : .node
        }
        return try AccountStore(dataDirectory: configuration.dataDirectory, site: site)
    }

    /// A new password: from standard input's first line, or asked twice at the terminal.
    static func readPassword(fromStdin: Bool) throws -> String {
        if fromStdin {
            guard let line = readLine(strippingNewline: true) else {
                throw ReportableError.input("--password-stdin: standard input is empty (send the password on its first line)")
            }
            return line.precomposedStringWithCanonicalMapping
        }
        guard isatty(STDIN_FILENO) != 0 else {
            throw ReportableError.input("no terminal to ask the password on: use --password-stdin and send it on standard input")
        }
        let first = String(cString: getpass("Mật khẩu mới (password): "))
        let second = String(cString: getpass("Nhập lại (again): "))
        guard first == second else { throw ReportableError.input("the two passwords differ; nothing changed") }
        return first.precomposedStringWithCanonicalMapping
    }
}

struct UsersAdd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an account (node: clerk|leader; hub: appraiser|admin).")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "User name: 2–64 letters, digits, '.', '_' or '-'.") var name: String
    @Option(help: "clerk or leader at a node; appraiser or admin at the hub.") var role: String
    @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false

    func run() throws {
        let store = try UsersCommand.store(options)
        let role = try store.checkRole(role)
        let checked = try AccountStore.checkName(name)
        let password = try UsersCommand.readPassword(fromStdin: passwordStdin)
        try store.add(name: checked, role: role, password: password)
        print("account \(checked) added (\(role.rawValue)) in \(store.path)")
    }
}

struct UsersPasswd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "passwd", abstract: "Set an account's password (re-enables it; ends its sessions).")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "User name.") var name: String
    @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false

    func run() throws {
        let store = try UsersCommand.store(options)
        let checked = try AccountStore.checkName(name)
        guard try store.list().contains(where: { $0.name == checked }) else {
            throw ReportableError.input("no account named \(checked) (`reformsync users list` shows them)")
        }
        try store.setPassword(name: checked, password: try UsersCommand.readPassword(fromStdin: passwordStdin))
        print("password of \(checked) changed; its open sessions have ended")
    }
}

struct UsersDisable: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disable", abstract: "Disable an account: no more logins, its sessions end now.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "User name.") var name: String

    func run() throws {
        let store = try UsersCommand.store(options)
        try store.disable(name: name)
        print("account \(name.precomposedStringWithCanonicalMapping) disabled (`users passwd` enables it again)")
    }
}

struct UsersList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the accounts (never their passwords).")
    @OptionGroup var options: ReplicaOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let store = try UsersCommand.store(options)
        let accounts = try store.list()
        if json { return try JSONOutput.print(accounts) }
        if accounts.isEmpty { print("no accounts yet at this \(store.site.rawValue): `reformsync users add NAME --role \(store.site.roles[0].rawValue)`"); return }
        for account in accounts {
            print("\(account.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(account.role.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(account.disabled ? "disabled" : "enabled ")  since \(account.createdAt)")
        }
    }
}
