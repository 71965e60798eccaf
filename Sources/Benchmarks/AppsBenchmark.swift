#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `reformsync bench apps`: the unit's office app as the clerk's browser meets it — the real hub
/// and daemon as processes, the full 2021 criteria tree scored, 100 evidence files attached —
/// timing over loopback HTTP the self-assessment page of the year and the saving of one criterion.
public enum AppsBenchmark {
    public struct Figures: Codable, Sendable {
        public var requests: Int
        public var evidenceFiles: Int
        public var criteria: Int
        public var pageBytes: Int
        public var pageP50Milliseconds: Double
        public var pageP99Milliseconds: Double
        public var saveP50Milliseconds: Double
        public var saveP99Milliseconds: Double

        enum CodingKeys: String, CodingKey {
            case requests, evidenceFiles = "evidence_files", criteria, pageBytes = "page_bytes"
            case pageP50Milliseconds = "page_p50_ms", pageP99Milliseconds = "page_p99_ms"
            case saveP50Milliseconds = "save_p50_ms", saveP99Milliseconds = "save_p99_ms"
        }
    }

    typealias Failure = DaemonBenchmark.Failure

    public static func run(binary: String, directory: String, reference: String, requests: Int = 300, files: Int = 100,
                           progress: @escaping @Sendable (String) -> Void) throws -> Figures {
        func path(_ name: String) -> String { directory + "/" + name }
        @discardableResult func run(_ executable: String, _ arguments: [String], _ stdin: String?) throws -> String {
            try DaemonBenchmark.runQuietly(executable, arguments, stdin: stdin)
        }
        try "role: hub\nunit: SNV\ndata_dir: \(path("hub"))\nlog_level: error\nserver:\n  port: 0\n".write(toFile: path("hub.yaml"), atomically: true, encoding: .utf8)
        try run(binary, ["init", "--config", path("hub.yaml"), "--unit", "SNV", "--role", "hub"], nil)
        try run(binary, ["hub", "load", reference, "--config", path("hub.yaml")], nil)
        try run(binary, ["record", "put", "units", #"{"id":"SONDUONG","valid_to":null}"#, "--config", path("hub.yaml")], nil)
        let year = Calendar(identifier: .gregorian).component(.year, from: Date())
        try run(binary, ["season", "set", "--year", "2021", "--self-assessment-until", "\(year + 1)-12-31", "--config", path("hub.yaml")], nil)
        let token = try run(binary, ["hub", "token", "create", "--config", path("hub.yaml"), "--unit", "SONDUONG"], nil)
            .split(separator: "\n").last.map(String.init) ?? ""
        let hub = try DaemonBenchmark.start(binary, ["hub", "--config", path("hub.yaml")], output: path("hub.out"))
        defer { hub.terminate(); hub.waitUntilExit() }
        let hubURL = try DaemonBenchmark.waitForLine(in: path("hub.out"), prefix: "listening on ", process: hub)
        let port = try DaemonBenchmark.freePort()
        try "role: node\nunit: SONDUONG\ndata_dir: \(path("node"))\nlog_level: error\nhub:\n  url: \(hubURL)\n  token: \(token)\napi:\n  port: \(port)\nsync:\n  interval: 86400\n  debounce: 3600\n"
            .write(toFile: path("node.yaml"), atomically: true, encoding: .utf8)
        try run(binary, ["init", "--config", path("node.yaml"), "--unit", "SONDUONG"], nil)
        try run(binary, ["sync", "--once", "--config", path("node.yaml")], nil)
        try "mật khẩu đo hiệu năng\n".write(toFile: path("password"), atomically: true, encoding: .utf8)
        try run(binary, ["users", "add", "lan", "--role", "clerk", "--password-stdin", "--config", path("node.yaml")], path("password"))

        // Every leaf the unit scores, at its maximum.
        let criteria = try String(contentsOfFile: reference + "/criteria.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init) }
        let parents = Set(criteria.map { $0[2] })
        let leaves = criteria.filter { !parents.contains($0[0]) && $0[8] != "có" && $0[7] != "department" }
        try ("unit;year;criterion;self_score;self_note\n" + leaves.map { "SONDUONG;2021;\($0[0]);0;Ghi chú của tiêu chí \($0[4])" }.joined(separator: "\n") + "\n")
            .write(toFile: path("scores.csv"), atomically: true, encoding: .utf8)
        try run(binary, ["import-csv", "assessment_scores", path("scores.csv"), "--config", path("node.yaml")], nil)

        let daemon = try DaemonBenchmark.start(binary, ["daemon", "--config", path("node.yaml")], output: path("daemon.out"))
        defer { daemon.terminate(); daemon.waitUntilExit() }
        _ = try DaemonBenchmark.waitForLine(in: path("daemon.out"), prefix: "daemon running", process: daemon)
        let apiToken = try run(binary, ["api-token", "--config", path("node.yaml")], nil).trimmingCharacters(in: .whitespacesAndNewlines)
        progress("attaching \(files) evidence files through the local API")
        for index in 0..<files {
            let leaf = leaves[index % leaves.count][0]
            let body = Array("%PDF-1.4\n% tài liệu kiểm chứng số \(index)\n%%EOF\n".utf8)
            let name = "Tài liệu \(index).pdf".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "x.pdf"
            let answer = try HTTP.exchange(port: port, "POST", "/records/assessment_scores/files?id=SONDUONG/2021/\(leaf)&name=\(name)",
                                           headers: ["Authorization": "Bearer \(apiToken)", "Content-Type": "application/pdf"], body: body)
            guard answer.status == 200 else { throw Failure(description: "attaching a file answered \(answer.status): \(String(decoding: answer.body.prefix(300), as: UTF8.self))") }
        }

        let form = "username=lan&password=" + ("mật khẩu đo hiệu năng".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        let login = try HTTP.exchange(port: port, "POST", "/app/login", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Array(form.utf8))
        guard login.status == 303, let cookie = login.headers["set-cookie"]?.split(separator: ";").first.map(String.init) else {
            throw Failure(description: "login answered \(login.status)")
        }
        let first = try HTTP.exchange(port: port, "GET", "/app/tu-danh-gia?nam=2021", headers: ["Cookie": cookie])
        let page = String(decoding: first.body, as: UTF8.self)
        guard first.status == 200, let range = page.range(of: #"name="_csrf" value="[^"]+""#, options: .regularExpression) else {
            throw Failure(description: "the self-assessment page answered \(first.status)")
        }
        let csrf = page[range].dropFirst(#"name="_csrf" value=""#.count).dropLast()
        let shownFiles = page.components(separatedBy: "class=\"file\"").count - 1
        guard shownFiles == files else { throw Failure(description: "the page lists \(shownFiles) evidence files, not \(files)") }

        progress("timing \(requests) page views and \(requests) saves")
        var pages: [Double] = [], saves: [Double] = []
        for index in 0..<requests {
            var start = DispatchTime.now().uptimeNanoseconds
            let view = try HTTP.exchange(port: port, "GET", "/app/tu-danh-gia?nam=2021", headers: ["Cookie": cookie])
            pages.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            guard view.status == 200 else { throw Failure(description: "page view answered \(view.status)") }
            let leaf = leaves[index % leaves.count]
            let body = "_csrf=\(csrf)&nam=2021&criterion=\(leaf[0])&self_score=\(index % 2 == 0 ? "0" : leaf[6])&self_note=L%E1%BA%A7n+\(index)&evidence="
            start = DispatchTime.now().uptimeNanoseconds
            let save = try HTTP.exchange(port: port, "POST", "/app/tu-danh-gia/diem", headers: ["Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"],
                                         body: Array(body.utf8))
            saves.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            guard save.status == 303 else { throw Failure(description: "saving \(leaf[0]) answered \(save.status): \(String(decoding: save.body.prefix(400), as: UTF8.self))") }
        }
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
        return Figures(requests: requests, evidenceFiles: files, criteria: criteria.count, pageBytes: first.body.count,
                       pageP50Milliseconds: percentile(pages, 0.5), pageP99Milliseconds: percentile(pages, 0.99),
                       saveP50Milliseconds: percentile(saves, 0.5), saveP99Milliseconds: percentile(saves, 0.99))
    }
}

/// One HTTP/1.1 exchange over a fresh loopback connection (`Connection: close`), as a browser's
/// request costs at least: for the benchmark only.
enum HTTP {
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    static func exchange(port: Int, _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []) throws -> Answer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DaemonBenchmark.Failure(description: "socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 } }
        guard connected else { throw DaemonBenchmark.Failure(description: "cannot connect to 127.0.0.1:\(port)") }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let request = Array((head + "\r\n").utf8) + body
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw DaemonBenchmark.Failure(description: "send failed") }
            sent += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response.append(contentsOf: buffer[0..<n])
        }
        guard let split = MultipartSearch.find(Array("\r\n\r\n".utf8), in: response) else { throw DaemonBenchmark.Failure(description: "no HTTP answer") }
        let lines = String(decoding: response[0..<split], as: UTF8.self).split(separator: "\r\n")
        let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Answer(status: status, headers: fields, body: Array(response[(split + 4)...]))
    }
}

enum MultipartSearch {
    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}
