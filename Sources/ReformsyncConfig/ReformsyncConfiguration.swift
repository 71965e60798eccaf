import Foundation

/// Everything a reformsync process needs to know, from a YAML file and the environment.
///
/// Tests build it directly; only the command line reads files. Every key is documented in
/// `Config/README.md` and the commented examples beside it.
public struct ReformsyncConfiguration: Sendable, Equatable {
    /// `node` for a unit's server, `hub` for the provincial hub.
    public var role: String
    /// The unit this node serves (e.g. `SONDUONG`); the hub's own unit (e.g. `SNV`).
    public var unit: String?
    /// Where the replica and local state live.
    public var dataDirectory: String
    /// trace, debug, info, notice, warning, error or critical.
    public var logLevel: String
    /// How a node reaches the hub.
    public var hub: HubSettings
    /// How the hub serves nodes.
    public var server: ServerSettings
    /// Batch sizes and timing of synchronisation.
    public var sync: SyncSettings
    /// The daemon's local HTTP API for office applications.
    public var api: APISettings
    /// When `reformsync status` calls a node degraded.
    public var status: StatusSettings
    /// The office web apps (the unit's at a node, the appraisers' at the hub): cookies and sessions.
    public var office = OfficeSettings()
    /// Evidence files: limits at attach time, transfer pacing, retention (Protocol §16).
    public var files: FileSettings = FileSettings()
    /// A provincial hub's link to the national hub (`uplink.*`; nil: none). Protocol §20.
    public var uplink: UplinkSettings?
    /// Where each key read from outside came from: `FILE:LINE` or `environment REFORMSYNC_…`
    /// (absent: the default). `config check` prints it, so an environment variable silently
    /// overriding the file (systemd's `REFORMSYNC_DATA_DIR`) is visible.
    public var origins: [String: String] = [:]

    public init(role: String = "node", unit: String? = nil, dataDirectory: String = ReformsyncConfiguration.defaultDataDirectory(),
                logLevel: String = "info", hub: HubSettings = HubSettings(), server: ServerSettings = ServerSettings(),
                sync: SyncSettings = SyncSettings(), api: APISettings = APISettings(), status: StatusSettings = StatusSettings()) {
        self.role = role
        self.unit = unit
        self.dataDirectory = dataDirectory
        self.logLevel = logLevel
        self.hub = hub
        self.server = server
        self.sync = sync
        self.api = api
        self.status = status
    }

    /// How far ahead of this server's clock a received change may be stamped, in milliseconds
    /// (`server.max_clock_skew`, range-checked at loading; Protocol §3.4).
    public var maxClockSkewMillis: UInt64 { UInt64((server.maxClockSkewSeconds * 1000).rounded()) }

    /// The replica file inside the data directory.
    public var replicaPath: String { (dataDirectory as NSString).appendingPathComponent("replica.sqlite") }

    /// The default data folder, in the one wording every document and `--help` uses.
    public static let defaultDataDirectoryDescription =
        "$STATE_DIRECTORY (set by systemd), else /var/lib/reformsync when this user can write to it, "
        + "else $XDG_DATA_HOME/reformsync, else ~/.local/share/reformsync"

    /// The data folder when neither `data_dir` nor `REFORMSYNC_DATA_DIR` is set:
    /// ``defaultDataDirectoryDescription``.
    public static func defaultDataDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dir = environment["STATE_DIRECTORY"], !dir.isEmpty { return dir.split(separator: ":").first.map(String.init) ?? dir }
        if FileManager.default.isWritableFile(atPath: "/var/lib/reformsync") { return "/var/lib/reformsync" }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/reformsync" }
        return (environment["HOME"] ?? ".") + "/.local/share/reformsync"
    }
}

