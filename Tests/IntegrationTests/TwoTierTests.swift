import CRDT
import FileStore
import NodeSync
import Foundation
import Replica
import Testing

/// Two tiers (Protocol/README.md §20): a national hub (Bộ Nội vụ) whose units are provinces, two
/// provincial hubs that are also its nodes through their `uplink:` sections, and a district node
/// under each provincial hub — every one a real `reformsync` process on 127.0.0.1.
struct TwoTier {
    static let provinces = ["tuyen-quang": "Tỉnh Tuyên Quang", "ha-giang": "Tỉnh Hà Giang"]
    static let districts = ["tuyen-quang": "SONDUONG", "ha-giang": "BACQUANG"]
    static let year = 2026
    static let criteria = (1...6).map { "N1.\($0)" }

    let world: World
    let national: HubProcess
    var provincial: [String: HubProcess] = [:]
    var nodes: [String: NodeHandle] = [:]

    /// Starts the national hub with its reference data, then each provincial hub with an uplink
    /// (token issued by the national hub for its province) and one district node synced once.
    /// - Parameter syncConfig: the provincial hubs' `sync:` lines (their uplink's batches and debounce).
    init(_ label: String, syncConfig: String = "sync:\n  debounce: 0.2\n") throws {
        world = try World(label)
        national = try world.makeHub(unit: "BNV", name: "national")
        try national.start()
        national.put("units", [["id": "BNV", "name": "Bộ Nội vụ", "group": "department"]]
                     + Self.provinces.sorted(by: <).map { ["id": $0.key, "name": $0.value, "group": "province", "valid_from": "2008-01-01"] })
        national.put("methodologies", [["id": "PAR-TINH", "name": "Chỉ số CCHC cấp tỉnh (876/QĐ-BNV)", "decision": "876/QĐ-BNV",
                                        "first_year": 2022, "last_year": 2030, "max_points": 12]])
        national.put("criteria", Self.criteria.enumerated().map { index, id in
            ["id": id, "methodology": "PAR-TINH", "level": "criterion", "code": String(id.dropFirst()), "name": "Tiêu chí \(id)", "max_points": 2, "sort": index]
        })
        for (province, _) in Self.provinces.sorted(by: <) {
            let token = world.run(["hub", "token", "create", "--unit", province, "--config", national.configPath])
            try #require(token.code == 0, "national token for \(province): \(token)")
            let tokenFile = world.write("uplink-\(province).token", token.stdout)
            let hub = try world.makeHub(unit: "SNV-\(province)", name: "hub-\(province)", serverConfig: syncConfig + """
                uplink:
                  url: \(national.url)
                  unit: \(province)
                  token_file: \(tokenFile)
                  interval: 2

                """)
            try hub.start()
            Reference.seed(hub, districts: [Self.districts[province]!])
            let node = try world.makeNode(Self.districts[province]!, hub: hub)
            Reference.ownData(node)
            node.sync()
            provincial[province] = hub
            nodes[province] = node
        }
    }

    func uplinkReplicaPath(_ province: String) -> String { provincial[province]!.dataDirectory + "/uplink/replica.sqlite" }

    /// `record put TABLE - --uplink` at the provincial hub: the province writing as a unit of the national hub.
    func putUplink(_ province: String, _ table: String, _ records: [[String: Any]]) -> CommandResult {
        provincial[province]!.run(["record", "put", table, "-", "--uplink"], stdin: jsonData(records))
    }

    /// The province's self-assessment: the assessment and one self-score per national criterion.
    func selfAssess(_ province: String, scores: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        var result = putUplink(province, "assessments", [["unit": province, "year": Self.year, "methodology": "PAR-TINH", "status": "draft",
                                                           "note": "Tự đánh giá của \(Self.provinces[province]!)"]])
        #expect(result.code == 0, "\(province): assessments: \(result)", sourceLocation: sourceLocation)
        result = putUplink(province, "assessment_scores", zip(Self.criteria, scores).map { criterion, score in
            ["unit": province, "year": Self.year, "criterion": criterion, "self_score": score, "evidence": "Báo cáo \(criterion) của \(province)"]
        })
        #expect(result.code == 0, "\(province): assessment_scores: \(result)", sourceLocation: sourceLocation)
    }

