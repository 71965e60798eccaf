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
            discussion: "Exit code 0 when the configuration is usable, 2 otherwise."
        )
        @Option(help: ArgumentHelp("The YAML file to check.", valueName: "path")) var config: String

        func run() throws {
            let configuration = try ReformsyncConfiguration.load(path: config)
            if configuration.role == "node" {
                // The same checks the daemon makes before it starts.
                _ = try NodeClientFactory.client(configuration)
            }
            print("\(config): ok — role \(configuration.role), unit \(configuration.unit ?? "(not set)"), data in \(configuration.dataDirectory)"
                  + (configuration.role == "node" ? ", hub \(configuration.hub.url ?? "(not set)")" : ", listening on \(configuration.server.host):\(configuration.server.port)"))
        }
    }
}
