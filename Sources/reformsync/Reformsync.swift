import ArgumentParser
import Foundation
import ReformData
import ReformsyncConfig
import WireProtocol

/// The `reformsync` command: replica data, exchange files, sync, hub and daemon.
@main
struct Reformsync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reformsync",
        abstract: "Offline-first sync of administrative-reform data (PAR INDEX, SIPAS, Decision 06, tasks, initiatives).",
        discussion: """
            Each district or department server keeps a local SQLite replica of its reform data; writes never \
            wait for the network. Replicas converge by CRDT merge with the provincial hub.

            Every command that touches a replica takes --config PATH (YAML, see Config/) or --data-dir PATH; \
            without either it uses $REFORMSYNC_DATA_DIR when set (it also overrides a file's data_dir), else the \
            default data folder: \(ReformsyncConfiguration.defaultDataDirectoryDescription). `reformsync config check` \
            shows which one applies and why.

            Exit codes: 0 success; 1 failure (not found, unreachable, damaged file); 2 bad input \
            (unknown table or field, wrong type, bad file, bad arguments).
            """,
        version: Self.versionLine,
        subcommands: [
            InitCommand.self, RecordCommand.self, FilesCommand.self, ImportCSVCommand.self, ExportChangesCommand.self, ImportChangesCommand.self,
            HistoryCommand.self, SchemaCommand.self, CheckCommand.self, HubCommand.self, SyncCommand.self, DaemonCommand.self, APITokenCommand.self, StatusCommand.self, DemoCommand.self, QuarantineCommand.self, ClockCommand.self, ConfigCommand.self,
            ReportCommand.self, PublishCommand.self, BenchCommand.self, BackupCommand.self, SetupCommand.self, SeasonCommand.self,
            UsersCommand.self,
        ]
    )

    /// `reformsync --version`: the release, and the protocol and schema versions it speaks
    /// (what an upgrade must keep in step, README "Upgrading").
    static let versionLine = "reformsync \(ReformsyncVersion.current) (protocol \(ProtocolVersion.supported.lowerBound)"
        + (ProtocolVersion.supported.count > 1 ? "–\(ProtocolVersion.supported.upperBound)" : "")
        + ", schema \(ReformSchema.v1.version))"

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode {
                exit(withError: error)  // --help, --version, explicit exit codes
            }
            if code == .validationFailure {
                // Bad arguments: ArgumentParser's message with usage, and our documented code 2.
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            let reportable = ReportableError(error)
            FileHandle.standardError.write(Data("error: \(reportable.message)\n".utf8))
            Foundation.exit(reportable.exitCode)
        }
    }
}
