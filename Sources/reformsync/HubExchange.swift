import CRDT
import Foundation
import Hub
import Logging
import ReformData
import Replica
import WireProtocol

/// Exchange files at the hub (Protocol/README.md §15): the same rules as the network.
///
/// A file carried to an office with no link must not hold more than that office's node would
/// pull, and a file carried to the hub must pass the write policy a push passes — otherwise a USB
/// stick would be a way round every guard. Both go through ``HubService``'s own functions.
enum HubExchange {
    static func service(_ replica: Replica, lateAcceptanceMillis: UInt64 = UInt64(SeasonPolicy.defaultLateAcceptanceDays) * 86_400_000) throws -> HubService {
        var logger = Logger(label: "reformsync.hub.exchange")
        logger.logLevel = .warning
        // The replica was opened with server.max_clock_skew: files get the push's skew bound.
        return try HubService(replica: replica, settings: HubSettings(maxClockSkewMillis: replica.maxClockSkewMillis,
                                                                          lateAcceptanceMillis: lateAcceptanceMillis), logger: logger)
    }

    /// `export-changes --unit CODE` at the hub: exactly the changes a pull by `unit` would get.
    static func export(replica: Replica, unit: String, since: Int64, to file: String) throws {
        let service = try service(replica)
        let (set, changes, cursor) = try ExportChangesCommand.changeSet(of: replica, since: since) { cursor in
            try replica.writer.read { db in try service.readable(by: unit, after: cursor, limit: 50_000, excludingSite: nil, db) }
        }
        let bytes = try ExportChangesCommand.write(set, to: file)
        FileHandle.standardError.write(Data("exported for \(unit) (its read scope, as its pull would get): \(changes) change(s) of \(set.rows.count) record(s), versions \(since)…\(cursor.position), \(bytes.count) bytes; next time use --since \(cursor.position)\n".utf8))
    }

    /// `import-changes FILE` at the hub: a push from the file's source unit, refusals included.
    static func importFile(_ file: String, set: ChangeSet, decoded: (changes: [CRDT.Change], siteUnits: [CRDT.SiteID: String]),
                           replica: Replica, lateAcceptanceMillis: UInt64) throws {
        guard let source = set.source, !source.unit.isEmpty else {
            throw ReportableError.input("\(file) names no source unit (\"source\": {\"unit\": …}): the hub applies the write policy of the unit that produced a file, so it cannot import this one — nothing was imported")
        }
        guard let site = SiteID(source.site) else {
            throw ReportableError.input("\(file): source.site \"\(source.site)\" is not a site id (16 hex digits) — nothing was imported")
        }
        guard site != replica.site else {
            throw ReportableError.input("\(file) was exported by this hub itself (site \(source.site)); import it at a node — nothing was imported")
        }
        guard set.schema == replica.schema.version else {
            throw ReportableError.input("\(file) is for schema \(set.schema), the hub's is \(replica.schema.version) — nothing was imported")
        }
        let unit = source.unit.nfc
        let service = try service(replica, lateAcceptanceMillis: lateAcceptanceMillis)
        let (report, refused): (ApplyReport, [RefusedChange])
        do {
            (report, refused) = try service.importChanges(decoded.changes, siteUnits: decoded.siteUnits, from: unit,
                                                          site: source.site, through: source.version)
        } catch let error as HubError {
            throw ReportableError.failure("\(file): \(error.message) — nothing was imported")
        }
        print("imported \(decoded.changes.count) change(s) from \(unit) (site \(source.site), versions \(source.since ?? 0)…\(source.version)) "
              + "under \(unit)'s write policy: \(report.applied) applied, \(report.duplicates) already here, "
              + "\(report.lost + report.stale) superseded by later writes, \(refused.count) refused")
        guard refused.isEmpty else {
            for change in refused {
                print("refused \(change.code): \(change.table) '\(change.key)'\(change.column.map { ".\($0)" } ?? ""): \(change.reason)")
            }
            throw ReportableError.failure("\(refused.count) change(s) from \(unit) refused by the write policy and not merged (listed above, codes as for a push)")
        }
    }
}
