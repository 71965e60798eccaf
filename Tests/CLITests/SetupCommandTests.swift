import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `reformsync setup node|hub` and `init` run as root: the files the service user must write are
/// given to it. Here the service user is `nobody` (`--user nobody`) and the files live in a
/// temporary folder; the package test (scripts/test-deb.sh) does the same with the real user and
/// /etc, /var/lib.
@Suite("setup")
struct SetupCommandTests {
    static let configDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Config").path

    /// "user:group mode" of a file, as `stat -c '%U:%G %a'` prints it.
    static func owner(_ path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return "missing" }
        let user = getpwuid(info.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "\(info.st_uid)"
        let group = getgrgid(info.st_gid).map { String(cString: $0.pointee.gr_name) } ?? "\(info.st_gid)"
        return "\(user):\(group) \(String(info.st_mode & 0o7777, radix: 8))"
    }

    static var nobodyGroup: String {
        guard let entry = getpwnam("nobody"), let group = getgrgid(entry.pointee.pw_gid) else { return "nogroup" }
        return String(cString: group.pointee.gr_name)
    }

    /// A copy of the shipped district.yaml, a token file, and where the replica goes.
    func prepare(_ directory: TemporaryDirectory, _ file: String = "district.yaml") throws -> (config: String, data: String) {
        let text = try String(contentsOfFile: Self.configDirectory + "/" + file, encoding: .utf8)
        let config = directory.write(file, text)
        return (config, directory.path("data"))
    }

    @Test("setup node fills in the commented configuration, writes the token and the replica for the service user")
    func setupNode() throws {
        guard geteuid() == 0 else {
            print("SKIPPED setup node: it gives files to the service user, which needs root (CI runs as root)")
            return
        }
        let directory = try TemporaryDirectory("setup")
        let (config, data) = try prepare(directory)
        let tokenSource = directory.write("sonduong.token", "rs1_abc\n")
        let result = runResult(["setup", "node", "--unit", "SONDUONG", "--hub-url", "https://hub.example.invalid:8443",
                                "--token-file", tokenSource, "--config", config, "--data-dir", data, "--user", "nobody"])
        #expect(result.code == 0, "\(result)")
        #expect(result.stdout.contains("systemctl enable --now reformsync-daemon"), "\(result)")
        let text = try String(contentsOfFile: config, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.contains { $0.hasPrefix("unit: SONDUONG ") && $0.contains("# the unit this server serves") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("data_dir: \(data) ") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("  url: https://hub.example.invalid:8443 ") && $0.contains("# the provincial hub") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("  token_file: \(directory.path("token")) ") }, "\(text)")
        // No --ca-file: the system's CAs; the example line stays, commented out, for later.
        #expect(lines.contains { $0.hasPrefix("  # ca_file: /etc/reformsync/hub-ca.pem ") }, "\(text)")
        #expect(text.hasPrefix("# reformsync — a district"), "the file's comments are kept")
        #expect(try String(contentsOfFile: directory.path("token"), encoding: .utf8) == "rs1_abc\n")
        #expect(run(["config", "check", "--config", config]).code == 0)
        #expect(run(["record", "list", "units", "--config", config]).code == 0, "the replica is where the configuration says")
        let group = Self.nobodyGroup
        #expect(Self.owner(directory.path("token")) == "nobody:\(group) 600")
        #expect(Self.owner(data) == "nobody:\(group) 750")
        #expect(Self.owner(data + "/replica.sqlite") == "nobody:\(group) 640")
        #expect(Self.owner(data + "/api-token") == "nobody:\(group) 600")
    }

