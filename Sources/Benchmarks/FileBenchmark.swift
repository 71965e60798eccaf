import FileStore
import Foundation
import Hub
import HubClient
import Hummingbird
import Logging
import NodeSync
import ReformData
import Replica
import Synchronization

/// `reformsync bench files`: evidence files node → hub on loopback (Protocol §16), against a plain
/// HTTP PUT of the same bytes to the same server; a cutting link's overhead; peak memory while a
/// large file goes up and down; bytes sent when seven units attach one file.
public enum FileBenchmark {
    public struct Figures: Sendable, Codable {
        public var uploadMegabytes: Double
        public var uploadMbPerS: Double
        public var plainPutMbPerS: Double
        /// The plain PUT into a route that discards the bytes: the loopback and HTTP alone, no disk.
        public var plainPutDiscardMbPerS: Double
        public var uploadVsPlain: Double
        public var poorLinkMegabytes: Double
        public var poorLinkCuts: Int
        public var poorLinkOverhead: Double
        public var rssMegabytes: Double
        public var peakRssMb: Double
        public var dedupeMegabytes: Double
        public var dedupeBytesRatio: Double
    }

    public struct Sizes: Sendable {
        public var upload: Int
        public var poorLink: Int
        public var rss: Int
        public var dedupe: Int
        public init(upload: Int, poorLink: Int, rss: Int, dedupe: Int) {
            self.upload = upload
            self.poorLink = poorLink
            self.rss = rss
            self.dedupe = dedupe
        }
    }

    static let mib = 1_048_576.0

