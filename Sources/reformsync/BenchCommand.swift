import ArgumentParser
import Benchmarks
import Foundation

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print their figures (the last line is one JSON object, for scripts).",
        subcommands: [Merge.self, BenchSyncCommand.self, BenchDaemonCommand.self, BenchReportCommand.self, BenchFilesCommand.self, BenchAppsCommand.self]
    )

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge speed against a plain SQLite upsert, local write latency, and replica size.",
            discussion: """
                Works in a fresh folder of temporary files (removed afterwards) and never touches your replica. \
                Run it on a release build (swift build -c release --product reformsync) and on a quiet machine: \
                other work on the machine makes the figures noisy (the load average is printed).

                Merge: remote column changes per second merged into a new replica file (new assessment_scores \
                rows from one remote site, each a row marker plus six column changes, applied with Replica.apply \
                in transactions of --batch changes, like sync pages), next to a plain upsert (INSERT ... ON \
                CONFLICT DO UPDATE, one cached statement, arguments bound directly) of the same rows into a plain \
                table with the same columns and affinities: same library, same WAL and durability settings, same \
                transaction sizes, batches of the two interleaved. Target: merge >= 0.7 x plain.

                Local write: p50/p99 latency of a single-record put (one transaction each, like an office user \
                saving a form; half edits of merged rows, half new rows), after 20 untimed warm-up writes. \
                Target: p99 <= 2 ms.

                Size: bytes per row of the whole replica file (data, clocks, history, indexes; after a WAL \
                checkpoint) against the plain table's file holding the same rows. Target: <= 2 x.

                Readable figures come first; the last line is one JSON object with the keys merge_changes_per_s, \
                plain_upserts_per_s, merge_vs_plain, write_p50_ms, write_p99_ms and replica_vs_plain_bytes. \
                Progress goes to standard error.
                """
        )

        @Option(help: ArgumentHelp("Remote column changes to merge (row markers not counted).", valueName: "n"))
        var changes = 1_000_000

        @Option(help: ArgumentHelp("Column changes per transaction, on both sides.", valueName: "n"))
        var batch = 10_000

        @Option(help: ArgumentHelp("Single-record local writes to time.", valueName: "n"))
        var writes = 2_000

        @Option(help: ArgumentHelp("Folder for the temporary database files (default: the system's temporary folder).", valueName: "path"))
        var directory: String?

        @Flag(help: "Keep the database files and print where they are.")
        var keep = false

        func validate() throws {
            guard changes > 0, batch > 0, writes > 0 else {
                throw ValidationError("--changes, --batch and --writes must be positive")
            }
        }

        func run() throws {
            var options = MergeBenchmark.Options()
            options.changes = changes
            options.batch = batch
            options.writes = writes
            options.keepFiles = keep
            if let directory {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw ReportableError.input("--directory \(directory): no such folder")
                }
                options.directory = directory
            }
            let figures = try MergeBenchmark.run(options, report: { line in print(line) }, progress: { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            })
            print(figures.jsonLine)
        }
    }
}