/// How a node reaches the hub.
public struct HubSettings: Sendable, Equatable {
    /// e.g. `https://hub.snv.tuyenquang.gov.vn:8443`
    public var url: String?
    /// The node's bearer token, or a file holding it (preferred: keeps it out of the config).
    public var token: String?
    public var tokenFile: String?
    /// CA bundle that signed the hub's certificate (TLS verification is always on).
    public var caFile: String?
    public var connectTimeout: Double = 10
    public var timeout: Double = 60
    /// Cap on bytes per second each way, for capped links (nil: no cap).
    public var maxBytesPerSecond: Int?
    /// The most bytes one response from the hub may take, as received and again decompressed;
    /// the client aborts the transfer past it (`hub.max_response_bytes`, Protocol §13.4).
    /// 64 MiB by default: eight times the hub's largest body, twenty times a full pull page.
    public var maxResponseBytes: Int = 64 << 20

    public init(url: String? = nil, token: String? = nil, tokenFile: String? = nil, caFile: String? = nil,
                connectTimeout: Double = 10, timeout: Double = 60, maxBytesPerSecond: Int? = nil, maxResponseBytes: Int = 64 << 20) {
        self.url = url
        self.token = token
        self.tokenFile = tokenFile
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.maxBytesPerSecond = maxBytesPerSecond
        self.maxResponseBytes = maxResponseBytes
    }
}

/// How the hub listens.
public struct ServerSettings: Sendable, Equatable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8443
    /// Largest accepted request body, after gzip decompression.
    public var maxBodyBytes: Int = 8 << 20
    /// Changes stamped further than this in the future are refused.
    public var maxClockSkewSeconds: Double = 300
    /// How many days after a season deadline a change written before it is still accepted
    /// (`server.late_acceptance_days`, Protocol §17.2).
    public var lateAcceptanceDays: Int = 30
    /// Host names the appraisers' app (`/app`) answers besides localhost, 127.0.0.1, [::1] and
    /// `host` (`server.allowed_hosts`): any other Host header is refused 421 (DNS rebinding).
    public var allowedHosts: [String] = []

    /// `server.late_acceptance_days` in milliseconds.
    public var lateAcceptanceMillis: UInt64 { UInt64(max(0, lateAcceptanceDays)) * 86_400_000 }
    /// Compaction (Protocol §19.2): nodes seen within this many days hold the watermark back; a
    /// node away longer starts again from a snapshot.
    public var compactRetentionDays: Double = 180
    /// The hub compacts every this many hours (0: only `reformsync compact`).
    public var compactIntervalHours: Double = 24
    /// SQLite reader connections: pulls read concurrently while the one writer merges pushes.
    public var maxReaders: Int = 8
    /// Protocol requests handled at once; more wait in line (Protocol §18.1).
    public var maxConcurrentRequests: Int = 16
    /// Requests waiting in line before the hub answers 503 with `Retry-After`.
    public var maxQueuedRequests: Int = 1_024
    /// Long-poll pulls open at once (one per connected node) before 503.
    public var maxLivePulls: Int = 4_096
    /// Seconds a 503 `overloaded` asks the node to wait.
    public var retryAfterSeconds: Int = 5

    public init(host: String = "127.0.0.1", port: Int = 8443, maxBodyBytes: Int = 8 << 20, maxClockSkewSeconds: Double = 300,
                maxReaders: Int = 8, maxConcurrentRequests: Int = 16, maxQueuedRequests: Int = 1_024, maxLivePulls: Int = 4_096,
                retryAfterSeconds: Int = 5) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxClockSkewSeconds = maxClockSkewSeconds
        self.maxReaders = maxReaders
        self.maxConcurrentRequests = maxConcurrentRequests
        self.maxQueuedRequests = maxQueuedRequests
        self.maxLivePulls = maxLivePulls
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// Batching and timing of synchronisation.
public struct SyncSettings: Sendable, Equatable {
    /// Most changes in one push or pull request.
    public var batchChanges: Int = 2_000
    /// Most bytes (uncompressed JSON) in one push request.
    public var batchBytes: Int = 256 << 10

