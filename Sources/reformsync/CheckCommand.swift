import ArgumentParser
import Replica

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the replica: SQLite integrity and references to records that do not exist.",
        discussion: "Exit code 0 when all is well, 1 when a problem is listed."
    )
    @OptionGroup var options: ReplicaOptions

    func run() throws {
        let replica = try options.openReplica()
        let integrity = try replica.integrityCheck()
        let dangling = try replica.danglingReferences()
        print("replica \(replica.location): unit \(replica.unit), site \(replica.site), version \(try replica.currentVersion())")
        print("integrity: \(integrity.joined(separator: "; "))")
        if dangling.isEmpty {
            print("references: all resolve")
        } else {
            print("references: \(dangling.count) dangling (they resolve once the referenced records are entered or synced)")
            for reference in dangling { print("  \(reference)") }
        }
        if integrity != ["ok"] || !dangling.isEmpty { throw ExitCode.failure }
    }
}
