import Foundation
import Testing

extension EndToEnd {
    /// What the operator reads: each message names the setting, the cause and the fix that applies.
    @Suite("operator messages (issue 15)")
    struct OperatorMessages {
        /// A revoked token: the hub answered, so it is reachable; `status` says the token was refused.
        @Test("after a 401, status says the hub refused the token, not that it is unreachable")
        func refusedTokenIsNotUnreachable() throws {
            let world = try World("msg401")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let node = try world.makeNode("SONDUONG", hub: hub)
            Reference.seed(hub, districts: ["SONDUONG"])
            node.sync()
            #expect(hub.run(["hub", "token", "revoke", "--unit", "SONDUONG"]).code == 0)
            let refused = node.run(["sync", "--once"])
            #expect(refused.code != 0, "\(refused)")
            #expect(refused.stderr.contains("the hub refused the token"), "\(refused)")

            let table = node.run(["status"])
            #expect(table.stdout.contains("the hub refused the token"), "\(table)")
            #expect(!table.stdout.contains("NOT reachable"), "\(table)")
            let json = node.run(["status", "--json"])
            #expect((parseJSON(json.stdout) as? [String: Any])?["hub_reachable"] as? Bool == true, "\(json)")
        }

        /// The README's form `status --data-dir DIR` reads the configuration the running daemon
        /// was started with (recorded in daemon.json), so it knows hub.url.
        @Test("status --data-dir finds the daemon's configuration through daemon.json")
        func statusWithDataDirFindsTheDaemonsConfig() throws {
            let world = try World("msgdatadir")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            let node = try world.makeNode("SONDUONG", hub: hub, extraConfig: "api:\n  enabled: false\n")
            Reference.seed(hub, districts: ["SONDUONG"])
            let daemon = try world.spawn(["daemon", "--config", node.configPath])
            _ = try daemon.waitForOutput("daemon running", timeout: 30)
            #expect(eventually(timeout: 20) { node.run(["status"]).code == 0 }, "the daemon's first round")

            let status = world.run(["status", "--data-dir", node.dataDirectory])
            #expect(status.code == 0, "\(status)")
            #expect(!status.stdout.contains("no hub.url configured"), "\(status)")
            #expect(status.stdout.contains(hub.url), "\(status)")
            #expect(status.stderr.contains(node.configPath), "says which configuration it read: \(status)")
            daemon.signal(SIGTERM)
            #expect(daemon.waitForExit(timeout: 15))
        }

        /// The service user cannot read the token file: the message names the user, the file and
        /// the OS's reason. Runs `config check` as `nobody` (setpriv) on a root-only 0600 file.
        @Test("an unreadable token file names the user, the file and the reason")
        func unreadableTokenFile() throws {
            try #require(getuid() == 0, "this test runs a command as another user: run the tests as root (as CI does)")
            let world = try World("msgtoken")
            defer { world.shutdown() }
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: world.root)
            let tokenFile = world.write("token", "rs1_secret\n")
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tokenFile)
            let config = world.write("node.yaml", "role: node\nunit: SONDUONG\ndata_dir: \(world.root)/node\nhub:\n  url: http://127.0.0.1:1\n  token_file: \(tokenFile)\n")
            let check = world.run(["config", "check", "--config", config],
                                  wrapper: ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            #expect(check.code != 0, "\(check)")
            #expect(check.stderr.contains(tokenFile), "\(check)")
            #expect(check.stderr.contains("nobody"), "names the user: \(check)")
            #expect(check.stderr.contains("Permission denied"), "names the reason: \(check)")
            #expect(check.stderr.contains("hub.token_file"), "\(check)")
        }

        /// `config check` shows each effective value and its source: the file's line, or the
        /// environment variable that overrode it (systemd's REFORMSYNC_DATA_DIR), or the default.
        @Test("config check prints where each value came from; REFORMSYNC_DATA_DIR overriding data_dir is visible")
        func configCheckShowsOrigins() throws {
            let world = try World("msgorigin")
            defer { world.shutdown() }
            let config = world.write("node.yaml", "role: node\nunit: SONDUONG\ndata_dir: \(world.root)/from-file\nhub:\n  url: http://127.0.0.1:1\n  token: rs1_x\n")
            let plain = world.run(["config", "check", "--config", config])
            #expect(plain.code == 0, "\(plain)")
            #expect(plain.stdout.contains("data_dir") && plain.stdout.contains("\(world.root)/from-file   (\(config):3)"), "\(plain)")
            #expect(plain.stdout.contains("hub.url") && plain.stdout.contains("(\(config):5)"), "\(plain)")
            #expect(plain.stdout.split(separator: "\n").contains { $0.hasPrefix("sync.batch_bytes ") && $0.hasSuffix(" = 262144   (default)") }, "\(plain)")
            // Every key of the evidence files and the office app is listed too.
            for key in ["files.max_file_bytes", "files.allowed_types", "files.retention_days", "office.secure_cookies", "office.session_idle_minutes"] {
                #expect(plain.stdout.contains("\(key) "), "\(key) missing: \(plain)")
            }
            #expect(!plain.stdout.contains("rs1_x"), "the token is not printed: \(plain)")

            let overridden = world.run(["config", "check", "--config", config], wrapper: ["/usr/bin/env", "REFORMSYNC_DATA_DIR=/srv/reformsync-test"])
            #expect(overridden.code == 0, "\(overridden)")
            #expect(overridden.stdout.contains("/srv/reformsync-test   (environment REFORMSYNC_DATA_DIR)"), "\(overridden)")
            #expect(!overridden.stdout.contains("from-file"), "\(overridden)")
        }

        /// The hub's own unit (Sở Nội vụ, a department ranked like the others) enters its data at
        /// the hub: with none yet, the report says so, not "not synced" as for a district.
        @Test("the report does not call the hub's own unit 'not synced'")
        func reportHubUnit() throws {
            let world = try World("msgreport")
            defer { world.shutdown() }
            let hub = try world.makeHub()
            try hub.start()
            Reference.seed(hub, districts: ["SONDUONG"])
            let report = hub.run(["report", "--year", "2023"])
            #expect(report.code == 0, "\(report)")
            let lines = report.stdout.split(separator: "\n")
            let own = try #require(lines.first { $0.contains(Reference.names["SNV"]!) }, "\(report.stdout)")
            #expect(!own.contains("chưa đồng bộ") && own.contains("nhập tại hub"), "\(own)")
            let district = try #require(lines.first { $0.contains(Reference.names["SONDUONG"]!) }, "\(report.stdout)")
            #expect(district.contains("chưa đồng bộ"), "a district without data still says not synced: \(district)")
        }
    }
}
