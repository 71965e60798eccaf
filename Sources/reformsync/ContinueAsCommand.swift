import ArgumentParser
import Daemon
import Foundation
import NodeSync
import ReformData
import Replica

/// `reformsync continue-as CODE`: a node whose unit was merged, split or renamed carries on as
/// its successor, keeping its history (README "Reorganisation", Protocol/README.md §19.4).
struct ContinueAsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "continue-as",
        abstract: "Make this node carry on as the unit that succeeds its own (after a merger, split or renaming).",
        discussion: """
            Run on the node, with the daemon stopped, after the hub recorded the succession in unit_successions \
            and this node received it (`reformsync sync --once`), and after every local change was pushed. \
            In one transaction the replica takes a new site id for the successor, keeps every row of the \
            predecessor (readable, no longer writable: they stay the predecessor's) and will pull again from the \
            start, so the rows of every unit it now succeeds arrive. The configuration's `unit:` is set to the \
            successor. Then give the node the successor's token (`reformsync token create --unit CODE` at the hub, \
            into `hub.token`/`hub.token_file`) and start the daemon. README "Reorganisation" lists every step.
            """
    )

    @OptionGroup var options: ReplicaOptions

    @Argument(help: ArgumentHelp("The successor unit's code, as in unit_successions.", valueName: "code"))
    var successor: String

    func run() throws {
        guard !options.uplink else {
            // It would rewrite the hub's own `unit:`; the uplink's unit is `uplink.unit` (Protocol Appendix A.26).
            throw ReportableError.input("continue-as --uplink is not supported: a province reorganised at the national tier needs a new uplink folder and uplink.unit (Protocol/README.md A.26)")
        }
        let configuration = try options.configuration()
        if let running = DaemonStateFile.running(dataDirectory: configuration.dataDirectory) {
            throw ReportableError.input("the daemon (pid \(running.pid)) is running on \(configuration.dataDirectory): stop it first (`systemctl stop reformsync-daemon`)")
        }
        let replica = try options.openReplica()
        let pending = try SyncSession.pending(replica, measuringBytes: false).count
        guard pending == 0 else {
            throw ReportableError.input("\(pending) local change(s) of \(replica.unit) are not pushed yet: run `reformsync sync --once` until it reports nothing pending, then try again")
        }
        let done = try replica.continueAs(successor)
        if let path = options.config, configurationNamesUnit(path) {
            var edit = try ConfigFileEdit(path: path)
            try edit.set("unit", done.successor)
            try edit.text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        print("""
            this node now serves \(done.successor) (\(done.kind.rawValue) from \(done.effectiveOn)\(done.decision.map { ", \($0)" } ?? "")); \
            \(done.predecessor)'s rows are kept, readable. New site \(done.site.rawValue) (was \(done.previousSite.rawValue)). \
            Next: put \(done.successor)'s token in the configuration, then start the daemon.
            """)
    }

    /// Whether the configuration file sets `unit:` (then it must follow the replica).
    func configurationNamesUnit(_ path: String) -> Bool {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { $0.hasPrefix("unit:") }
    }
}
