import ArgumentParser
import Daemon
import Foundation
import ReformsyncConfig
import Replica

/// `--config` / `--data-dir`: where the replica lives.
struct ReplicaOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file (YAML; see Config/).", valueName: "path"))
    var config: String?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Folder holding replica.sqlite (overrides the configuration).", valueName: "path"))
    var dataDirectory: String?

    @Flag(name: .customLong("uplink"), help: ArgumentHelp(
        "At a provincial hub: work on its uplink replica (the province's own records as a unit of the national hub, DATA_DIR/uplink; Protocol §20) instead of the hub's."))
    var uplink = false

    func configuration() throws -> ReformsyncConfiguration {
        var configuration = try ReformsyncConfiguration.load(path: config)
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        guard uplink else { return configuration }
        guard let node = configuration.uplinkConfiguration() else {
            throw ReportableError.input("--uplink: \(config ?? "the configuration") has no uplink section (uplink.url, uplink.unit, uplink.token_file; Config/README.md)")
        }
        return node
    }

    /// The configuration files `status --data-dir DIR` (without `--config`) looks for, in order,
    /// after the one recorded in `DIR/daemon.json`: the packaged units' paths.
    static let defaultConfigPaths = ["/etc/reformsync/district.yaml", "/etc/reformsync/hub.yaml"]

    /// Like ``configuration()``, but with `--data-dir` and no `--config` it reads the configuration
    /// the daemon uses — the file recorded in `DATA_DIR/daemon.json` (while it runs), else the first of
    /// ``defaultConfigPaths`` that is readable, valid and of the replica's role — so hub settings are not reported missing while the
    /// daemon syncs. The second value says which file was taken (nil: none).
    func configurationFollowingDaemon() throws -> (configuration: ReformsyncConfiguration, file: String?) {
        guard config == nil, let dataDirectory else { return (try configuration(), config) }
        if let recorded = DaemonStateFile.recordedConfig(dataDirectory: dataDirectory), FileManager.default.fileExists(atPath: recorded) {
            var configuration = try ReformsyncConfiguration.load(path: recorded)
            configuration.dataDirectory = dataDirectory
            return (configuration, recorded)
        }
        // A packaged file counts only when its role is the replica's (a hub's data folder is not
        // described by district.yaml, nor a node's by hub.yaml).
        let role = (try? Replica.open(path: (dataDirectory as NSString).appendingPathComponent("replica.sqlite")))?.role.rawValue
        for file in Self.defaultConfigPaths where FileManager.default.isReadableFile(atPath: file) {
            guard var configuration = try? ReformsyncConfiguration.load(path: file), role == nil || configuration.role == role else { continue }
            configuration.dataDirectory = dataDirectory
            return (configuration, file)
        }
        return (try configuration(), nil)
    }

    /// Opens the replica; received changes (files, pulls) may be stamped at most
    /// `server.max_clock_skew` ahead of this server's clock.
    func openReplica() throws -> Replica {
        let configuration = try configuration()
        return try Replica.open(path: configuration.replicaPath, maxClockSkewMillis: configuration.maxClockSkewMillis)
    }
}
