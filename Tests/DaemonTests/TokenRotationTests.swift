import Foundation
import Testing

/// Tokens that expire and rotate, and a daemon that takes a new token from `hub.token_file`
/// without a restart: at the next 401, or at once on SIGHUP (`systemctl reload`). Real hub, real
/// daemon, real files (README "Tokens").
@Suite("token rotation", .serialized, .timeLimit(.minutes(3)))
struct TokenRotationTests {
    /// A node whose token lives in a file, as in production.
    func nodeWithTokenFile(_ world: World, hub: HubProcess) throws -> (NodeHandle, String) {
        let node = try world.makeNode(hub: hub, settings: ["sync.interval": "600", "sync.debounce": "0.2"])
        let tokenFile = world.write("sonduong.token", (node.settings["hub.token"] ?? "") + "\n")
        node.settings["hub.token"] = nil
        node.settings["hub.token_file"] = tokenFile
        node.writeConfig()
        return (node, tokenFile)
    }

    /// `hub token ARGUMENTS`; node tokens are created with --allow-unknown-unit: these hubs hold no
    /// units, and the tests are about expiry, not about which units exist (see HubLoadTests).
    func hubRun(_ hub: HubProcess, _ arguments: [String]) -> CommandResult {
        let unknownUnits = arguments.first == "create" && arguments.contains("--unit") ? ["--allow-unknown-unit"] : []
        return hub.world.run(["hub", "token"] + arguments + unknownUnits + ["--config", hub.configPath])
    }

    @Test("after `hub token rotate --grace 0s` the daemon gets 401, takes the new token from its file at the next 401, and syncs")
    func rotateTakenAt401() throws {
        let world = try World("token-401")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let (node, tokenFile) = try nodeWithTokenFile(world, hub: hub)
        let daemon = try node.startDaemon()
        let first = try daemon.request("POST", "/sync?wait=1", timeout: 30)
        #expect(first.status == 200, "\(first)")

        let rotated = hubRun(hub, ["rotate", "--unit", "SONDUONG", "--grace", "0s"])
        #expect(rotated.code == 0, "\(rotated)")
        let newToken = rotated.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(newToken.hasPrefix("rs1_"), "\(rotated)")
        #expect(rotated.stderr.contains("1 older token(s) of SONDUONG expire"), "\(rotated)")

        // The old token no longer opens anything, and the answer says it expired, and when.
        let put = try daemon.request("PUT", "/records/initiatives", json: ["id": "SD-T1", "unit": "SONDUONG", "year": 2022, "title": "Trước khi đổi token"])
        #expect(put.status == 200, "\(put)")
        let refused = try daemon.request("POST", "/sync?wait=1", timeout: 30)
        #expect(refused.status != 200, "the expired token still synced: \(refused)")
        #expect(refused.text.contains("expired at"), "the refusal does not say the token expired: \(refused)")

        // The operator writes the new token to the file: the next round's 401 makes the daemon read it.
        try Data((newToken + "\n").utf8).write(to: URL(fileURLWithPath: tokenFile))
        let synced = try daemon.request("POST", "/sync?wait=1", timeout: 30)
        #expect(synced.status == 200, "the daemon did not take the new token at the 401: \(synced)\n\(daemon.log)")
        #expect(try hub.count("initiatives") == 1)
        #expect(daemon.isRunning)

        let list = hubRun(hub, ["list"])
        #expect(list.stdout.contains("EXPIRED"), "token list does not show the expired token: \(list)")
    }

