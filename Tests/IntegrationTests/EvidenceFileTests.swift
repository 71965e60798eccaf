import FileStore
import Foundation
import HubClient
import Testing

/// Evidence files end to end (Protocol/README.md §16): real hub and node processes on 127.0.0.1,
/// real files, libcurl; kill -9 at several points of an upload and a download.
@Suite("evidence files", .serialized, .timeLimit(.minutes(4)))
struct EvidenceFileTests {
    @Test("attached at a node, the file reaches the hub intact; another server of the unit downloads it")
    func roundTrip() throws {
        let world = try World("files-trip")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode("SONDUONG", hub: hub)
        let record = node.scoreRecord()
        let file = evidencePDF(world, "qd.pdf", size: 1_500_000)
        node.attach(record, file.path, name: "Quyết định số 15.pdf")
        let (result, report) = node.sync()
        #expect(result.code == 0)
        #expect(number(fileReport(report)["uploaded_files"]) == 1, "\(result)")
        #expect(number(fileReport(report)["file_bytes_sent"]) == file.bytes.count)
        #expect(FileManager.default.contents(atPath: hub.fileStore.path(file.sha256)) == Data(file.bytes))

        let second = try SecondNode(world: world, unit: "SONDUONG", token: try hub.createToken(unit: "SONDUONG"), hub: hub)
        let pulled = second.run(["sync", "--once", "--json"])
        #expect(pulled.code == 0, "\(pulled)")
        #expect(number(fileReport(parseJSON(pulled.stdout) as? [String: Any])["downloaded_files"]) == 1, "\(pulled)")
        let out = world.path("out.pdf")
        let got = second.run(["files", "get", "assessment_scores", record, "Quyết định số 15.pdf", "--output", out])
        #expect(got.code == 0, "\(got)")
        #expect(FileManager.default.contents(atPath: out) == Data(file.bytes))
        #expect(second.run(["check"]).stdout.contains("files: 1 stored, 0 damaged, 0 referenced but not here"))
        // Nothing left waiting on either side.
        let again = node.sync().report
        #expect(number(fileReport(again)["file_bytes_sent"]) == 0 && number(fileReport(again)["waiting_up"]) == 0)
    }

