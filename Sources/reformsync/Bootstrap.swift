import CRDT
import Foundation
import HubClient
import NodeSync
import ReformData
import ReformsyncConfig
import Replica
import WireProtocol

/// `reformsync init --from-hub`: a node's replica from the hub's snapshot (Protocol/README.md
/// §19.3). Download (resumable), verify, decompress, give it an identity, move it into place;
/// the next `sync` continues from the snapshot's hub version.
enum Bootstrap {
    struct Done {
        var manifest: SnapshotManifest
        var outcome: SnapshotDownload.Outcome
        var replicaPath: String
        var site: String

        var summary: String {
            "created node replica for unit \(manifest.unit) at \(replicaPath) (site \(site)) from the hub's snapshot \(manifest.id): "
                + "\(manifest.rows) rows, \(manifest.bytes) bytes compressed"
                + (outcome.resumedFrom > 0 ? ", resumed at byte \(outcome.resumedFrom)" : "")
                + ", \(outcome.requests) request(s), \(outcome.failures) interrupted; sync continues from hub version \(manifest.cursor.position)"
        }
    }

    static func run(configuration: ReformsyncConfiguration, unit: String) async throws -> Done {
        let replicaPath = configuration.replicaPath
        if FileManager.default.fileExists(atPath: replicaPath) {
            throw ReportableError.input("a replica already exists at \(replicaPath); it was left untouched (--from-hub starts a new node only)")
        }
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let download = SnapshotDownload(client: try NodeClientFactory.client(configuration), folder: configuration.dataDirectory)
        let manifest: SnapshotManifest
        let outcome: SnapshotDownload.Outcome
        do {
            manifest = try await download.manifest()
            guard manifest.unit == unit else {
                throw ReportableError.input("the hub's token in the configuration belongs to unit \(manifest.unit), not \(unit): give the right --unit or token")
            }
            guard manifest.schema == ReformSchema.v1.version else {
                throw ReportableError.failure("the hub's snapshot has schema \(manifest.schema), this reformsync schema \(ReformSchema.v1.version): "
                    + (manifest.schema > ReformSchema.v1.version ? "upgrade reformsync on this node" : "upgrade reformsync on the hub") + ", then run init again")
            }
            outcome = try await download.download(manifest)
        } catch let error as SnapshotError {
            throw ReportableError.failure("snapshot: \(error.description)")
        } catch let error as HubClientError {
            throw ReportableError.failure("snapshot: \(error)")
        }
        let site: SiteID
        do {
            site = try SnapshotDownload.install(manifest, from: outcome.path, unit: unit, replicaPath: replicaPath)
        } catch let error as SnapshotError {
            throw ReportableError.failure(error.description)
        }
        return Done(manifest: manifest, outcome: outcome, replicaPath: replicaPath, site: site.rawValue)
    }
}