    @Test("SIGHUP makes the daemon read hub.token_file again: a revoked token is replaced without a restart")
    func sighupReloads() throws {
        let world = try World("token-hup")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let (node, tokenFile) = try nodeWithTokenFile(world, hub: hub)
        let daemon = try node.startDaemon()
        #expect(try daemon.request("POST", "/sync?wait=1", timeout: 30).status == 200)

        let rotated = hubRun(hub, ["rotate", "--unit", "SONDUONG", "--grace", "0s"])
        #expect(rotated.code == 0, "\(rotated)")
        try Data(rotated.stdout.utf8).write(to: URL(fileURLWithPath: tokenFile))
        daemon.child.signal(SIGHUP)
        #expect(eventually(timeout: 10) { daemon.log.contains("SIGHUP: took the new token from hub.token_file") },
                "no sign the daemon read the token file on SIGHUP:\n\(daemon.log)")
        #expect(daemon.isRunning, "SIGHUP stopped the daemon")
        // The round the reload starts uses the new token: the write reaches the hub without a 401.
        let put = try daemon.request("PUT", "/records/initiatives", json: ["id": "SD-H1", "unit": "SONDUONG", "year": 2022, "title": "Sau SIGHUP"])
        #expect(put.status == 200, "\(put)")
        #expect(eventually(timeout: 15) { (try? hub.count("initiatives")) == 1 }, "the write did not reach the hub after SIGHUP:\n\(daemon.log)")
        #expect(!daemon.log.contains("the token file holds a new one"), "the token was taken at a 401, not at SIGHUP:\n\(daemon.log)")
        // A second SIGHUP with the same file changes nothing and keeps the daemon up.
        daemon.child.signal(SIGHUP)
        #expect(eventually(timeout: 10) { daemon.log.contains("holds the token already in use") }, "\(daemon.log)")
        #expect(daemon.isRunning)
    }

    @Test("`hub token create --expires 3s`: the token syncs until then, and is refused afterwards with when it expired")
    func expiry() throws {
        let world = try World("token-expiry")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode(hub: hub)
        let created = hubRun(hub, ["create", "--unit", "SONDUONG", "--expires", "3s", "--allow-unknown-unit"])
        #expect(created.code == 0, "\(created)")
        node.settings["hub.token"] = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        node.writeConfig()
        let before = node.run(["sync", "--once"])
        #expect(before.code == 0, "the fresh token did not sync: \(before)")
        #expect(hubRun(hub, ["list"]).stdout.contains("expires 20"), "token list does not show the expiry")
        sleepSeconds(4)
        let after = node.run(["sync", "--once"])
        #expect(after.code == 1, "an expired token synced: \(after)")
        #expect(after.stderr.contains("expired at 20"), "the refusal does not say when the token expired: \(after)")
        #expect(hubRun(hub, ["list"]).stdout.contains("EXPIRED 20"), "token list does not mark the token expired")
    }

    @Test("an operator token with --expires opens /metrics until then; afterwards 401 says it expired")
    func operatorExpiry() throws {
        let world = try World("token-operator")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let created = hubRun(hub, ["create", "--operator", "--expires", "2s"])
        #expect(created.code == 0, "\(created)")
        let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let before = try http("GET", hub.url, "/metrics", headers: [("Authorization", "Bearer \(token)")])
        #expect(before.status == 200, "\(before)")
        sleepSeconds(3)
        let after = try http("GET", hub.url, "/metrics", headers: [("Authorization", "Bearer \(token)")])
        #expect(after.status == 401, "\(after)")
        #expect(after.text.contains("expired at 20"), "\(after)")
    }

    @Test("the hub's status warns while a unit's last token expires within a week, and not once it is rotated")
    func statusWarnsBeforeExpiry() throws {
        let world = try World("token-status")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        func problems() -> [String] {
            let status = world.run(["status", "--json", "--config", hub.configPath])
            return ((parseJSON(status.stdout) as? [String: Any])?["problems"] as? [String]) ?? ["unreadable: \(status)"]
        }
        #expect(hubRun(hub, ["create", "--unit", "SONDUONG", "--expires", "400d", "--allow-unknown-unit"]).code == 0)
        #expect(hubRun(hub, ["create", "--unit", "HAMYEN", "--expires", "3d", "--allow-unknown-unit"]).code == 0)
        let warned = problems()
        #expect(warned.contains { $0.contains("every token of HAMYEN expires by") && $0.contains("rotate --unit HAMYEN") }, "\(warned)")
        #expect(!warned.contains { $0.contains("SONDUONG") }, "a token a year away is not a problem yet: \(warned)")
        #expect(world.run(["status", "--config", hub.configPath]).code == 1)
        #expect(hubRun(hub, ["rotate", "--unit", "HAMYEN"]).code == 0)
        let after = problems()
        #expect(after.isEmpty, "a rotated unit is still reported: \(after)")
        #expect(world.run(["status", "--config", hub.configPath]).code == 0)
    }

    @Test("bad --expires and --grace values are refused with exit 2, and nothing is issued", arguments: [
        ["create", "--unit", "SONDUONG", "--expires", "yesterday"],
        ["create", "--unit", "SONDUONG", "--expires", "0s"],
        ["create", "--unit", "SONDUONG", "--expires", "2001-01-01"],
        ["create", "--unit", "SONDUONG", "--expires", "99999999999d"],
        ["rotate", "--unit", "SONDUONG", "--grace", "-1d"],
        ["rotate", "--unit", "SONDUONG", "--grace", "soon"],
        ["rotate", "--unit", "NOBODY"],
    ])
    func badDurations(_ arguments: [String]) throws {
        let world = try World("token-bad")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        _ = try hub.createToken(unit: "SONDUONG")
        let before = hubRun(hub, ["list"]).stdout
        let result = hubRun(hub, arguments)
        #expect(result.code == 2, "\(arguments): \(result)")
        #expect(result.stdout.isEmpty, "\(arguments) printed a token: \(result)")
        #expect(result.stderr.contains(arguments.count > 3 ? arguments[3] : "NOBODY"), "the message does not name the value: \(result)")
        #expect(hubRun(hub, ["list"]).stdout == before, "\(arguments) changed the tokens")
    }
}
