import ArgumentParser
import Daemon
import Foundation
import ReformsyncConfig

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Is this node (or hub) healthy and in sync? A table by default, JSON with --json.",
        discussion: """
            At a hub it shows the hub itself (listening address, pid, uptime, from DATA_DIR/hub.json) and its node \
            registry (each node's unit, site, last contact, clock offset, refused changes, software version) and units whose every token expires within a week; exit 1 when the \
            hub is not running, a node's clock is off or a unit's tokens are about to expire. At a node: \
            reads the replica and the daemon's state file directly, so it works whether or not the daemon runs \
            (and says which). Both show this binary's version, and the running hub's or daemon's when it differs \
            (replaced but not restarted: restart it). With --data-dir and no --config it reads the configuration the \
            running daemon was started with (recorded in DATA_DIR/daemon.json), else /etc/reformsync/district.yaml or \
            /etc/reformsync/hub.yaml (the one of the replica's role), and says which on standard error. Exit code 0 healthy, 1 degraded (never synced, no sync for longer than \
            status.max_sync_age, changes in quarantine, clock warning, daemon not running), 2 error (the last sync \
            failed, e.g. hub unreachable or token refused; or the replica cannot be read) — for monitoring. A round \
            that failed because the replica itself could not be written (disk full, read-only file system) cannot \
            record its error in the replica: the running daemon keeps it in DATA_DIR/daemon.json, and status reads \
            it from there. With --uplink at a provincial hub: the uplink replica's status, its loop judged by the running \
            hub (Protocol §20.5); without it, a provincial hub's status includes an uplink row.
            """
    )
    @OptionGroup var options: ReplicaOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let (configuration, file) = try options.configurationFollowingDaemon()
        if let file, options.config == nil {
            FileHandle.standardError.write(Data("using the configuration \(file) (the daemon's, with --data-dir \(configuration.dataDirectory))\n".utf8))
        }
        if HubStatusView.isHub(configuration) { return try HubStatusView.run(configuration: configuration, json: json) }
        var status = NodeStatus.gather(configuration: configuration)
        if options.uplink { status = try UplinkStatus.ranByHub(status, options: options) }
        if json {
            try JSONOutput.print(status)
        } else {
            print(Self.table(status, replicaPath: configuration.replicaPath))
        }
        if status.health != .healthy { throw ExitCode(status.health.exitCode) }
    }

    static func table(_ s: NodeStatus, replicaPath: String) -> String {
        var lines = ["reformsync status — \(s.unit ?? "?") (\(s.role ?? ((s.replicaBytes ?? 0) > 0 ? "replica not readable" : "no replica"))\(s.site.map { ", site \($0)" } ?? ""))   \(s.health.rawValue.uppercased())"]
        func row(_ name: String, _ value: String) { lines.append("  " + name.padding(toLength: 14, withPad: " ", startingAt: 0) + value) }
        if s.role == "node" {
            let refused = s.lastError?.contains("HTTP 401") == true
            let reach = refused ? "answered, but the hub refused the token (HTTP 401): put a valid token in hub.token_file"
                : s.hubReachable.map { $0 ? "reachable at the last attempt" : "NOT reachable at the last attempt" } ?? "never contacted"
            row("hub", "\(s.hubURL ?? "(no hub.url)")  \(reach)")
            row("last sync", s.lastSyncAt.map { "\($0) (\(age(s.lastSyncAgeSeconds ?? 0)) ago)" } ?? "never")
            row("pending", "\(s.pendingChanges ?? 0) change(s) (\(bytes(s.pendingBytes ?? 0)))")
            if let f = s.files {
                var text = "\(f.waitingUpload) to send (\(bytes(Int(f.waitingUploadBytes)))), \(f.waitingDownload) to receive (\(bytes(Int(f.waitingDownloadBytes))))"
                if let oldest = f.oldestWaitingSeconds { text += ", oldest waiting \(age(oldest))" }
                if !f.refused.isEmpty { text += "; \(f.refused.count) refused: reformsync files list" }
                row("evidence", text)
            }
            row("hub version", s.hubVersion.map { "\($0) (pulled \(s.pulledPosition ?? 0), lag \(s.hubLag ?? 0))" } ?? "unknown")
        }
        if let season = s.season {
            row("season", "\(season.year): " + (season.deadline.map { "\(season.phase.replacingOccurrences(of: "_", with: "-")) phase until \($0) (\(season.daysLeft ?? 0) day(s) left)" } ?? "every phase has ended")
                + (season.submitted.map { "; \($0)" } ?? "") + (season.warning != nil ? "  ⚠ DEADLINE NEAR" : ""))
            if let warning = season.warning { row("", "⚠ \(warning)") }
        }
        row("quarantine", s.quarantined.map { $0 == 0 ? "none" : "\($0) refused change(s): reformsync quarantine list" } ?? "?")
        if let ahead = s.ownChangesAhead, ahead > 0 {
            row("clock", "\(ahead) field(s) stamped ahead of the clock: fix it (NTP), then `reformsync clock repair`")
        } else if let repaired = s.clockRepairedAt {
            row("clock", "repaired \(repaired) (\(s.clockRepairRestamped ?? 0) field(s) re-stamped)")
        }
        row("last error", s.lastError.map { "\($0) (\(s.lastErrorAt ?? ""))" } ?? "none")
        row("clock offset", s.clockOffsetMs.map { "\($0 >= 0 ? "+" : "")\($0) ms against the hub" + (s.clockWarning != nil ? " — FIX THE CLOCK" : "") } ?? "unknown")
        row("versions", "protocol v\(s.protocolVersion), schema v\(s.schemaVersion.map(String.init) ?? "?"), \(s.software)"
            + (s.daemonSoftware.map { $0 == s.software ? "" : " (the running daemon is \($0): restart it to run this one)" } ?? ""))
        row("replica", "\(bytes(Int(s.replicaBytes ?? 0))) at \(replicaPath)")
        row("daemon", s.daemonRunning
            ? "running, pid \(s.daemonPID ?? 0), up \(age(s.daemonUptimeSeconds ?? 0))\(s.daemonAPI.map { ", API \($0)" } ?? "")"
            : "not running (read from the replica directly)")
        if !s.problems.isEmpty {
            lines.append("problems:")
            lines += s.problems.map { "  - \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    static func age(_ seconds: Double) -> String {
        let s = Int(seconds)
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        if s < 86_400 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86_400) d \(s % 86_400 / 3600) h"
    }

    static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1 << 20 { return String(format: "%.1f KB", Double(n) / 1024) }
        return String(format: "%.1f MB", Double(n) / 1048576)
    }
}
