import Foundation
import Testing

/// `reformsync users`: accounts of the office app at a node and at the hub, passwords never from argv.
@Suite struct UsersCommandTests {
    @Test func nodeAccountsAddListPasswdDisable() throws {
        let dir = try TemporaryDirectory("users")
        let data = dir.path("node")
        #expect(run(["init", "--data-dir", data, "--unit", "SONDUONG"]).code == 0)
        var result = run(["users", "add", "lan", "--role", "clerk", "--password-stdin", "--data-dir", data], stdin: "mật khẩu của Lan\n")
        #expect(result.code == 0, "\(result)")
        result = run(["users", "add", "hùng", "--role", "leader", "--password-stdin", "--data-dir", data], stdin: "Tuyên Quang 2021\n")
        #expect(result.code == 0, "\(result)")
        let list = run(["users", "list", "--json", "--data-dir", data])
        #expect(list.code == 0)
        #expect(list.stdout.contains("\"hùng\"") && list.stdout.contains("\"leader\"") && list.stdout.contains("\"clerk\""))
        #expect(!list.stdout.contains("$2b$"))
        // Hub roles are refused at a node, and so is a short password or a duplicate; nothing is stored.
        result = run(["users", "add", "thamdinh", "--role", "appraiser", "--password-stdin", "--data-dir", data], stdin: "0123456789\n")
        #expect(result.code == 2 && result.stderr.contains("clerk, leader"), "\(result)")
        result = run(["users", "add", "ngan", "--role", "clerk", "--password-stdin", "--data-dir", data], stdin: "ngắn\n")
        #expect(result.code == 2 && result.stderr.contains("10 characters"), "\(result)")
        result = run(["users", "add", "lan", "--role", "clerk", "--password-stdin", "--data-dir", data], stdin: "0123456789\n")
        #expect(result.code == 2 && result.stderr.contains("exists"), "\(result)")
        // No terminal and no --password-stdin: a clear refusal, never a password in argv.
        result = run(["users", "add", "mai", "--role", "clerk", "--data-dir", data])
        #expect(result.code == 2 && result.stderr.contains("--password-stdin"), "\(result)")
        result = run(["users", "passwd", "lan", "--password-stdin", "--data-dir", data], stdin: "mật khẩu mới của Lan\n")
        #expect(result.code == 0, "\(result)")
        result = run(["users", "disable", "lan", "--data-dir", data])
        #expect(result.code == 0, "\(result)")
        #expect(run(["users", "list", "--data-dir", data]).stdout.contains("disabled"))
        result = run(["users", "disable", "nobody", "--data-dir", data])
        #expect(result.code == 2 && result.stderr.contains("no account named nobody"), "\(result)")
        #expect(run(["users", "list", "--json", "--data-dir", data]).stdout.components(separatedBy: "\"name\"").count == 3)
    }

    @Test func hubAccountsTakeHubRoles() throws {
        let dir = try TemporaryDirectory("users-hub")
        let config = dir.write("hub.yaml", "role: hub\nunit: SNV\ndata_dir: hubdata\n")
        var result = run(["users", "add", "thamdinh", "--role", "appraiser", "--password-stdin", "--config", config], stdin: "0123456789\n")
        #expect(result.code == 0, "\(result)")
        result = run(["users", "add", "lan", "--role", "clerk", "--password-stdin", "--config", config], stdin: "0123456789\n")
        #expect(result.code == 2 && result.stderr.contains("appraiser, admin"), "\(result)")
        #expect(FileManager.default.fileExists(atPath: dir.path("hubdata/accounts.sqlite")))
    }
}