    public static func run(sizes: Sizes, directory: String, progress: @escaping @Sendable (String) -> Void) async throws -> Figures {
        var quiet = Logger(label: "reformsync.bench")
        quiet.logLevel = .critical
        let hub = try Replica.create(path: directory + "/hub.sqlite", unit: "SNV", role: .hub)
        let service = try HubService(replica: hub, settings: HubSettings(maxBodyBytes: 64 << 20), logger: quiet)
        let operatorToken = try service.tokens.createOperator(note: "bench").token
        let sunk = Mutex(0)
        // The plain PUT: a bench-only operator route that stores the body as any file server
        // would — written to a file as it arrives, flushed to disk at the end — or, with
        // `?discard=1`, reads it and throws it away (the network and HTTP alone).
        let sinkPath = directory + "/plain-put.bin"
        return try await InProcessHub.serving(service, logger: quiet, routes: { operators in
            operators.put("bench/sink") { request, _ -> Response in
                let discard = request.uri.queryParameters["discard"] != nil
                let file = discard ? nil : try PosixFile.creating(sinkPath)
                var count = 0
                for try await buffer in request.body {
                    count += buffer.readableBytes
                    if let file { try buffer.withUnsafeReadableBytes { raw throws(FileStoreError) in try file.write(raw) } }
                }
                try file?.sync()
                sunk.withLock { $0 += count }
                return Response(status: .noContent)
            }
        }) { port in
            let base = "http://127.0.0.1:\(port)"
            var units = 0
            /// A fresh node of a fresh unit with one record, its store, a client and its file sync.
            func node(_ unit: String? = nil, url: String = base) throws -> (replica: Replica, store: FileStore, sync: FileSync, unit: String) {
                units += 1
                let unit = unit ?? "U\(units)"
                let folder = directory + "/node-\(units)"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let replica = try Replica.create(path: folder + "/replica.sqlite", unit: unit)
                try replica.put("assessment_scores", json: ["unit": .string(unit), "year": .integer(2024), "criterion": .string("1.1")])
                let token = try service.tokens.create(unit: unit).token
                let client = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: url, bearerToken: token, totalTimeout: 3_600,
                                                                                      userAgent: "reformsync-bench", retry: .none), logger: quiet)
                let store = FileStore(dataDirectory: folder)
                return (replica, store, FileSync(replica: replica, client: client, store: store, requestSeconds: 30, logger: quiet), unit)
            }
            func push(_ replica: Replica, _ unit: String, url: String = base) async throws {
                let token = try service.tokens.create(unit: unit).token
                let client = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: url, bearerToken: token, userAgent: "reformsync-bench"), logger: quiet)
                _ = try await SyncSession(replica: replica, client: client, logger: quiet).runOnce()
            }
            func attach(_ n: (replica: Replica, store: FileStore, sync: FileSync, unit: String), _ path: String) throws {
                _ = try EvidenceAttacher(replica: n.replica, store: n.store, limits: FileLimits(maxFileBytes: 1 << 40, quotaBytesPerYear: 1 << 44))
                    .attach(table: "assessment_scores", record: "\(n.unit)/2024/1.1", path: path)
            }

            // 1. Upload against a plain PUT of the same bytes, interleaved twice; the better run of each.
            progress("upload \(sizes.upload / (1 << 20)) MiB node → hub, and a plain PUT of the same bytes …")
            let uploadFile = try makeFile(directory + "/upload.pdf", size: sizes.upload, seed: 1)
            var uploadSeconds = Double.infinity, plainSeconds = Double.infinity, discardSeconds = Double.infinity
            for _ in 0..<2 {
                let n = try node()
                try attach(n, uploadFile)
                try await push(n.replica, n.unit)
                let started = Date()
                let report = try await n.sync.runOnce()
                uploadSeconds = min(uploadSeconds, Date().timeIntervalSince(started))
                guard report.uploadedFiles == 1 else { throw BenchError("the upload did not complete: \(report)") }
                let hash = try FileStore.hash(of: uploadFile).hash
                service.files.store.remove(hash)  // the next run uploads again
                let plain = try HubHTTPClient(configuration: HubClientConfiguration(baseURL: base, bearerToken: operatorToken, totalTimeout: 3_600,
                                                                                     userAgent: "reformsync-bench", retry: .none), logger: quiet)
                let plainStarted = Date()
                _ = try await plain.stream(HubRequest(method: "PUT", path: "/bench/sink"), source: try PlainFileSource(path: uploadFile))
                plainSeconds = min(plainSeconds, Date().timeIntervalSince(plainStarted))
                try? FileManager.default.removeItem(atPath: sinkPath)
                let discardStarted = Date()
                _ = try await plain.stream(HubRequest(method: "PUT", path: "/bench/sink?discard=1"), source: try PlainFileSource(path: uploadFile))
                discardSeconds = min(discardSeconds, Date().timeIntervalSince(discardStarted))
            }
            let uploadRate = Double(sizes.upload) / mib / uploadSeconds, plainRate = Double(sizes.upload) / mib / plainSeconds
            let discardRate = Double(sizes.upload) / mib / discardSeconds

            // 2. A capped link that cuts every few seconds.
            progress("\(sizes.poorLink / (1 << 20)) MiB through a 4 MB/s link cut every 2 s …")
            let proxy = try CuttingProxy(targetPort: port, bytesPerSecond: 4_000_000, cutAfterSeconds: 2)
            defer { proxy.stop() }
            let poorFile = try makeFile(directory + "/poor.pdf", size: sizes.poorLink, seed: 2)
            let poor = try node(url: "http://127.0.0.1:\(proxy.port)")
            try attach(poor, poorFile)
            try await push(poor.replica, poor.unit)
            let upBefore = proxy.bytesUp
            for _ in 0..<50 where try !(poor.replica.evidenceFiles().first?.uploaded ?? false) {
                do { _ = try await poor.sync.runOnce() } catch { try await Task.sleep(for: .milliseconds(100)) }
            }
            guard try poor.replica.evidenceFiles().first?.uploaded == true else { throw BenchError("the poor-link upload did not complete") }
            let overhead = Double(proxy.bytesUp - upBefore) / Double(sizes.poorLink)

            // 3. Peak memory while a large file goes up and another server of the unit downloads it.
            progress("\(sizes.rss / (1 << 20)) MiB up and down, watching peak RSS …")
            let bigFile = try makeFile(directory + "/big.pdf", size: sizes.rss, seed: 3)
            let up = try node()
            try attach(up, bigFile)
            try FileManager.default.removeItem(atPath: bigFile)  // (disk: the node's store holds it now)
            try await push(up.replica, up.unit)
            Memory.resetPeak()
            guard try await up.sync.runOnce().uploadedFiles == 1 else { throw BenchError("the large upload did not complete") }
            let down = try node(up.unit)
            try await push(down.replica, down.unit)  // pulls the evidence row
            guard try await down.sync.runOnce().downloadedFiles == 1 else { throw BenchError("the large download did not complete") }
            let peak = Memory.peakMegabytes()

            // 4. Seven units attach the same file.
            progress("seven units attach the same \(sizes.dedupe / (1 << 20)) MiB file …")
            let shared = try makeFile(directory + "/shared.pdf", size: sizes.dedupe, seed: 4)
            var sent = 0
            for _ in 0..<7 {
                let n = try node()
                try attach(n, shared)
                try await push(n.replica, n.unit)
                sent += try await n.sync.runOnce().bytesSent
            }
            return Figures(uploadMegabytes: Double(sizes.upload) / mib, uploadMbPerS: uploadRate, plainPutMbPerS: plainRate, plainPutDiscardMbPerS: discardRate,
                           uploadVsPlain: uploadRate / plainRate, poorLinkMegabytes: Double(sizes.poorLink) / mib, poorLinkCuts: proxy.cuts,
                           poorLinkOverhead: overhead, rssMegabytes: Double(sizes.rss) / mib, peakRssMb: peak,
                           dedupeMegabytes: Double(sizes.dedupe) / mib, dedupeBytesRatio: Double(sent) / Double(sizes.dedupe))
        }
    }

    /// A PDF-signed file of pseudo-random bytes (no link or store can shrink it), written 1 MiB at a time.
    static func makeFile(_ path: String, size: Int, seed: UInt64) throws -> String {
        let file = try PosixFile.creating(path)
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        var written = 0
        var block = [UInt8](repeating: 0, count: 1 << 20)
        while written < size {
            block.withUnsafeMutableBytes { raw in
                let words = raw.bindMemory(to: UInt64.self)
                for i in words.indices {
                    state &+= 0x9E37_79B9_7F4A_7C15
                    var z = state
                    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                    words[i] = z ^ (z >> 31)
                }
            }
            if written == 0 { block.replaceSubrange(0..<9, with: Array("%PDF-1.7\n".utf8)) }
            try file.write(Array(block.prefix(size - written)))
            written += min(block.count, size - written)
        }
        return path
    }
}

/// The plain PUT's body: the file's bytes as they are, 64 KiB at a time.
final class PlainFileSource: UploadSource {
    private let file: PosixFile
    init(path: String) throws { file = try PosixFile.reading(path) }
    func fill(_ buffer: UnsafeMutableRawBufferPointer) -> Int? { try? file.read(into: buffer) }
}

/// Peak resident memory of this process (Linux: VmHWM, reset through clear_refs).
enum Memory {
    static func resetPeak() {
        FileManager.default.createFile(atPath: "/proc/self/clear_refs", contents: nil)
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            handle.write(Data("5".utf8))
            try? handle.close()
        }
    }

    static func peakMegabytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? -1
            return kb / 1024
        }
        return -1
    }
}