    /// Rows the national hub holds for `province`'s unit in `table`.
    func nationalRows(_ table: String, of province: String) throws -> Int {
        try national.openReplica().list(table, where: ["unit": .text(province)]).count
    }
}

extension EndToEnd {
    @Suite("two tiers: a national hub above provincial hubs (§20)")
    struct TwoTierTests {
        /// The province's self-assessment and its evidence go up through the uplink, the national
        /// ranking comes down into `external_indices` and on to the districts, no district row ever
        /// reaches the national hub, and each tier reads only what it may.
        @Test("two-tier sync converges and keeps each tier's read scopes")
        func convergesAndKeepsScopes() throws {
            let tiers = try TwoTier("two-tier")
            defer { tiers.world.shutdown() }
            let tq = tiers.provincial["tuyen-quang"]!, hg = tiers.provincial["ha-giang"]!

            // The provinces self-assess as units of the national methodology, Tuyên Quang with an evidence file.
            tiers.selfAssess("tuyen-quang", scores: [2, 1.5, 2, 1.75, 1, 2])
            tiers.selfAssess("ha-giang", scores: [2, 2, 2, 1.75, 1.5, 2])
            let pdf = evidencePDF(tiers.world, "ke-hoach-cchc.pdf", size: 200_000)
            let attached = tq.run(["files", "add", "assessment_scores", "tuyen-quang/\(TwoTier.year)/N1.1", pdf.path, "--uplink"])
            #expect(attached.code == 0, "files add --uplink: \(attached)")

            // The national season rules hold for the province: once its uplink holds the national 2025
            // season (self-assessment closed on 15/01/2026), a 2025 self-score is refused as the national hub would.
            tiers.national.put("seasons", [["year": 2025, "group": "all", "methodology": "PAR-TINH", "self_assessment_until": "2026-01-15"]])
            #expect(try eventually(timeout: 30) { try Replica.open(path: tiers.uplinkReplicaPath("tuyen-quang")).get("seasons", key: "2025/all") != nil })
            let late = tiers.putUplink("tuyen-quang", "assessment_scores", [["unit": "tuyen-quang", "year": 2025, "criterion": "N1.1", "self_score": 1]])
            #expect(late.code == 2 && late.stderr.contains("[phase_closed]"), "\(late)")

            // A district's row cannot go up: the uplink replica refuses it at once, as the national hub would.
            let district = tiers.putUplink("tuyen-quang", "assessments", [["unit": "SONDUONG", "year": TwoTier.year, "status": "draft"]])
            #expect(district.code == 2 && district.stderr.contains("[not_owner]"), "\(district)")

            #expect(try eventually(timeout: 30) {
                try tiers.nationalRows("assessment_scores", of: "tuyen-quang") == 6 && tiers.nationalRows("assessment_scores", of: "ha-giang") == 6
                    && tiers.national.fileStore.held(pdf.sha256).complete
            }, "both self-assessments and the evidence reach the national hub; national log: \(tiers.national.log.suffix(2000))")

            // The Ministry appraises and publishes the ranking of the provinces.
            tiers.national.put("assessment_scores", zip(TwoTier.criteria, [2, 1.5, 1.5, 1.75, 1, 2]).map {
                ["unit": "tuyen-quang", "year": TwoTier.year, "criterion": $0, "appraised_score": $1]
            })
            tiers.national.put("assessment_scores", TwoTier.criteria.map {
                ["unit": "ha-giang", "year": TwoTier.year, "criterion": $0, "appraised_score": 1.5]
            })
            let published = tiers.national.run(["publish", "--year", String(TwoTier.year), "--decision", "1234/QĐ-BNV"])
            #expect(published.code == 0, "\(published)")

