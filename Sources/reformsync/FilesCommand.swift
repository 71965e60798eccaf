import ArgumentParser
import CRDT
import Daemon
import FileStore
import Foundation
import NodeSync
import ReformData
import ReformsyncConfig
import Replica

/// `reformsync files ...`: evidence files (tài liệu kiểm chứng) attached to a unit's records.
struct FilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files",
        abstract: "Attach, list and open evidence files (tài liệu kiểm chứng) of this unit's records.",
        discussion: """
            A file is stored once, by its SHA-256, under DATA_DIR/files/, and travels to the hub after the rows, \
            in chunks that resume after any cut (Protocol/README.md §16). Evidence can be attached to records of \
            \(ReformSchema.evidenceTables.joined(separator: ", ")).
            Limits, checked when attaching: files.max_file_bytes (default 50 MiB), files.allowed_types (PDF, DOCX, \
            XLSX, ODT, ODS, DOC, XLS, JPEG, PNG, recognised by content), files.quota_bytes_per_year (default 2 GiB per unit).
              reformsync files add assessment_scores SONDUONG/2024/1.1 ~/quyet-dinh-15.pdf --name "Quyết định 15.pdf"
              reformsync files list assessment_scores SONDUONG/2024/1.1
              reformsync files get assessment_scores SONDUONG/2024/1.1 "Quyết định 15.pdf" --output /tmp/qd15.pdf
            """,
        subcommands: [Add.self, List.self, Get.self, Remove.self]
    )

    static func attacher(_ options: ReplicaOptions) throws -> EvidenceAttacher {
        let configuration = try options.configuration()
        let replica = try options.openReplica()
        return EvidenceAttacher(replica: replica, store: FileStore(dataDirectory: configuration.dataDirectory),
                                limits: FileLimits(settings: configuration.files))
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Attach a file to a record (checked against the limits now, not later).",
            discussion: "Exit code 2 when the file is refused (too large, not an allowed type by its content, over the yearly quota), naming the limit and its setting.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "The record's table (assessment_scores, initiatives, task_reports).") var table: String
        @Argument(help: "The record's id, e.g. SONDUONG/2024/1.1.") var id: String
        @Argument(help: "The file to attach.") var path: String
        @Option(help: "The name shown and offered on download (default: the file's own name).") var name: String?
        @Flag(help: "Print the result as JSON.") var json = false

        func run() throws {
            let attached = try FilesCommand.attacher(options).attach(table: table, record: id, path: path, name: name)
            if json {
                try JSONOutput.print(attached)
            } else {
                print("\(attached.alreadyAttached ? "already attached" : "attached") \(attached.name) (\(FileLimits.bytes(attached.size)), \(attached.contentType)) to \(table) \(id)")
                print("sha256 \(attached.sha256); it reaches the hub at the next sync")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List evidence files (of one record, or all), with where each one is.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "The record's table.") var table: String?
        @Argument(help: "The record's id.") var id: String?
        @Flag(help: "Print JSON.") var json = false

        struct Item: Encodable {
            var id: String, recordTable: String, record: String, name: String, sha256: String, size: Int64, contentType: String
            /// here (complete and verified when stored), partial (N bytes), missing (to download).
            var local: String
            /// sent (the hub holds it), waiting, refused: REASON — for this unit's own files.
            var hub: String
        }

        func validate() throws {
            if (table == nil) != (id == nil) { throw ValidationError("give both TABLE and ID, or neither") }
        }

        func run() throws {
            let configuration = try options.configuration()
            let replica = try options.openReplica()
            let store = FileStore(dataDirectory: configuration.dataDirectory)
            var filters: [String: Value] = [:]
            if let table, let id { filters = ["record_table": .text(table.nfc), "record": .text(id.nfc)] }
            let rows = try replica.list("evidence_files", where: filters)
            let states = Dictionary(try replica.evidenceFiles().map { ($0.sha256, $0) }) { a, _ in a }
            let items = rows.map { row -> Item in
                func text(_ name: String) -> String { if case .text(let s)? = row.values[name] { return s }; return "" }
                let hash = text("sha256")
                let held = SHA256Hex.isValid(hash) ? store.held(hash) : (complete: false, bytes: 0)
                let local = held.complete ? "here" : held.bytes > 0 ? "partial (\(held.bytes) bytes)" : "missing"
                let state = states[hash]
                let hub = state?.refusalCode.map { "refused: \(state?.refusalReason ?? $0)" }
                    ?? (state?.uploaded == true ? "sent" : (text("unit") == replica.unit ? "waiting" : "-"))
                var size: Int64 = 0
                if case .integer(let n)? = row.values["size"] { size = n }
                return Item(id: row.key, recordTable: text("record_table"), record: text("record"), name: text("name"), sha256: hash,
                            size: size, contentType: text("content_type"), local: local, hub: hub)
            }
            if json { try JSONOutput.print(items); return }
            if items.isEmpty { print("no evidence files\(table.map { " attached to \($0) \(id ?? "")" } ?? "")"); return }
            for item in items {
                print("\(item.recordTable) \(item.record)  \(item.name)  \(FileLimits.bytes(item.size))  \(item.sha256.prefix(12))…  local: \(item.local)  hub: \(item.hub)")
            }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy an evidence file out of the store: by SHA-256, or by TABLE ID NAME.",
            discussion: "The copy is verified against its SHA-256 on the way; a file not yet downloaded is reported, not guessed.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "A SHA-256, or TABLE ID NAME.") var what: [String]
        @Option(help: "Where to write the file.") var output: String

        func run() throws {
            let configuration = try options.configuration()
            let replica = try options.openReplica()
            let store = FileStore(dataDirectory: configuration.dataDirectory)
            let hash: String
            switch what.count {
            case 1:
                hash = what[0].lowercased()
                guard SHA256Hex.isValid(hash) else { throw ReportableError.input("\(what[0]) is not a SHA-256 (64 hex digits); or give TABLE ID NAME") }
                guard try !replica.list("evidence_files", where: ["sha256": .text(hash)]).isEmpty else {
                    throw ReportableError.failure("no evidence file \(hash) is attached to any record of this replica")
                }
            case 3:
                let rows = try replica.list("evidence_files", where: ["record_table": .text(what[0].nfc), "record": .text(what[1].nfc), "name": .text(what[2].nfc)])
                guard case .text(let found)? = rows.first?.values["sha256"] else {
                    throw ReportableError.failure("no evidence file named \"\(what[2])\" on \(what[0]) '\(what[1])': see `reformsync files list \(what[0]) \(what[1])`")
                }
                hash = found
            default:
                throw ReportableError.input("give a SHA-256, or TABLE ID NAME (got \(what.count) arguments)")
            }
            let held = store.held(hash)
            guard held.complete else {
                throw ReportableError.failure("\(hash) is not here yet (\(held.bytes) bytes received): it arrives from the hub at the next sync")
            }
            try FileExport.copy(store.path(hash), to: output, expecting: hash)
            print("wrote \(output) (\(FileLimits.bytes(PosixFile.size(of: output) ?? 0)))")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Detach an evidence file from a record (the hub keeps it for the audit trail).")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "The record's table.") var table: String
        @Argument(help: "The record's id.") var id: String
        @Argument(help: "The file's SHA-256.") var sha256: String

        func run() throws {
            try FilesCommand.attacher(options).detach(table: table, record: id, sha256: sha256.lowercased())
            print("detached \(sha256) from \(table) \(id)")
        }
    }
}

/// Copying a stored file out, verified on the way.
enum FileExport {
    static func copy(_ source: String, to output: String, expecting hash: String) throws {
        let temporary = output + ".part-\(getpid())"
        do {
            let out = try PosixFile.creating(temporary)
            var hasher = StreamingSHA256()
            try FileStore.stream(source) { bytes throws(FileStoreError) in
                hasher.update(bytes)
                try out.write(bytes)
            }
            guard hasher.hex() == hash else {
                unlink(temporary)
                throw FileStoreError(.hashMismatch, "the stored copy of \(hash) is damaged (run `reformsync check`); nothing was written to \(output)")
            }
            try out.sync()
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, output) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ReportableError.failure("cannot write \(output): \(reason)")
        }
    }
}
