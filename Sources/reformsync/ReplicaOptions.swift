import ArgumentParser
import Foundation
import ReformsyncConfig
import Replica

/// `--config` / `--data-dir`: where the replica lives.
struct ReplicaOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file (YAML; see Config/).", valueName: "path"))
    var config: String?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Folder holding replica.sqlite (overrides the configuration).", valueName: "path"))
    var dataDirectory: String?

    func configuration() throws -> ReformsyncConfiguration {
        var configuration = try ReformsyncConfiguration.load(path: config)
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        return configuration
    }

    /// Opens the replica; received changes (files, pulls) may be stamped at most
    /// `server.max_clock_skew` ahead of this server's clock.
    func openReplica() throws -> Replica {
        let configuration = try configuration()
        return try Replica.open(path: configuration.replicaPath, maxClockSkewMillis: configuration.maxClockSkewMillis)
    }
}
