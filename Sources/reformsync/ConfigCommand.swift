import ArgumentParser
import Foundation
import ReformsyncConfig

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check configuration files.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a configuration (with REFORMSYNC_* overrides) and report the first problem, naming file, line and key.",
            discussion: """
                Prints every effective value and where it came from: FILE:LINE, the environment variable that \
                overrides the file (e.g. REFORMSYNC_DATA_DIR, which the systemd units set), or "default" (for data_dir: \
                \(ReformsyncConfiguration.defaultDataDirectoryDescription)). The token itself is never printed. \
                Exit code 0 when the configuration is usable, 2 otherwise.
                """
        )
        @Option(help: ArgumentHelp("The YAML file to check.", valueName: "path")) var config: String

        func run() throws {
            let configuration = try ReformsyncConfiguration.load(path: config)
            if configuration.role == "node" {
                // The same checks the daemon makes before it starts.
                _ = try NodeClientFactory.client(configuration)
            }
            // A provincial hub's uplink: its token file must be readable, as at the hub's start (Protocol §20).
            _ = try configuration.uplinkToken()
            print(Self.effectiveValues(configuration))
            print("\(config): ok — role \(configuration.role), unit \(configuration.unit ?? "(not set)"), data in \(configuration.dataDirectory)"
                  + (configuration.role == "node" ? ", hub \(configuration.hub.url ?? "(not set)")" : ", listening on \(configuration.server.host):\(configuration.server.port)")
                 + (configuration.uplink.map { ", uplink as \($0.unit) to \($0.url)" } ?? ""))
        }
    }
}

extension ConfigCommand.Check {
    /// One line per key: `key = value   (origin)`; secrets shown only as set or not.
    static func effectiveValues(_ c: ReformsyncConfiguration) -> String {
        func text(_ value: Any?) -> String {
            guard let value else { return "(not set)" }
            if let double = value as? Double, double == double.rounded(), abs(double) < 1e15 { return String(Int(double)) }
            return "\(value)"
        }
        var rows: [(String, String)] = [
            ("role", c.role), ("unit", text(c.unit)), ("data_dir", c.dataDirectory), ("log_level", c.logLevel),
        ]
        if c.role == "node" {
            rows += [
                ("hub.url", text(c.hub.url)), ("hub.token", c.hub.token == nil ? "(not set)" : "(set, not shown)"),
                ("hub.token_file", text(c.hub.tokenFile)), ("hub.ca_file", c.hub.caFile ?? "(system CAs)"),
                ("hub.connect_timeout", text(c.hub.connectTimeout)), ("hub.timeout", text(c.hub.timeout)),
                ("hub.max_bytes_per_second", c.hub.maxBytesPerSecond.map(String.init) ?? "(no cap)"),
                ("hub.max_response_bytes", text(c.hub.maxResponseBytes)),
                ("sync.batch_changes", text(c.sync.batchChanges)), ("sync.batch_bytes", text(c.sync.batchBytes)),
                ("sync.interval", text(c.sync.intervalSeconds)), ("sync.debounce", text(c.sync.debounceSeconds)),
                ("sync.max_backoff", text(c.sync.maxBackoffSeconds)), ("sync.window", c.sync.window.map { "\($0)" } ?? "(always)"),
                ("sync.live", text(c.sync.live)), ("sync.live_wait", text(c.sync.liveWaitSeconds)),
                ("api.enabled", text(c.api.enabled)), ("api.host", c.api.host), ("api.port", text(c.api.port)),
                ("api.allowed_hosts", c.api.allowedHosts.isEmpty ? "(none)" : c.api.allowedHosts.joined(separator: ", ")),
                ("status.max_sync_age", text(c.status.maxSyncAgeSeconds)),
            ]
        } else {
            rows += [
                ("server.host", c.server.host), ("server.port", text(c.server.port)),
                ("server.max_body_bytes", text(c.server.maxBodyBytes)), ("server.max_clock_skew", text(c.server.maxClockSkewSeconds)),
                ("server.late_acceptance_days", text(c.server.lateAcceptanceDays)),
                ("server.max_readers", text(c.server.maxReaders)), ("server.max_concurrent_requests", text(c.server.maxConcurrentRequests)),
                ("server.max_queued_requests", text(c.server.maxQueuedRequests)), ("server.max_live_pulls", text(c.server.maxLivePulls)),
                ("server.retry_after", text(c.server.retryAfterSeconds)),
                ("server.allowed_hosts", c.server.allowedHosts.isEmpty ? "(none)" : c.server.allowedHosts.joined(separator: ", ")),
                ("server.compact_retention_days", text(c.server.compactRetentionDays)),
                ("server.compact_interval_hours", text(c.server.compactIntervalHours)),
                ("sync.batch_changes", text(c.sync.batchChanges)), ("status.max_sync_age", text(c.status.maxSyncAgeSeconds)),
            ]
            if let u = c.uplink {
                rows += [
                    ("uplink.url", u.url), ("uplink.unit", u.unit), ("uplink.token", u.token == nil ? "(not set)" : "(set, not shown)"),
                    ("uplink.token_file", text(u.tokenFile)), ("uplink.ca_file", u.caFile ?? "(system CAs)"),
                    ("uplink.interval", text(u.intervalSeconds)), ("uplink.live", text(u.live)), ("uplink.index", u.index),
                ]
            }
        }
        // Both roles: evidence files and the office app.
        rows += [
            ("files.max_file_bytes", text(c.files.maxFileBytes)), ("files.allowed_types", c.files.allowedTypes.joined(separator: ", ")),
            ("files.quota_bytes_per_year", text(c.files.quotaBytesPerYear)), ("files.request_seconds", text(c.files.requestSeconds)),
            ("files.retention_days", text(c.files.retentionDays)),
            ("office.secure_cookies", text(c.office.secureCookies)), ("office.session_idle_minutes", text(c.office.sessionIdleMinutes)),
            ("office.session_max_hours", text(c.office.sessionMaxHours)),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { key, value in
            let origin = c.origins[key] ?? (key == "data_dir" ? "default: \(ReformsyncConfiguration.defaultDataDirectoryDescription)" : "default")
            return key.padding(toLength: width, withPad: " ", startingAt: 0) + " = " + value + "   (" + origin + ")"
        }.joined(separator: "\n")
    }
}
