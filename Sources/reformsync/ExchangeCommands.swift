import ArgumentParser
import Foundation
import Replica
import WireProtocol

/// Moves change sets by file, for offices with no link at all (a USB stick to the hub).
struct ExportChangesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-changes",
        abstract: "Write the changes after a version to a file, in the wire protocol's change-set encoding.",
        discussion: """
            The file is JSON (gzip-compressed when FILE ends in .gz). Its "source.version" is the value to pass \
            as --since next time. Import it elsewhere with `reformsync import-changes FILE`; importing twice is harmless.

            At the hub, --unit CODE is required: the file holds exactly what a pull by that unit's node would \
            receive (its read scope: shared tables, its own rows, tasks assigned to it), never other units' rows.
            """
    )
    @OptionGroup var options: ReplicaOptions
    @Option(help: "Only changes after this local version (0: everything).") var since: Int64 = 0
    @Option(help: "At the hub (required there): the unit the file is for; only what that unit may read is written.") var unit: String?
    @Argument(help: "The file to write (- for standard output).") var file: String

    func run() throws {
        let replica = try options.openReplica()
        if replica.role == .hub {
            guard let unit else {
                throw ReportableError.input("export-changes at the hub needs --unit CODE: the file gets only what that unit may read (as its pull would)")
            }
            return try HubExchange.export(replica: replica, unit: unit.nfc, since: since, to: file)
        }
        if let unit, unit.nfc != replica.unit {
            throw ReportableError.input("--unit \(unit) is for the hub's exports; this node's replica is of unit \(replica.unit)")
        }
        let (set, changes, cursor) = try Self.changeSet(of: replica, since: since) { try replica.changes(after: $0, limit: 50_000) }
        let bytes = try Self.write(set, to: file)
        FileHandle.standardError.write(Data("exported \(changes) change(s) of \(set.rows.count) record(s), versions \(since)…\(cursor.position), \(bytes.count) bytes; next time use --since \(cursor.position)\n".utf8))
    }

    /// Encodes `set` (gzip when the name ends in .gz) to `file` or standard output; returns the bytes.
    /// Every page from `since` on, gathered into one change set that names this replica as its
    /// source; `page` reads the page after a cursor (all the node's changes, or a unit's read scope
    /// at the hub). Returns the set, its number of changes and the cursor after the last page.
    static func changeSet(of replica: Replica, since: Int64,
                          page: (ChangeCursor) throws -> ChangePage) throws -> (set: ChangeSet, changes: Int, through: ChangeCursor) {
        var cursor = ChangeCursor(since)
        var changes: [CRDTChange] = []
        var siteUnits: [SiteIDType: String] = [:]
        while true {
            let next = try page(cursor)
            changes += next.changes
            siteUnits.merge(next.siteUnits) { a, _ in a }
            cursor = next.next
            if !next.hasMore { break }
        }
        let set = ChangeSet(changes: changes, siteUnits: siteUnits, schemaVersion: replica.schema.version,
                            source: .init(site: replica.site.rawValue, unit: replica.unit, version: cursor.position, since: since))
        return (set, changes.count, cursor)
    }

    static func write(_ set: ChangeSet, to file: String) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var bytes = Array(try encoder.encode(set))
        if file.hasSuffix(".gz") { bytes = try Gzip.compress(bytes) }
        if file == "-" {
            FileHandle.standardOutput.write(Data(bytes))
        } else {
            guard FileManager.default.createFile(atPath: file, contents: Data(bytes)) else {
                throw ReportableError.failure("cannot write \(file)")
            }
        }
        return bytes
    }
}

struct ImportChangesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-changes",
        abstract: "Merge a change-set file written by export-changes (one transaction: all or nothing).",
        discussion: """
            Importing the same file again, or files in any order, leaves the same data.

            At the hub, a file is treated exactly as a push from the unit that produced it (its "source.unit"; \
            a file without one is refused): every change is checked against the write policy of that unit, \
            refused changes are not merged and are listed with the push's refusal codes, and the exit code is 1 \
            when anything was refused.
            """
    )
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The file to read (.gz or plain JSON; - for standard input).") var file: String

    func run() throws {
        let replica = try options.openReplica()
        let data = try readInput(file)
        var bytes = Array(data)
        if Gzip.isCompressed(bytes) { bytes = try Gzip.decompress(bytes) }
        let set: ChangeSet
        do {
            set = try JSONDecoder().decode(ChangeSet.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw ReportableError.input("\(file) is not a change-set file: \(JSONOutput.describe(error))")
        } catch {
            throw ReportableError.input("\(file) is not a change-set file: \(error)")
        }
        let decoded = try set.decodedChanges()
        if replica.role == .hub {
            return try HubExchange.importFile(file, set: set, decoded: decoded, replica: replica,
                                              lateAcceptanceMillis: try options.configuration().server.lateAcceptanceMillis)
        }
        // A change stamped beyond this server's clock + server.max_clock_skew is refused by the merge
        // itself (Protocol §3.4): the whole file, nothing imported, exit 2.
        // Changes that arrive by file may be unknown to the hub: the node passes them on at its next push.
        let report = try replica.writer.write { db in
            let report = try replica.apply(decoded.changes, siteUnits: decoded.siteUnits, db)
            // Only this unit's own sites (e.g. its standby server): the hub refuses other units'
            // changes from this node, and already has its own.
            try replica.markRelayed(Set(decoded.changes.map(\.site)).filter { decoded.siteUnits[$0] == replica.unit }, db)
            return report
        }
        let origin = set.source.map { " from \($0.unit) (site \($0.site), versions \($0.since ?? 0)…\($0.version))" } ?? ""
        print("imported \(decoded.changes.count) change(s)\(origin): \(report.applied) applied, \(report.duplicates) already here, "
              + "\(report.lost + report.stale) superseded by later writes; \(report.rows) record(s) updated")
    }
}
