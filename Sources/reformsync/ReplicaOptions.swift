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

    func openReplica() throws -> Replica {
        try Replica.open(path: try configuration().replicaPath)
    }
}