    @Test("another unit cannot fetch, probe or fill a file by its hash: the same 404 as a hash nobody attached; an operator opens it")
    func readScope() async throws {
        let world = try World("files-scope")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let owner = try world.makeNode("SONDUONG", hub: hub)
        let file = evidencePDF(world, "qd.pdf", size: 70_000)
        owner.attach(owner.scoreRecord(), file.path, name: "Báo cáo đánh giá.pdf")
        owner.sync()
        let other = try world.makeNode("HAMYEN", hub: hub)
        let own = evidencePDF(world, "own.pdf", size: 1_000)
        other.attach(other.scoreRecord(), own.path)
        other.sync()
        let guessed = String(repeating: "ab", count: 32)

        let client = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: hub.url, bearerToken: other.token, retry: .none))
        func refusal(_ request: HubRequest) async -> String {
            do {
                let response = try await client.send(request)
                return "answered \(response.status)"
            } catch let error as HubClientError {
                guard case .http(let status, let code, let message) = error.kind else { return "\(error)" }
                return "\(status) \(code ?? "") \(message ?? "")"
            } catch { return "\(error)" }
        }
        let stolen = await refusal(.get("/v1/files/\(file.sha256)"))
        let unknown = await refusal(.get("/v1/files/\(guessed)"))
        #expect(stolen.hasPrefix("404 file_not_found"), "\(stolen)")
        #expect(stolen == unknown)
        let upload = await refusal(HubRequest(method: "PUT", path: "/v1/files/\(file.sha256)?offset=0", body: ChunkFrame.frame([1, 2, 3])))
        #expect(upload == unknown, "\(upload)")
        // The status answer does not tell either.
        let status = try await client.send(.post("/v1/files/status", body: Array(#"{"sha256":["\#(file.sha256)","\#(guessed)"]}"#.utf8)))
        #expect(status.text.contains(#"{"held":0,"sha256":"\#(file.sha256)","state":"unknown"}"#), "\(status.text)")
        #expect(status.text.contains(#"{"held":0,"sha256":"\#(guessed)","state":"unknown"}"#), "\(status.text)")

        // The owner reads it; an operator opens it with its Vietnamese name.
        let ownerClient = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: hub.url, bearerToken: owner.token, retry: .none))
        #expect(try await ownerClient.send(.get("/v1/files/\(file.sha256)")).body == file.bytes)
        let operatorClient = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: hub.url, bearerToken: try hub.createOperatorToken(), retry: .none))
        let opened = try await operatorClient.send(.get("/files/\(file.sha256)"))
        #expect(opened.body == file.bytes)
        #expect(opened.headers["content-type"] == "application/pdf")
        #expect(opened.headers["content-disposition"] == #"attachment; filename="Bao cao danh gia.pdf"; filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20%C4%91%C3%A1nh%20gi%C3%A1.pdf"#,
                "\(opened.headers)")
        // A node token cannot use the operator route.
        #expect(await refusal(.get("/files/\(file.sha256)")).hasPrefix("403"))

        // The dashboard counts each unit's evidence held and still missing at the hub.
        hub.fileStore.remove(own.sha256)  // as if HAMYEN had not finished uploading it
        let page = try await operatorClient.send(.get("/dashboard")).text
        #expect(page.contains(#"<tr data-unit="SONDUONG"><td>SONDUONG</td><td class="held">1</td><td class="missing">0</td></tr>"#), "\(page)")
        #expect(page.contains(#"<tr data-unit="HAMYEN"><td>HAMYEN</td><td class="held">0</td><td class="missing">1</td></tr>"#), "\(page)")
    }

    @Test("seven units attach the same provincial decision: the hub stores one copy, only the first upload sends its bytes")
    func sevenUnitsOneCopy() throws {
        let world = try World("files-dedupe")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let file = evidencePDF(world, "qd-ubnd.pdf", size: 1_048_576)
        var sent: [Int] = [], wire: [Int] = [], found: [Int] = []
        for unit in ["SONDUONG", "HAMYEN", "YENSON", "CHIEMHOA", "NAHANG", "LAMBINH", "TPTQ"] {
            let node = try world.makeNode(unit, hub: hub)
            node.attach(node.scoreRecord(), file.path)
            let report = fileReport(node.sync().report)
            sent.append(number(report["file_bytes_sent"]))
            wire.append(number(report["bytes_sent"]))
            found.append(number(report["already_at_hub"]))
        }
        #expect(sent == [file.bytes.count, 0, 0, 0, 0, 0, 0])
        #expect(found == [0, 1, 1, 1, 1, 1, 1])
        // Every byte on the wire counted: the first sends the file, the others one status request each.
        #expect(wire[0] > file.bytes.count && wire.dropFirst().allSatisfy { $0 < 2_000 }, "\(wire)")
        #expect(hub.fileStore.storedHashes() == [file.sha256])
        #expect(try FileStore.hash(of: hub.fileStore.path(file.sha256)).hash == file.sha256)
    }

    @Test("too large, not an allowed type by content, over the yearly quota: refused when attaching, naming the limit")
    func refusedAtAttach() throws {
        let world = try World("files-limits")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        let node = try world.makeNode("SONDUONG", hub: hub, extraConfig: "files:\n  max_file_bytes: 100000\n  quota_bytes_per_year: 150000\n")
        let record = node.scoreRecord()
        func add(_ path: String) -> CommandResult { node.run(["files", "add", "assessment_scores", record, path]) }

        let big = add(evidencePDF(world, "big.pdf", size: 100_001).path)
        #expect(big.code == 2 && big.stderr.contains("files.max_file_bytes") && big.stderr.contains("100000 bytes"), "\(big)")
        world.write("fake.pdf", "Tờ trình — just text\n")
        let fake = add(world.path("fake.pdf"))
        #expect(fake.code == 2 && fake.stderr.contains("files.allowed_types") && fake.stderr.contains("by its content"), "\(fake)")
        #expect(add(evidencePDF(world, "a.pdf", size: 90_000).path).code == 0)
        let over = add(evidencePDF(world, "b.pdf", size: 90_000).path)
        #expect(over.code == 2 && over.stderr.contains("files.quota_bytes_per_year") && over.stderr.contains("SONDUONG"), "\(over)")
        // Only the accepted file is stored and listed.
        #expect(node.fileStore.storedHashes().count == 1)
        #expect(node.run(["files", "list", "--json"]).stdout.components(separatedBy: "\"sha256\"").count == 2)
    }

    @Test("kill -9 of the hub, then of the node, in the middle of an upload: it resumes from what the hub holds and arrives once")
    func killedDuringUpload() throws {
        let world = try World("files-kill-up")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode("SONDUONG", hub: hub, extraConfig: "  max_bytes_per_second: 400000\n")
        let file = evidencePDF(world, "scan.pdf", size: 6_000_000)
        node.attach(node.scoreRecord(), file.path)

        // 1. The hub dies mid-upload (and the node's sync with it).
        var sync = try world.spawn(["sync", "--once", "--config", node.configPath])
        #expect(eventually(timeout: 30, every: 0.05) { hub.held(file.sha256) >= 1_000_000 }, "the upload never started: \(sync.result)")
        hub.kill()
        sync.killNow()
        let heldAfterHubKill = hub.held(file.sha256)
        #expect(heldAfterHubKill > 0 && heldAfterHubKill < Int64(file.bytes.count) && heldAfterHubKill % 65_536 == 0,
                "the hub keeps whole chunks: \(heldAfterHubKill)")
        try hub.start()
        node.follow(hub)

        // 2. The node dies mid-upload.
        sync = try world.spawn(["sync", "--once", "--config", node.configPath])
        #expect(eventually(timeout: 30, every: 0.05) { hub.held(file.sha256) >= heldAfterHubKill + 1_000_000 }, "no progress: \(sync.result)")
        sync.killNow()
        var heldAfterNodeKill: Int64 = 0
        _ = eventually(timeout: 5, every: 0.3) {
            let now = hub.held(file.sha256)
            defer { heldAfterNodeKill = now }
            return now == heldAfterNodeKill
        }
        #expect(heldAfterNodeKill > heldAfterHubKill && heldAfterNodeKill < Int64(file.bytes.count))

        // 3. The next round sends only the rest.
        let (result, report) = node.sync()
        #expect(result.code == 0)
        #expect(number(fileReport(report)["file_bytes_sent"]) == file.bytes.count - Int(heldAfterNodeKill), "\(result)")
        #expect(FileManager.default.contents(atPath: hub.fileStore.path(file.sha256)) == Data(file.bytes))
        #expect(hub.fileStore.storedHashes() == [file.sha256])
        #expect((try? FileManager.default.contentsOfDirectory(atPath: hub.fileStore.temporaryFolder)) ?? [] == [])
    }

    @Test("kill -9 of the downloading node, then of the hub, in the middle of a download: it resumes from the part file and arrives once")
    func killedDuringDownload() throws {
        let world = try World("files-kill-down")
        defer { world.shutdown() }
        let hub = try world.makeHub()
        try hub.start()
        let node = try world.makeNode("SONDUONG", hub: hub)
        let file = evidencePDF(world, "scan.pdf", size: 6_000_000)
        let record = node.scoreRecord()
        node.attach(record, file.path, name: "scan.pdf")
        node.sync()
        let token = try hub.createToken(unit: "SONDUONG")
        let second = try SecondNode(world: world, unit: "SONDUONG", token: token, hub: hub, extraConfig: "  max_bytes_per_second: 400000\n")
        let part = second.fileStore.partialPath(file.sha256)

        // 1. The downloading node dies.
        var sync = try world.spawn(["sync", "--once", "--config", second.configPath])
        #expect(eventually(timeout: 30, every: 0.05) { (PosixFile.size(of: part) ?? 0) >= 1_000_000 }, "no download: \(sync.result)")
        sync.killNow()
        _ = sync.waitForExit(timeout: 5)
        let afterNodeKill = PosixFile.size(of: part) ?? 0

        // 2. The hub dies while the download resumes.
        sync = try world.spawn(["sync", "--once", "--config", second.configPath])
        #expect(eventually(timeout: 30, every: 0.05) { (PosixFile.size(of: part) ?? 0) >= afterNodeKill + 1_000_000 }, "no progress: \(sync.result)")
        hub.kill()
        sync.killNow()
        _ = sync.waitForExit(timeout: 5)
        let afterHubKill = PosixFile.size(of: part) ?? 0
        #expect(!second.fileStore.contains(file.sha256), "a partly received file is never visible as complete")
        try hub.start()
        second.write(hubURL: hub.url, token: token, extraConfig: "  max_bytes_per_second: 400000\n")

        // 3. The rest, once.
        let resumed = second.run(["sync", "--once", "--json"])
        #expect(resumed.code == 0, "\(resumed)")
        #expect(number(fileReport(parseJSON(resumed.stdout) as? [String: Any])["file_bytes_received"]) == file.bytes.count - Int(afterHubKill), "\(resumed)")
        #expect(FileManager.default.contents(atPath: second.fileStore.path(file.sha256)) == Data(file.bytes))
        #expect(PosixFile.size(of: part) == nil)
    }
}
