import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension ReformsyncConfiguration {
    /// Reads a configuration file (nil: defaults) with `REFORMSYNC_*` environment overrides.
    public static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> ReformsyncConfiguration {
        var yaml: String?
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigError(file: path, message: "cannot read the file (missing, or no permission)")
            }
            guard let text = String(data: data, encoding: .utf8) else { throw ConfigError(file: path, message: "not UTF-8 text") }
            yaml = text
        }
        return try load(yaml: yaml, path: path, environment: environment)
    }

    /// Reads a configuration from YAML text (nil: defaults) with `REFORMSYNC_*` environment overrides.
    ///
    /// What ``load(path:environment:)`` does once the file is read; tests and the fuzz target
    /// `FuzzConfig` call it with text. `path` names the file in errors, and a relative `data_dir`
    /// is taken relative to its directory (nil: no file).
    public static func load(yaml: String?, path: String?, environment: [String: String]) throws(ConfigError) -> ReformsyncConfiguration {
        var source = try ConfigSource(file: path ?? "defaults", yaml: yaml, environment: environment)
        var config = ReformsyncConfiguration(dataDirectory: defaultDataDirectory(environment: environment))
        config.role = try source.string("role", allowed: ["node", "hub"]) ?? config.role
        config.unit = try source.string("unit")?.precomposedStringWithCanonicalMapping
        if let dir = try source.string("data_dir") {
            // Relative paths are relative to the configuration file.
            if let path, !dir.hasPrefix("/") {
                config.dataDirectory = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(dir)
            } else {
                config.dataDirectory = dir
            }
        }
        config.logLevel = try source.string("log_level", allowed: ["trace", "debug", "info", "notice", "warning", "error", "critical"]) ?? config.logLevel

        config.hub.url = try source.string("hub.url")
        if let url = config.hub.url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            throw ConfigError(file: path ?? "environment", key: "hub.url", message: "\"\(url)\" must start with https:// (or http:// on a trusted network)")
        }
        config.hub.token = try source.string("hub.token")
        config.hub.tokenFile = try source.string("hub.token_file")
        config.hub.caFile = try source.string("hub.ca_file")
        config.hub.connectTimeout = try source.double("hub.connect_timeout", range: 0.1...600) ?? config.hub.connectTimeout
        config.hub.timeout = try source.double("hub.timeout", range: 1...3600) ?? config.hub.timeout
        config.hub.maxBytesPerSecond = try source.int("hub.max_bytes_per_second", range: 100...1_000_000_000)
        config.hub.maxResponseBytes = try source.int("hub.max_response_bytes", range: 1 << 20...16 << 30) ?? config.hub.maxResponseBytes

        config.server.host = try source.string("server.host") ?? config.server.host
        config.server.port = try source.int("server.port", range: 0...65535) ?? config.server.port
        config.server.maxBodyBytes = try source.int("server.max_body_bytes", range: 1024...1 << 30) ?? config.server.maxBodyBytes
        config.server.maxClockSkewSeconds = try source.double("server.max_clock_skew", range: 1...86_400) ?? config.server.maxClockSkewSeconds
        config.server.lateAcceptanceDays = try source.int("server.late_acceptance_days", range: 0...3_650) ?? config.server.lateAcceptanceDays
        config.server.compactRetentionDays = try source.double("server.compact_retention_days", range: 1...36_500) ?? config.server.compactRetentionDays
        config.server.compactIntervalHours = try source.double("server.compact_interval_hours", range: 0...8_760) ?? config.server.compactIntervalHours
        config.server.maxReaders = try source.int("server.max_readers", range: 1...64) ?? config.server.maxReaders
        config.server.maxConcurrentRequests = try source.int("server.max_concurrent_requests", range: 1...1_024) ?? config.server.maxConcurrentRequests
        config.server.maxQueuedRequests = try source.int("server.max_queued_requests", range: 0...100_000) ?? config.server.maxQueuedRequests
        config.server.maxLivePulls = try source.int("server.max_live_pulls", range: 0...100_000) ?? config.server.maxLivePulls
        config.server.retryAfterSeconds = try source.int("server.retry_after", range: 1...600) ?? config.server.retryAfterSeconds

        config.sync.batchChanges = try source.int("sync.batch_changes", range: 1...100_000) ?? config.sync.batchChanges
        config.sync.batchBytes = try source.int("sync.batch_bytes", range: 1024...64 << 20) ?? config.sync.batchBytes

        config.sync.intervalSeconds = try source.double("sync.interval", range: 1...86_400) ?? config.sync.intervalSeconds
        config.sync.debounceSeconds = try source.double("sync.debounce", range: 0...3_600) ?? config.sync.debounceSeconds
        config.sync.maxBackoffSeconds = try source.double("sync.max_backoff", range: 1...86_400) ?? config.sync.maxBackoffSeconds
        if let text = try source.text("sync.window") {
            guard let window = SyncWindow(text.value) else {
                throw source.error("sync.window", text, "expected HH:MM-HH:MM, e.g. 18:00-07:00, got \"\(text.value)\"")
            }
            config.sync.window = window
        }
        config.sync.live = try source.bool("sync.live") ?? config.sync.live
        config.sync.liveWaitSeconds = try source.int("sync.live_wait", range: 1...60) ?? config.sync.liveWaitSeconds
        config.api.host = try source.string("api.host") ?? config.api.host
        config.api.port = try source.int("api.port", range: 0...65535) ?? config.api.port
        config.api.enabled = try source.bool("api.enabled") ?? config.api.enabled
        config.api.allowedHosts = try source.hostList("api.allowed_hosts") ?? config.api.allowedHosts
        config.server.allowedHosts = try source.hostList("server.allowed_hosts") ?? config.server.allowedHosts
        config.status.maxSyncAgeSeconds = try source.double("status.max_sync_age", range: 1...31_536_000) ?? config.status.maxSyncAgeSeconds
        config.office.secureCookies = try source.bool("office.secure_cookies") ?? config.office.secureCookies
        config.office.sessionIdleMinutes = try source.int("office.session_idle_minutes", range: 1...1_440) ?? config.office.sessionIdleMinutes
        config.office.sessionMaxHours = try source.int("office.session_max_hours", range: 1...168) ?? config.office.sessionMaxHours

        config.files.maxFileBytes = try source.int("files.max_file_bytes", range: 1...1 << 40) ?? config.files.maxFileBytes
        if let text = try source.text("files.allowed_types") {
            let known = ["pdf", "docx", "xlsx", "odt", "ods", "doc", "xls", "jpeg", "jpg", "png"]
            let names = text.value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
            guard !names.isEmpty, names.allSatisfy({ known.contains($0) }) else {
                throw source.error("files.allowed_types", text, "expected a comma-separated list of \(known.joined(separator: ", ")), got \"\(text.value)\"")
            }
            config.files.allowedTypes = names
        }
        config.files.quotaBytesPerYear = try source.int("files.quota_bytes_per_year", range: 1...1 << 44) ?? config.files.quotaBytesPerYear
        config.files.requestSeconds = try source.double("files.request_seconds", range: 1...3_600) ?? config.files.requestSeconds
        config.files.retentionDays = try source.double("files.retention_days", range: 0...36_500) ?? config.files.retentionDays

        config.uplink = try loadUplink(&source, role: config.role, path: path)

        try source.checkUnknownKeys()
        config.origins = source.origins
        if config.role == "node", config.hub.token != nil, config.hub.tokenFile != nil {
            throw ConfigError(file: path ?? "environment", key: "hub.token", message: "give either hub.token or hub.token_file, not both")
        }
        return config
    }

    /// The node's bearer token, read from `hub.token_file` when given.
    public func hubToken() throws(ConfigError) -> String? {
        if let token = hub.token { return token }
        guard let file = hub.tokenFile else { return nil }
        let data: Data
        do {
            data = try Self.readFile(file)
        } catch {
            throw ConfigError(file: file, key: "hub.token_file", message: "cannot read the token file as user \(Self.currentUserName()) "
                + "(uid \(getuid())): \(error.reason) — the service runs as that user: give it read access, e.g. "
                + "`chown root:\(Self.currentGroupName()) \(file) && chmod 0640 \(file)`")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: file, key: "hub.token_file", message: "the token file is not UTF-8 text")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ConfigError(file: file, key: "hub.token_file", message: "the token file is empty") }
        return token
    }

    /// Why a file could not be read: the OS's own words (errno), e.g. "Permission denied".
    struct ReadFailure: Error { var reason: String }

    /// Reads a whole file with open/read, keeping errno's text for the message.
    static func readFile(_ path: String) throws(ReadFailure) -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadFailure(reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadFailure(reason: String(cString: strerror(errno)))
            }
            if n == 0 { return data }
            data.append(contentsOf: buffer[0..<n])
            if data.count > 1 << 20 { throw ReadFailure(reason: "larger than 1 MiB: not a token file") }
        }
    }

    /// This process's user name (the service user under systemd), or its uid.
    static func currentUserName() -> String {
        guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return "uid \(getuid())" }
        return String(cString: name)
    }

    static func currentGroupName() -> String {
        guard let entry = getgrgid(getgid()), let name = entry.pointee.gr_name else { return "\(getgid())" }
        return String(cString: name)
    }
}
