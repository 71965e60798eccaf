import ArgumentParser
import Daemon
import Foundation

/// `reformsync api-token [--rotate]`: the token programs send to the daemon's local API.
struct APITokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-token",
        abstract: "Print the local API's token for programs (creating it if missing); --rotate replaces it.",
        discussion: """
            Every route of the daemon's local API except GET /health needs 'Authorization: Bearer TOKEN'. The token \\
            lives in DATA_DIR/api-token (mode 0600, readable by the daemon's user only); init and the daemon create \\
            it when missing. Programs read the file, or are given the printed token:

              curl -H "Authorization: Bearer $(reformsync api-token)" http://127.0.0.1:8470/status

            --rotate writes a new token; the running daemon accepts only the new one from its next request on \\
            (no restart). Exit codes: 0 printed, 1 the file cannot be read or written.
            """
    )
    @OptionGroup var options: ReplicaOptions
    @Flag(help: "Replace the token with a new one (the old one stops working at once).") var rotate = false

    func run() throws {
        let configuration = try options.configuration()
        do {
            if rotate {
                try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
            }
            let token = rotate ? try APIToken.rotate(dataDirectory: configuration.dataDirectory)
                               : try APIToken.loadOrCreate(dataDirectory: configuration.dataDirectory)
            print(token)
        } catch {
            throw ReportableError.failure("the local API's token: \(error)")
        }
    }
}