            // Each province's rank lands in its hub's external_indices, then at its districts.
            func rank(_ hub: HubProcess) throws -> [String: Value]? { try hub.openReplica().get("external_indices", key: "PAR_INDEX/\(TwoTier.year)")?.values }
            #expect(try eventually(timeout: 30) { try rank(tq)?["national_rank"] != nil && rank(hg)?["national_rank"] != nil },
                    "the national ranking reaches both provincial hubs; log: \(tq.log.suffix(2000))")
            let tqRank = try rank(tq), hgRank = try rank(hg)
            #expect(tqRank?["national_rank"] == .integer(1) && tqRank?["ranked_of"] == .integer(2), "\(String(describing: tqRank))")
            #expect(tqRank?["value"] == .real(Double(round(9.75 / 12 * 10_000) / 100)), "\(String(describing: tqRank))")
            #expect(hgRank?["national_rank"] == .integer(2), "\(String(describing: hgRank))")
            #expect((tqRank?["source"]?.description ?? "").contains("1234/QĐ-BNV"), "\(String(describing: tqRank))")
            for (province, node) in tiers.nodes {
                node.sync()
                #expect(try node.openReplica().get("external_indices", key: "PAR_INDEX/\(TwoTier.year)") != nil, "\(province)'s district reads the rank")
                try expectNodeMatchesHub(node, tiers.provincial[province]!)
            }

            // No district row, and nothing of the provincial tier's own data, reached the national hub.
            let nationalDump = try dumpLines(tiers.national.replicaPath).joined(separator: "\n")
            for marker in ["SONDUONG", "BACQUANG", "M876", "SNV-", "KL-15"] {
                #expect(!nationalDump.contains(marker), "the national hub holds \(marker)")
            }
            // Read scopes at the national tier: each uplink holds exactly what its province may read there.
            for province in TwoTier.provinces.keys {
                expectSameDump(try dumpLines(tiers.uplinkReplicaPath(province)), try hubView(tiers.national, for: province),
                               "\(province)'s uplink replica against the national hub's rows readable by \(province)")
                let other = province == "tuyen-quang" ? "ha-giang" : "tuyen-quang"
                #expect(try Replica.open(path: tiers.uplinkReplicaPath(province)).list("assessment_scores", where: ["unit": .text(other)]).isEmpty)
            }
            // And the national tier's rows never reach the provincial hub's replica, bar the rank.
            let provincialDump = try dumpLines(tq.replicaPath).joined(separator: "\n")
            #expect(!provincialDump.contains("PAR-TINH") && !provincialDump.contains("ha-giang"), "national rows in the provincial hub's replica")

            // `status --uplink`: the uplink's own node status, its loop run by the (running) hub.
            let uplinkStatus = tq.run(["status", "--uplink", "--json"])
            let node = parseJSON(uplinkStatus.stdout) as? [String: Any] ?? [:]
            #expect(uplinkStatus.code == 0 && node["health"] as? String == "healthy" && node["daemon_running"] as? Bool == true, "\(uplinkStatus)")

            // A write only the national hub can judge: its key is Hà Giang's there. Refused, quarantined, shown by status.
            tiers.national.put("initiatives", [["id": "SK-2026-1", "unit": "ha-giang", "year": TwoTier.year, "title": "Một cửa số"]])
            let clash = tiers.putUplink("tuyen-quang", "initiatives", [["id": "SK-2026-1", "unit": "tuyen-quang", "year": TwoTier.year, "title": "Trùng mã"]])
            #expect(clash.code == 0, "\(clash)")
            var status: [String: Any] = [:]
            #expect(eventually(timeout: 30) {
                let result = tq.run(["status", "--json"])
                status = parseJSON(result.stdout) as? [String: Any] ?? [:]
                return ((status["uplink"] as? [String: Any])?["node"] as? [String: Any])?["quarantined"] as? Int ?? 0 > 0
            }, "the national hub's refusal shows in the provincial hub's status: \(status)")
            let uplink = status["uplink"] as? [String: Any] ?? [:]
            #expect((uplink["problems"] as? [String] ?? []).contains { $0.contains("refused by the national hub") }, "\(uplink)")
            #expect(((uplink["node"] as? [String: Any])?["last_sync_at"] as? String) != nil, "\(uplink)")
            #expect(try tiers.national.openReplica().get("initiatives", key: "SK-2026-1")?.values["unit"] == .text("ha-giang"))
            let table = tq.run(["status"])
            #expect(table.stdout.contains("uplink        tuyen-quang at \(tiers.national.url)"), "\(table)")
        }

        /// kill -9 of a provincial hub while its uplink pushes in small batches: at the next start
        /// it resumes from its cursors and converges, nothing lost or applied twice.
        @Test("kill -9 of a provincial hub mid-uplink resumes and converges")
        func killMidUplink() throws {
            let tiers = try TwoTier("two-tier-kill", syncConfig: "sync:\n  debounce: 0.2\n  batch_changes: 1\n")
            defer { tiers.world.shutdown() }
            let tq = tiers.provincial["tuyen-quang"]!
            var scores: [[String: Any]] = []
            for round in 1...8 {
                scores = TwoTier.criteria.map { ["unit": "tuyen-quang", "year": TwoTier.year, "criterion": $0, "self_score": 1 + Double(round % 4) / 4,
                                                 "self_note": "Lần \(round)"] }
                #expect(tiers.putUplink("tuyen-quang", "assessment_scores", scores).code == 0)
            }
            // Killed once the national hub holds some of the rows but before it holds them all.
            let partial = eventually(timeout: 30, every: 0.005) { ((try? tiers.nationalRows("assessment_scores", of: "tuyen-quang")) ?? 0) > 0 }
            tq.kill()
            #expect(partial, "the uplink started pushing")
            let before = try tiers.nationalRows("assessment_scores", of: "tuyen-quang")
            print("TWO-TIER-KILL rows at the kill: \(before), pending: \(try SyncSession.pending(Replica.open(path: tiers.uplinkReplicaPath("tuyen-quang")), measuringBytes: false).count)")
            try tq.start()
            let uplinkPath = tiers.uplinkReplicaPath("tuyen-quang")
            #expect(try eventually(timeout: 60) {
                try SyncSession.pending(Replica.open(path: uplinkPath), measuringBytes: false).count == 0 && tiers.nationalRows("assessment_scores", of: "tuyen-quang") == 6
            }, "converged after the restart (\(before) row(s) at the national hub at the kill)")
            let national = try tiers.national.openReplica()
            for record in scores {
                let key = "tuyen-quang/\(TwoTier.year)/\(record["criterion"]!)"
                #expect(try national.get("assessment_scores", key: key)?.values["self_note"] == .text("Lần 8"), "\(key)")
                #expect(duplicatedHistoryEntries(try national.history("assessment_scores", key: key)).isEmpty, "\(key) applied twice")
            }
            expectSameDump(try dumpLines(uplinkPath), try hubView(tiers.national, for: "tuyen-quang"), "the uplink against the national hub")
        }

        /// Bad uplink settings stop the hub at start with the key named; a unit the national hub does
        /// not know shows in status (the token is refused: ask the national hub for one).
        @Test("bad uplink configuration is a clear error naming the key")
        func badConfiguration() throws {
            let world = try World("two-tier-config")
            defer { world.shutdown() }
            let cases: [(String, String)] = [
                ("uplink:\n  url: ftp://moha\n  unit: tuyen-quang\n  token_file: /nonexistent\n", "uplink.url"),
                ("uplink:\n  url: http://127.0.0.1:9\n  token_file: /nonexistent\n", "uplink.unit"),
                ("uplink:\n  url: http://127.0.0.1:9\n  unit: tuyen-quang\n", "uplink.token_file"),
                ("uplink:\n  url: http://127.0.0.1:9\n  unit: tuyen quang\n  token_file: /x\n", "uplink.unit"),
            ]
            for (index, (yaml, key)) in cases.enumerated() {
                let path = world.write("bad-\(index).yaml", "role: hub\nunit: SNV\ndata_dir: \(world.path("bad-\(index)"))\n" + yaml)
                let result = world.run(["config", "check", "--config", path])
                #expect(result.code == 2 && result.stderr.contains(key), "\(key): \(result)")
            }
            // A token file that cannot be read: the hub refuses to start, naming uplink.token_file.
            let hub = try world.makeHub(serverConfig: "uplink:\n  url: http://127.0.0.1:9\n  unit: tuyen-quang\n  token_file: \(world.path("missing.token"))\n")
            let started = world.run(["hub", "--config", hub.configPath], timeout: 30)
            #expect(started.code == 2 && started.stderr.contains("uplink.token_file"), "\(started)")
            // A unit the national hub does not know (its token is another unit's): the status names uplink.unit.
            let national = try world.makeHub(unit: "BNV", name: "national")
            try national.start()
            national.put("units", [["id": "tuyen-quang", "name": "Tỉnh Tuyên Quang", "group": "province"]])
            let unknown = world.run(["hub", "token", "create", "--unit", "cao-bang", "--config", national.configPath])
            #expect(unknown.code == 2 && unknown.stderr.contains("unit 'cao-bang' does not exist"), "\(unknown)")
            let token = world.run(["hub", "token", "create", "--unit", "tuyen-quang", "--config", national.configPath])
            let tokenFile = world.write("uplink.token", token.stdout)
            let wrong = try world.makeHub(name: "province", serverConfig: "uplink:\n  url: \(national.url)\n  unit: cao-bang\n  token_file: \(tokenFile)\n")
            try wrong.start()
            var problems: [String] = []
            #expect(eventually(timeout: 30) {
                let status = parseJSON(wrong.run(["status", "--json"]).stdout) as? [String: Any] ?? [:]
                problems = (status["uplink"] as? [String: Any])?["problems"] as? [String] ?? []
                return problems.contains { $0.contains("check uplink.unit (cao-bang)") }
            }, "\(problems)")
            // A node may not have an uplink.
            let node = world.write("node.yaml", "role: node\nunit: SONDUONG\nuplink:\n  url: http://127.0.0.1:9\n  unit: x\n  token: t\n")
            let refused = world.run(["config", "check", "--config", node])
            #expect(refused.code == 2 && refused.stderr.contains("uplink"), "\(refused)")
        }
    }
}

