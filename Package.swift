// swift-tools-version: 6.1
// reformsync: offline-first CRDT sync of administrative-reform data (Tuyên Quang province).
import PackageDescription

let package = Package(
    name: "reformsync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "reformsync", targets: ["reformsync"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // Pure CRDT core: hybrid logical clock, change records, merge rules. No I/O, stdlib only.
        .target(name: "CRDT"),
        // The reform-data schema: tables, keys, set semantics, who may write what; value validation.
        .target(name: "ReformData", dependencies: ["CRDT"]),
        // The SQLite replica on GRDB: migrations, change capture, merge in one transaction, history.
        .target(name: "Replica", dependencies: [
            "CRDT", "ReformData",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]),
        // Codable wire messages and the change-set encoding shared by files and HTTP.
        .target(name: "WireProtocol", dependencies: ["CRDT", "ReformData",
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // Evidence files: the content-addressed store, content signatures, limits, the chunk format (Protocol §16).
        .target(name: "FileStore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // libcurl, through pkg-config, plus static inline shims for its variadic calls.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // The HTTP client the daemon uses to reach the hub; the only module importing CCurl.
        .target(name: "HubClient", dependencies: ["CCurl", "WireProtocol",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // The provincial hub: Hummingbird routes, authentication, policy.
        .target(name: "Hub", dependencies: [
            "Replica", "WireProtocol", "ReformData", "FileStore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // Benchmarks behind `reformsync bench`: figures printed for people, the last line JSON for scripts.
        // The hub's figures: index scores, rankings, SIPAS, Decision 06, task follow-up; publishing.
        .target(name: "Aggregation", dependencies: ["CRDT", "ReformData", "Replica",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The hub's dashboard and the appraisers' app: server-rendered HTML and SVG, Vietnamese labels, no external assets.
        .target(name: "Dashboard", dependencies: ["Aggregation", "Hub", "FileStore", "OfficeWeb", "ReformsyncConfig",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The Tuyên Quang seed scenario (2021 figures of the seed report; other values illustrative).
        .target(name: "SeedScenario", dependencies: ["CRDT", "ReformData"]),
        // `reformsync bench ...`: figures, not tests.
        .target(name: "Benchmarks", dependencies: ["CRDT", "ReformData", "Replica", "WireProtocol", "Hub", "HubClient", "NodeSync", "Aggregation", "FileStore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The node's sync round with the hub: handshake, push, pull, each step committed with its cursor.
        .target(name: "NodeSync", dependencies: ["CRDT", "ReformData", "Replica", "WireProtocol", "HubClient", "FileStore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The office web apps' common ground: local accounts (bcrypt), sessions, CSRF, login throttling,
        // the Host allow-list, role guards, and server-rendered Mustache pages embedded in the binary.
        // What the office apps read from a browser: URL-encoded forms, the evidence upload's multipart
        // body, numbers typed with a decimal comma. Foundation only, so the fuzz targets reach it.
        .target(name: "WebForms"),
        .target(name: "OfficeWeb", dependencies: ["ReformsyncConfig", "WebForms",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The district daemon: sync loop, local HTTP API, metrics, systemd notify, status.
        .target(name: "Daemon", dependencies: ["CRDT", "ReformData", "Replica", "WireProtocol", "HubClient", "NodeSync", "ReformsyncConfig", "FileStore", "OfficeWeb",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            // SQLite's result codes: a full disk (507) and a read-only replica (503) are told apart.
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // Spreadsheet exports (CSV) read with line numbers, and their rows checked against a table:
        // what `reformsync import-csv` does before it opens a transaction (a library, so fuzzing reaches it).
        .target(name: "CSVImport", dependencies: ["ReformData"]),
        // Configuration files (YAML) with REFORMSYNC_* environment overrides.
        .target(name: "ReformsyncConfig", dependencies: [.product(name: "Yams", package: "Yams")]),
        // The command line: thin, calls the modules above.
        .executableTarget(name: "reformsync", dependencies: [
            "CRDT", "ReformData", "Replica", "WireProtocol", "HubClient", "Hub", "ReformsyncConfig", "NodeSync", "Benchmarks", "Aggregation", "SeedScenario", "Daemon", "Dashboard", "CSVImport", "FileStore", "OfficeWeb",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "CRDTTests", dependencies: [
            "CRDT", "ReformsyncTestSupport", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "ReplicaTests", dependencies: ["Replica", "ReformData", "CRDT", "WireProtocol", "ReformsyncTestSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "HubClientTests", dependencies: ["HubClient", "CRDT",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "CompressNIO", package: "compress-nio"),
        ]),
        // Protocol/: the document's examples and test vectors, loaded and checked against the code.
        .testTarget(name: "ProtocolTests", dependencies: ["WireProtocol", "Hub", "Replica", "ReformData", "CRDT", "NodeSync", "HubClient", "ReformsyncTestSupport", "FileStore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        // The assessment season (Protocol §17): its rules, and the hub and nodes judging changes by them (in-process, SQLite).
        .testTarget(name: "SeasonTests", dependencies: ["Hub", "Replica", "ReformData", "CRDT", "WireProtocol",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // Hub and nodes as real processes on 127.0.0.1, talking through libcurl.
        // Shared by the test targets that run the real binary.
        .target(name: "ReformsyncTestSupport", dependencies: ["CRDT"], path: "Tests/ReformsyncTestSupport"),
        .testTarget(name: "IntegrationTests", dependencies: ["WireProtocol", "Replica", "ReformData", "CRDT", "HubClient", "NodeSync", "ReformsyncTestSupport", "FileStore",
            // The hub's load tests drive many simulated nodes with the benchmark's fleet.
            "Benchmarks", "Hub",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "AggregationTests", dependencies: ["Aggregation", "SeedScenario", "Replica", "ReformData", "CRDT", "Dashboard", "Hub",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The daemon as a process: status in every state, SIGTERM, poor links through a proxy, systemd.
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "Replica", "ReformData", "CRDT", "WireProtocol", "HubClient", "ReformsyncConfig", "ReformsyncTestSupport", "FileStore", "NodeSync",
            .product(name: "GRDB", package: "GRDB.swift"),
            // The local API run in-process on a real socket (the read-only replica test).
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Accounts, sessions, CSRF, throttling and templates of the office apps, on real SQLite files.
        .testTarget(name: "OfficeWebTests", dependencies: ["OfficeWeb", "ReformsyncConfig", "WebForms",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        // The office apps in headless Chromium through WebDriver (Debian's chromedriver), real processes.
        .testTarget(name: "BrowserTests", dependencies: ["OfficeWeb", "ReformsyncTestSupport"]),
        // The file store, content signatures and chunk frames, on real files.
        .testTarget(name: "FileStoreTests", dependencies: ["FileStore"]),
        .testTarget(name: "CLITests", dependencies: ["Replica", "ReformData", "CRDT", "WireProtocol", "ReformsyncTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (`make fuzz`, scripts/fuzz.sh), declared only when REFORMSYNC_FUZZ=1 so that the
// normal build and `make test` never see them: each exports `LLVMFuzzerTestOneInput` and must be built
// with `-sanitize=fuzzer` (see scripts/fuzz.sh), which an ordinary `swift build` does not pass.
if Context.environment["REFORMSYNC_FUZZ"] == "1" {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzChangeSet", ["WireProtocol", "CRDT", "ReformData"]),
        ("FuzzMessages", ["WireProtocol", "CRDT", "ReformData"]),
        ("FuzzGzip", ["WireProtocol"]),
        ("FuzzCSV", ["CSVImport", "ReformData"]),
        ("FuzzConfig", ["ReformsyncConfig"]),
        ("FuzzLocalAPI", ["ReformData", "CRDT"]),
        ("FuzzFileTransfer", ["FileStore"]),
        ("FuzzContentSniffer", ["FileStore"]),
        ("FuzzOfficeForms", ["WebForms", "FileStore"]),
        ("FuzzSeasonDates", ["ReformData"]),
    ]
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/FuzzSupport"))
    for target in fuzzTargets {
        package.targets.append(.executableTarget(
            name: target.name, dependencies: target.dependencies + ["FuzzSupport"], path: "Fuzz/\(target.name)",
            // libFuzzer brings `main`: the target has no top-level code (see Fuzz/FuzzSupport).
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
        package.products.append(.executable(name: target.name, targets: [target.name]))
    }
}