    @Test("setup hub sets the hub's unit and creates its replica")
    func setupHub() throws {
        guard geteuid() == 0 else {
            print("SKIPPED setup hub: it gives files to the service user, which needs root (CI runs as root)")
            return
        }
        let directory = try TemporaryDirectory("setup-hub")
        let (config, data) = try prepare(directory, "hub.yaml")
        let result = runResult(["setup", "hub", "--unit", "SNV", "--config", config, "--data-dir", data, "--user", "nobody"])
        #expect(result.code == 0, "\(result)")
        #expect(result.stdout.contains("systemctl enable --now reformsync-hub"), "\(result)")
        #expect(try String(contentsOfFile: config, encoding: .utf8).contains("\nunit: SNV "))
        let configured = try String(contentsOfFile: config, encoding: .utf8)
        let again = runResult(["setup", "hub", "--unit", "TQ", "--config", config, "--user", "nobody"])
        #expect(again.code == 2 && again.stderr.contains("replica of unit SNV, not TQ"), "\(again)")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == configured, "refused before anything was written")
        #expect(Self.owner(data + "/replica.sqlite") == "nobody:\(Self.nobodyGroup) 640")
    }

    @Test("setup refuses bad input, naming it", arguments: [
        (["node", "--unit", "SONDUONG", "--hub-url", "https://h.invalid"], "--token-file PATH or --token TOKEN"),
        (["node", "--unit", "SONDUONG", "--hub-url", "ftp://h.invalid", "--token", "rs1_a"], "must start with https://"),
        (["node", "--unit", "SON DUONG", "--hub-url", "https://h.invalid", "--token", "rs1_a"], "--unit \"SON DUONG\""),
        (["node", "--unit", "SONDUONG", "--hub-url", "https://h.invalid", "--token", "rs1 a"], "one word"),
        (["node", "--unit", "SONDUONG", "--hub-url", "https://h.invalid", "--token", "rs1_a", "--ca-file", "/nonexistent/ca.pem"], "--ca-file /nonexistent/ca.pem"),
    ])
    func refusals(_ arguments: [String], _ message: String) throws {
        let directory = try TemporaryDirectory("setup-bad")
        let (config, data) = try prepare(directory)
        let before = try String(contentsOfFile: config, encoding: .utf8)
        let result = runResult(["setup"] + arguments + ["--config", config, "--data-dir", data, "--user", "nobody"])
        #expect(result.code == 2, "\(result)")
        #expect(result.stderr.contains(message), "\(result)")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == before, "nothing written")
        #expect(!FileManager.default.fileExists(atPath: data))
    }

    @Test("setup names a service user that does not exist and how to create it")
    func unknownUser() throws {
        let directory = try TemporaryDirectory("setup-user")
        let (config, data) = try prepare(directory)
        let result = runResult(["setup", "node", "--unit", "SONDUONG", "--hub-url", "https://h.invalid", "--token", "rs1_a",
                                "--config", config, "--data-dir", data, "--user", "reformsync_no_such_user"])
        #expect(result.code == 1, "\(result)")
        #expect(result.stderr.contains("\"reformsync_no_such_user\" does not exist") && result.stderr.contains("systemd-sysusers"), "\(result)")
    }

    @Test("init as root in a folder another user owns gives the files to that user")
    func initAsRootHandsOver() throws {
        guard geteuid() == 0, let nobody = getpwnam("nobody") else {
            print("SKIPPED init as root: needs root (CI runs as root)")
            return
        }
        let directory = try TemporaryDirectory("init-owner")
        let data = directory.path("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        #expect(chown(data, nobody.pointee.pw_uid, nobody.pointee.pw_gid) == 0)
        let result = runResult(["init", "--unit", "SONDUONG", "--data-dir", data])
        #expect(result.code == 0, "\(result)")
        #expect(result.stdout.contains("files given to nobody"), "\(result)")
        let group = Self.nobodyGroup
        #expect(Self.owner(data + "/replica.sqlite") == "nobody:\(group) 640")
        #expect(Self.owner(data + "/api-token") == "nobody:\(group) 600")
        #expect(!FileManager.default.fileExists(atPath: data + "/replica.sqlite-wal") || Self.owner(data + "/replica.sqlite-wal") == "nobody:\(group) 640")

        // A folder root owns stays root's: nothing is handed over.
        let own = directory.path("root-owned")
        let plain = runResult(["init", "--unit", "SONDUONG", "--data-dir", own])
        #expect(plain.code == 0 && !plain.stdout.contains("files given to"), "\(plain)")
    }
}
