/// `GET /v1/snapshot`: the snapshot of what the asking unit may read, ready to download
/// (Protocol/README.md §19.3).
///
/// The file itself (`GET /v1/snapshot/{id}`, ranges allowed) is a gzip-compressed SQLite
/// replica without identity; `sha256` is of the compressed bytes, so a download is verified
/// before it is opened. After installing it the node pulls from `cursor`.
public struct SnapshotManifest: Codable, Sendable, Equatable {
    /// Names the file: `GET /v1/snapshot/{id}`.
    public var id: String
    /// The unit whose read scope the file holds.
    public var unit: String
    /// Size of the compressed file.
    public var bytes: Int64
    /// SHA-256 of the compressed file, lowercase hex.
    public var sha256: String
    /// The schema version of the tables inside.
    public var schema: Int
    /// Where ordinary pulls continue: the hub's version when the snapshot was read.
    public var cursor: WireCursor
    public var hubSite: String
    public var hubEpoch: String?
    /// Rows of data tables in the file (live and deleted).
    public var rows: Int64
    /// When the hub read it (UTC, ISO 8601).
    public var createdAt: String

    public init(id: String, unit: String, bytes: Int64, sha256: String, schema: Int, cursor: WireCursor, hubSite: String,
                hubEpoch: String?, rows: Int64, createdAt: String) {
        self.id = id
        self.unit = unit
        self.bytes = bytes
        self.sha256 = sha256
        self.schema = schema
        self.cursor = cursor
        self.hubSite = hubSite
        self.hubEpoch = hubEpoch
        self.rows = rows
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, unit, bytes, sha256, schema, cursor, hubSite = "hub_site", hubEpoch = "hub_epoch", rows, createdAt = "created_at"
    }
}