extension EndToEnd.TwoTierTests {
    /// The demo path: three hubs, four daemons, the national ranking printed, the rank back at every tier.
    @Test("reformsync demo --two-tier --once prints the national ranking and the rank that came back down")
    func demo() throws {
        let result = try runReformsync(["demo", "--two-tier", "--once"], timeout: 240)
        #expect(result.code == 0, "demo --two-tier failed: \(result.stderr)")
        #expect(result.stderr.contains("6/6"), "\(result.stderr)")
        #expect(result.stdout.contains("34. Tỉnh Tuyên Quang      86.57 %"), "\(result.stdout)")
        for district in ["SONDUONG", "YENSON", "BACQUANG", "VIXUYEN"] {
            #expect(result.stdout.range(of: "\(district) +reads offline: [0-9.]+ %, rank [0-9]+/63", options: .regularExpression) != nil, "\(district): \(result.stdout)")
        }
        #expect(result.stdout.contains("SONDUONG        reads offline: 86.57 %, rank 34/63"), "\(result.stdout)")
        #expect(result.stdout.contains("district rows at the national hub: 0;"), "\(result.stdout)")
        #expect(result.stdout.contains("Hà Giang's self-assessment rows in Tuyên Quang's uplink replica: 0"), "\(result.stdout)")
    }
}