    /// Seconds between sync rounds when nothing happens.
    public var intervalSeconds: Double = 300
    /// Seconds to wait after a local write before syncing (writes in a burst share one round).
    public var debounceSeconds: Double = 5
    /// Longest wait between retries after failures (backoff doubles up to this, with jitter).
    public var maxBackoffSeconds: Double = 600
    /// Only sync inside this window (nil: any time).
    public var window: SyncWindow?
    /// Between rounds, keep a long-poll pull open so hub changes arrive within seconds (Protocol §18.3).
    public var live: Bool = true
    /// Seconds one long-poll pull waits at the hub before it answers empty (1–60; below any proxy's read timeout).
    public var liveWaitSeconds: Int = 50

    public init(batchChanges: Int = 2_000, batchBytes: Int = 256 << 10, intervalSeconds: Double = 300, debounceSeconds: Double = 5,
                maxBackoffSeconds: Double = 600, window: SyncWindow? = nil) {
        self.batchChanges = batchChanges
        self.batchBytes = batchBytes
        self.intervalSeconds = intervalSeconds
        self.debounceSeconds = debounceSeconds
        self.maxBackoffSeconds = maxBackoffSeconds
        self.window = window
    }
}

/// The daemon's local HTTP API.
public struct APISettings: Sendable, Equatable {
    /// Listening address; keep it on loopback unless office PCs must reach it.
    public var host: String = "127.0.0.1"
    /// 0: any free port (the daemon prints the address and writes it to `daemon.json`).
    public var port: Int = 8470
    /// false: no local API at all (the daemon only syncs).
    public var enabled: Bool = true
    /// Host header values the API answers besides the defaults (`localhost`, `127.0.0.1`, `[::1]`
    /// and `host`, each with or without the port): a name or address office PCs use to reach it.
    /// Any other Host is refused (421), which defeats DNS rebinding from a browser.
    public var allowedHosts: [String] = []

    public init(host: String = "127.0.0.1", port: Int = 8470, enabled: Bool = true, allowedHosts: [String] = []) {
        self.host = host
        self.port = port
        self.enabled = enabled
        self.allowedHosts = allowedHosts
    }
}

/// Thresholds of `reformsync status`.
public struct StatusSettings: Sendable, Equatable {
    /// A node that has not synced successfully for longer than this is degraded.
    public var maxSyncAgeSeconds: Double = 3_600

    public init(maxSyncAgeSeconds: Double = 3_600) { self.maxSyncAgeSeconds = maxSyncAgeSeconds }
}

/// The office web apps' sessions (`office.*`).
public struct OfficeSettings: Sendable, Equatable {
    /// Mark the session cookie `Secure` (sent over HTTPS only). Set it when the app is reached
    /// through TLS (a reverse proxy); on a plain-HTTP office LAN it must stay false or the browser
    /// never sends the cookie back.
    public var secureCookies: Bool = false
    /// A session ends this many minutes after its last request (idle), and in any case after
    /// `sessionMaxHours`.
    public var sessionIdleMinutes: Int = 60
    /// The most a session lives, however active.
    public var sessionMaxHours: Int = 12

    public init(secureCookies: Bool = false, sessionIdleMinutes: Int = 60, sessionMaxHours: Int = 12) {
        self.secureCookies = secureCookies
        self.sessionIdleMinutes = sessionIdleMinutes
        self.sessionMaxHours = sessionMaxHours
    }
}

/// Evidence files (`files.*`): what may be attached, and how transfers share the link.
public struct FileSettings: Sendable, Equatable {
    /// Largest file accepted when attaching (`files.max_file_bytes`).
    public var maxFileBytes: Int = 50 << 20
    /// Kinds accepted when attaching (`files.allowed_types`, by content signature), lowercase
    /// names: pdf, docx, xlsx, odt, ods, doc, xls, jpeg (or jpg), png.
    public var allowedTypes: [String] = ["pdf", "docx", "xlsx", "odt", "ods", "doc", "xls", "jpeg", "png"]
    /// Bytes of evidence one unit may attach per year (`files.quota_bytes_per_year`).
    public var quotaBytesPerYear: Int = 2 << 30
    /// Longest one file request runs before the round lets rows go first again (`files.request_seconds`).
    public var requestSeconds: Double = 30
    /// Days a file no row refers to any more stays in a node's store (`files.retention_days`).
    public var retentionDays: Double = 30

    public init() {}
}
