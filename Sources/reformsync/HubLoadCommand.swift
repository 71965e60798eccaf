import ArgumentParser
import Foundation
import ReformData
import Replica

extension HubCommand {
    /// `reformsync hub load FILE…`: a hub's first set-up (and every later update of its reference data).
    struct Load: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the province's reference data (units, methodologies, criteria, services) from CSV/YAML files: all files or none.",
            discussion: """
                A new hub holds nothing: load the units (with ranking group and validity dates), the PAR INDEX \
                methodology of the year with its criteria tree, and the Decision-06 services before issuing node \
                tokens. Config/reference/2021 and Config/reference/2026 are illustrative Tuyên Quang sets \
                (see their README): `reformsync hub load Config/reference/2021`.

                FILE may be a folder: its .csv, .yaml and .yml files are read in name order. A CSV file holds one \
                table, named by the file: units.csv, methodologies.csv, criteria.csv, services.csv (or \
                TABLE-anything.csv, e.g. criteria-2021.csv); it is read exactly as `reformsync import-csv` reads \
                it (UTF-8, delimiter , or ; detected, decimal comma, DD/MM/YYYY dates, có/không) and needs an id \
                column (the unit code, the criterion id…) and every required field's column. A YAML file maps \
                table names to lists of records, one file per dataset or several datasets in one:
                  units:
                    - id: SONDUONG
                      name: UBND huyện Sơn Dương
                      group: district
                      valid_to: 2025-06-30
                An empty value means "no value" (it clears a stored one). `reformsync schema TABLE` lists the fields.

                Every file is checked completely before anything is written: each field against the schema, each \
                record given once across all files, unit codes unique (also in letter case), a criterion's \
                methodology and parent present in the files or already stored, the tree field → criterion → \
                sub_criterion within one methodology, criterion codes unique per methodology, service numbers \
                unique, valid_from ≤ valid_to, first_year ≤ last_year (these checks across records run once every field is \
                valid). A record given in two files is fine when both agree (the units shared by two years' sets). \
                Each problem is printed as \
                FILE:LINE: table.field: problem; if there is any, nothing is stored and the exit code is 2. \
                Otherwise everything is stored in ONE transaction and the command prints, per table, how many \
                records are new, changed and unchanged. Loading the same files again changes nothing. A load never \
                deletes: a unit that ceased keeps its record and gets valid_to (its last day), so earlier years stay readable.

                Only the hub writes reference data (nodes receive it by sync): on a node replica the command \
                refuses with exit code 2.
                """
        )
        @OptionGroup var options: ReplicaOptions
        @Argument(help: ArgumentHelp("CSV or YAML files, or folders of them.", valueName: "file-or-folder")) var files: [String]
        @Flag(help: "Check every file and report, but store nothing.") var dryRun = false

        func validate() throws {
            if files.isEmpty { throw ValidationError("give the files (or a folder) to load, e.g. `reformsync hub load Config/reference/2021`") }
        }

        func run() throws {
            let replica = try options.openReplica()
            guard replica.role == .hub else {
                throw ReportableError.input("\(replica.location) is a node replica (unit \(replica.unit)): reference data is written at the hub " +
                    "(`reformsync hub load` there) and reaches the nodes by sync; nothing was loaded")
            }
            var reader = ReferenceFiles(schema: replica.schema)
            reader.read(files)

            var stored: [String: [String: ReferenceCheck.Values]] = [:]
            for table in ReferenceFiles.tables {
                stored[table] = Dictionary(try replica.list(table).map { ($0.key, $0.values) }, uniquingKeysWith: { a, _ in a })
            }
            var check = ReferenceCheck(stored: stored)
            if reader.problems.isEmpty { check.check(reader.records) }

            let problems = (reader.problems + check.problems).sorted()
            if !problems.isEmpty {
                FileHandle.standardError.write(Data(problems.map { $0.description + "\n" }.joined().utf8))
                let badFiles = Set(problems.map(\.file)).count
                throw ReportableError.input("\(problems.count) problem(s) in \(badFiles) file(s); nothing was loaded")
            }

            let summary = Self.summary(check.accepted, stored: stored)
            let fileCount = reader.files.count
            if dryRun {
                print("checked \(fileCount) file(s): all good; nothing stored (--dry-run)")
                print(summary, terminator: "")
                return
            }
            let batches = ReferenceFiles.tables.map { table in
                (table: table, records: check.accepted.filter { $0.table.name == table }.map(\.record))
            }.filter { !$0.records.isEmpty }
            let changes = try replica.put(tables: batches)
            print("loaded \(fileCount) file(s) into \(replica.location):")
            print(summary, terminator: "")
            if changes.isEmpty {
                print("0 changes: the hub already holds these values")
            } else {
                print("\(changes.count) change(s) stored; the nodes receive them at their next sync")
            }
        }

        /// Per table: records in the files, and how many are new, changed or already stored as given.
        static func summary(_ records: [StagedRecord], stored: [String: [String: ReferenceCheck.Values]]) -> String {
            var text = ""
            for table in ReferenceFiles.tables {
                let mine = records.filter { $0.table.name == table }
                guard !mine.isEmpty else { continue }
                var new = 0, changed = 0
                for staged in mine {
                    guard let current = stored[table]?[staged.key] else { new += 1; continue }
                    if staged.values.contains(where: { (current[$0.key] ?? .null) != $0.value }) { changed += 1 }
                }
                text += "  " + table.padding(toLength: 14, withPad: " ", startingAt: 0)
                    + " \(mine.count) record(s): \(new) new, \(changed) changed, \(mine.count - new - changed) unchanged\n"
            }
            return text
        }
    }
}
