import ArgumentParser
import FileStore
import Replica

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the replica: SQLite integrity, references to records that do not exist, and every stored evidence file's SHA-256.",
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
        // Evidence files: every stored file re-hashed; files live rows refer to but the store lacks.
        let store = FileStore(dataDirectory: try options.configuration().dataDirectory)
        let verified = store.verifyAll()
        let missing = try replica.evidenceFiles().filter { !store.contains($0.sha256) && SHA256Hex.isValid($0.sha256) }
        print("files: \(verified.checked) stored, \(verified.damaged.count) damaged, \(missing.count) referenced but not here"
              + (missing.isEmpty ? "" : " (they arrive at the next sync, or are still to be uploaded from their unit)"))
        for damage in verified.damaged { print("  damaged \(damage.hash): \(damage.problem)") }
        for file in missing { print("  missing \(file.sha256) (\(file.size) bytes)") }
        if integrity != ["ok"] || !dangling.isEmpty || !verified.damaged.isEmpty { throw ExitCode.failure }
    }
}
