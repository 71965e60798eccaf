import CRDT
import Foundation
import Hub
import HubClient
import Hummingbird
import Logging
import NodeSync
import ReformData
import Replica
import WireProtocol

/// `reformsync bench bootstrap`: a new node of one unit catching up on a province (Protocol/README.md
/// §19.3) — from the hub's snapshot, and through ordinary pull pages — over real HTTP on loopback.
///
/// The hub holds `units × years × rowsPerUnitYear` self-assessment rows (each a row marker and
/// five fields, from each unit's own site) plus the units themselves; the node reads its own
/// unit's rows and the shared tables. Both ways end in a replica with the same rows, checked.
public enum BootstrapBenchmark {
    public struct Figures: Codable, Sendable {
        public var hubRows: Int
        public var nodeRows: Int
        public var snapshotSeconds: Double
        public var replaySeconds: Double
        /// replay ÷ snapshot (goal ≥ 5).
        public var speedup: Double
        public var snapshotBytes: Int64
        /// Bytes the replay's pull pages took on the wire (gzip), for comparison.
        public var replayWireBytes: Int
        public var loadSeconds: Double

        enum CodingKeys: String, CodingKey {
            case hubRows = "hub_rows", nodeRows = "node_rows", snapshotSeconds = "snapshot_seconds", replaySeconds = "replay_seconds"
            case speedup, snapshotBytes = "snapshot_bytes", replayWireBytes = "replay_wire_bytes", loadSeconds = "load_seconds"
        }
    }

    public static func run(units: Int = 150, years: Int = 5, rowsPerUnitYear: Int = 1_333, directory: String,
                           progress: @escaping @Sendable (String) -> Void) async throws -> Figures {
        var quiet = Logger(label: "reformsync.bench")
        quiet.logLevel = .critical
        let codes = (1...units).map { String(format: "U%03d", $0) }
        let loadStart = Date()
        progress("loading the hub: \(units) units × \(years) years × \(rowsPerUnitYear) rows …")
        let hub = try Replica.create(path: directory + "/hub.sqlite", unit: "SNV", role: .hub)
        try hub.put("units", records: codes.enumerated().map { index, code in
            ValidatedRecord(key: code, values: ["name": .text("Đơn vị \(code)"), "group": .text(index < 30 ? "department" : "commune"),
                                                "sort": .integer(Int64(index))])
        })
        var hlc = HLC(millis: 1_750_000_000_000)
        var hubRows = units
        for (index, code) in codes.enumerated() {
            let site = SiteID(String(format: "00000000%08x", index + 1))!
            var changes: [Change] = []
            changes.reserveCapacity(years * rowsPerUnitYear * 6)
            for year in 0..<years {
                for n in 0..<rowsPerUnitYear {
                    hlc = HLC(rawValue: hlc.rawValue + 1)
                    let stamp = Stamp(hlc: hlc, site: site)
                    let key = "\(code)/\(2021 + year)/C\(n)"
                    changes.append(Change(table: "assessment_scores", key: key, column: nil, value: .null, stamp: stamp, causalLength: 1))
                    for (column, value) in [("unit", Value.text(code)), ("year", .integer(Int64(2021 + year))), ("criterion", .text("C\(n)")),
                                            ("self_score", .real(Double(n % 41) / 4)), ("evidence", .text("Báo cáo số \(n)/BC-UBND"))] {
                        changes.append(Change(table: "assessment_scores", key: key, column: column, value: value, stamp: stamp, causalLength: 1))
                    }
                }
            }
            try hub.apply(changes, siteUnits: [site: code])
            hubRows += years * rowsPerUnitYear
            if index % 25 == 24 { progress("  \(index + 1) units loaded") }
        }
        let loadSeconds = Date().timeIntervalSince(loadStart)
        let unit = codes[units / 2]

        let service = try HubService(replica: hub, settings: HubSettings(maxBodyBytes: 64 << 20), logger: quiet)
        let token = try service.tokens.create(unit: unit).token
        return try await InProcessHub.serving(service, logger: quiet) { port in
            let client = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: "http://127.0.0.1:\(port)", bearerToken: token,
                                                                                  totalTimeout: 3600, userAgent: "reformsync-bench"),
                                           logger: quiet)

            progress("replay: a new node of \(unit) pulls page by page …")
            let replayStart = Date()
            let replayed = try Replica.create(path: directory + "/node-replay.sqlite", unit: unit)
            let report = try await SyncSession(replica: replayed, client: client, batchChanges: 10_000, batchBytes: 64 << 20, logger: quiet).runOnce()
            let replaySeconds = Date().timeIntervalSince(replayStart)

            progress("snapshot: a new node of \(unit) from the hub's snapshot …")
            let snapshotStart = Date()
            let folder = directory + "/node-snapshot"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let download = SnapshotDownload(client: client, folder: folder, logger: quiet)
            let manifest = try await download.manifest()
            let built = Date().timeIntervalSince(snapshotStart)
            let outcome = try await download.download(manifest)
            let downloaded = Date().timeIntervalSince(snapshotStart)
            _ = try SnapshotDownload.install(manifest, from: outcome.path, unit: unit, replicaPath: folder + "/replica.sqlite")
            let snapshotted = try Replica.open(path: folder + "/replica.sqlite")
            let snapshotSeconds = Date().timeIntervalSince(snapshotStart)
            progress(String(format: "snapshot: built at the hub by %.2f s, downloaded and verified by %.2f s, installed by %.2f s",
                            built, downloaded, snapshotSeconds))

            let a = try replayed.canonicalDump(), b = try snapshotted.canonicalDump()
            guard a == b else { throw SyncError("the snapshot and the replay differ (\(a.count) and \(b.count) bytes of dump)") }
            let nodeRows = a.split(separator: "\n").count
            return Figures(hubRows: hubRows, nodeRows: nodeRows, snapshotSeconds: snapshotSeconds, replaySeconds: replaySeconds,
                           speedup: replaySeconds / max(snapshotSeconds, 0.000_001), snapshotBytes: manifest.bytes,
                           replayWireBytes: report.bytesSent + report.bytesReceived, loadSeconds: loadSeconds)
        }
    }
}
