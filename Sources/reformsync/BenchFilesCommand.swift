import ArgumentParser
import Benchmarks
import Foundation

struct BenchFilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files",
        abstract: "Evidence files node → hub on loopback against a plain PUT, a cutting link's overhead, peak memory, dedupe.",
        discussion: """
            Runs a real hub (Hummingbird, 127.0.0.1) and nodes in this process, with the libcurl client, in a fresh \
            temporary folder (removed afterwards; it needs about 2 × --rss-mib + 4 × --upload-mib of disk). Targets \
            (Protocol/README.md §16):
              upload_mb_per_s vs plain_put_mb_per_s: a --upload-mib file uploaded by the node's file step (status, chunk \
            frames, each chunk hashed, the whole file hashed at the hub, flushed, renamed) against the same bytes in one \
            plain HTTP PUT to a bench-only operator route of the same server that writes them to a file and flushes \
            it, as any file server stores an upload; the better of two interleaved runs each. upload_vs_plain ≥ 0.7. \
            plain_put_discard_mb_per_s is the same PUT into a route that throws the bytes away (loopback and HTTP \
            alone, no disk): the ceiling, for reference.
              poor_link_overhead: bytes that went up ÷ file size for a --poor-mib file through a proxy capped at 4 MB/s \
            that cuts every connection after 2 s. ≤ 1.05.
              peak_rss_mb: this process's peak resident memory (VmHWM, reset first) while a --rss-mib file goes up and \
            another server of the unit downloads it. ≤ 80.
              dedupe_bytes_ratio: bytes on the wire of the file steps when seven units attach the same --dedupe-mib file, \
            ÷ its size. ≤ 1.1.
            Build with -c release for meaningful figures. The last line is one JSON object.
            """
    )
    @Option(help: "MiB uploaded against the plain PUT.") var uploadMib = 100
    @Option(help: "MiB sent through the cutting link.") var poorMib = 20
    @Option(help: "MiB sent up and down while memory is watched.") var rssMib = 500
    @Option(help: "MiB attached by seven units.") var dedupeMib = 10

    func validate() throws {
        for (name, value) in [("--upload-mib", uploadMib), ("--poor-mib", poorMib), ("--rss-mib", rssMib), ("--dedupe-mib", dedupeMib)] {
            guard (1...4_096).contains(value) else { throw ValidationError("\(name) must be from 1 to 4096, got \(value)") }
        }
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reformsync-bench-files-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let figures = try await FileBenchmark.run(sizes: .init(upload: uploadMib << 20, poorLink: poorMib << 20, rss: rssMib << 20, dedupe: dedupeMib << 20),
                                                  directory: directory) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        func f(_ x: Double) -> String { String(format: "%.2f", x) }
        print("upload:      \(f(figures.uploadMbPerS)) MB/s for \(uploadMib) MiB; plain PUT stored \(f(figures.plainPutMbPerS)) MB/s; ratio \(f(figures.uploadVsPlain)) (target ≥ 0.7)")
        print("             (plain PUT discarded, no disk: \(f(figures.plainPutDiscardMbPerS)) MB/s)")
        print("poor link:   \(poorMib) MiB over \(figures.poorLinkCuts) cuts: \(String(format: "%.3f", figures.poorLinkOverhead)) × the file on the wire (target ≤ 1.05)")
        print("memory:      peak RSS \(f(figures.peakRssMb)) MB while \(rssMib) MiB went up and down (target ≤ 80)")
        print("dedupe:      seven units, one \(dedupeMib) MiB file: \(String(format: "%.3f", figures.dedupeBytesRatio)) × the file on the wire (target ≤ 1.1)")
        try JSONOutput.print(figures, pretty: false)
    }
}
