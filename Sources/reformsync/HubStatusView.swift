import ArgumentParser
import Foundation
import Hub
import ReformsyncConfig
import Replica
import WireProtocol

/// `reformsync status` at the hub: the hub process and its node registry (``HubStatus``).
enum HubStatusView {
    /// A hub's replica (its role, not the configuration's word, decides).
    static func isHub(_ configuration: ReformsyncConfiguration) -> Bool {
        (try? Replica.open(path: configuration.replicaPath))?.role == .hub
    }

    static func run(configuration: ReformsyncConfiguration, json: Bool) throws {
        var status = HubStatus.gather(replicaPath: configuration.replicaPath, dataDirectory: configuration.dataDirectory,
                                      maxClockSkewMillis: Int64(configuration.server.maxClockSkewSeconds * 1000))
        // A provincial hub's uplink to the national hub (Protocol §20.5): its problems are the hub's.
        let uplink = UplinkStatus.gather(configuration)
        if let uplink, !uplink.problems.isEmpty {
            status.problems += uplink.problems
            if status.health == .healthy { status.health = .degraded }
        }
        if json {
            if let uplink { try JSONOutput.print(HubStatusWithUplink(status: status, uplink: uplink)) } else { try JSONOutput.print(status) }
        } else {
            var text = table(status, replicaPath: configuration.replicaPath)
            if let uplink {
                // The uplink row goes right under the hub's rows, before the problems.
                var lines = text.components(separatedBy: "\n")
                let at = lines.firstIndex(of: "problems:") ?? lines.count
                lines.insert(contentsOf: uplink.lines, at: at)
                text = lines.joined(separator: "\n")
            }
            print(text)
        }
        if status.health != .healthy { throw ExitCode(status.health.exitCode) }
    }

    static func table(_ s: HubStatus, replicaPath: String) -> String {
        var lines = ["reformsync status — \(s.unit ?? "?") (hub\(s.site.map { ", site \($0)" } ?? ""))   \(s.health.rawValue.uppercased())"]
        func row(_ name: String, _ value: String) { lines.append("  " + name.padding(toLength: 14, withPad: " ", startingAt: 0) + value) }
        row("hub", s.hubRunning
            ? "running, pid \(s.hubPID ?? 0), up \(StatusCommand.age(s.hubUptimeSeconds ?? 0)), listening on \(s.listening ?? "?")"
            : "NOT running (read from the replica directly)")
        row("hub version", s.hubVersion.map(String.init) ?? "unknown")
        // This binary's version, and the running hub's when it differs (binary replaced, hub not restarted yet).
        row("versions", "protocol v\(s.protocolVersion), schema v\(s.schemaVersion.map(String.init) ?? "?"), \(ReformsyncVersion.software)"
            + (s.software.map { $0 == ReformsyncVersion.software ? "" : " (the running hub is \($0): restart it to run this one)" } ?? ""))
        row("replica", "\(StatusCommand.bytes(Int(s.replicaBytes ?? 0))) at \(replicaPath)")
        row("nodes", s.nodes.isEmpty ? "none has contacted the hub yet" : "\(s.nodes.count)")
        if !s.nodes.isEmpty {
            let header = ["unit", "site", "last seen", "clock offset", "received", "refused", "software"]
            var rows = [header]
            for node in s.nodes {
                rows.append([node.unit, node.site,
                             node.lastSeenAt.map { "\($0) (\(StatusCommand.age(node.lastSeenAgeSeconds ?? 0)) ago)" } ?? "never",
                             node.clockOffsetMs.map { "\($0 >= 0 ? "+" : "")\($0) ms" } ?? "unknown",
                             String(node.changesReceived), String(node.changesRefused), node.software ?? "?"])
            }
            let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            for line in rows {
                lines.append("    " + line.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
            }
        }
        if !s.problems.isEmpty {
            lines.append("problems:")
            lines += s.problems.map { "  - \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
