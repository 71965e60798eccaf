import Foundation
import ReformsyncTestSupport

/// A small W3C WebDriver client: JSON over HTTP to Debian's `chromedriver` (package
/// chromium-driver), driving headless Chromium. Just what the office-app tests use.
final class ChromeDriver: @unchecked Sendable {
    let port: Int
    let process = Process()
    let logPath: String

    /// Where chromedriver is, or nil (the tests then skip, unless REFORMSYNC_REQUIRE_BROWSER is set).
    static var executable: String? {
        for path in ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"] where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        return nil
    }

    static var required: Bool { ProcessInfo.processInfo.environment["REFORMSYNC_REQUIRE_BROWSER"].map { !$0.isEmpty && $0 != "0" } ?? false }

    init(logDirectory: String) throws {
        guard let executable = Self.executable else { throw TestFailure("chromedriver is not installed (apt-get install chromium-driver)") }
        port = try freePort()
        logPath = logDirectory + "/chromedriver.log"
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port=\(port)", "--log-path=\(logPath)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = monotonicSeconds() + 20
        while monotonicSeconds() < deadline {
            if let status = try? Self.call("GET", "http://127.0.0.1:\(port)/status"), (status["value"] as? [String: Any])?["ready"] as? Bool == true { return }
            usleep(100_000)
        }
        throw TestFailure("chromedriver did not become ready on port \(port) (log: \(logPath))")
    }

    deinit { stop() }

    func stop() {
        // chromedriver does not always exit on SIGTERM while a browser is starting: SIGKILL.
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    /// A new headless browser (its own profile, so its own cookies). `hostRules` maps names to
    /// 127.0.0.1 inside Chromium (a foreign Host header, as DNS rebinding would send).
    func session(width: Int = 1366, height: Int = 768, hostRules: String? = nil) throws -> BrowserSession {
        var args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=\(width),\(height)",
                    "--lang=vi-VN", "--hide-scrollbars", "--no-first-run", "--no-default-browser-check"]
        if let hostRules { args.append("--host-resolver-rules=\(hostRules)") }
        var options: [String: Any] = ["args": args]
        for binary in ["/usr/bin/chromium", "/usr/lib/chromium/chromium"] where FileManager.default.isExecutableFile(atPath: binary) {
            options["binary"] = binary
            break
        }
        let body: [String: Any] = ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]]
        let answer = try Self.call("POST", "http://127.0.0.1:\(port)/session", body)
        guard let value = answer["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            throw TestFailure("chromedriver refused a session: \(answer)")
        }
        return BrowserSession(base: "http://127.0.0.1:\(port)/session/\(id)")
    }

    /// One WebDriver command, synchronously (the tests are sequential scripts).
    static func call(_ method: String, _ url: String, _ body: [String: Any]? = nil, timeout: Double = 60) throws -> [String: Any] {
        // curl (libcurl) as a child process: a synchronous, dependable HTTP/1.1 client for a test script.
        var arguments = ["-s", "-S", "--max-time", String(Int(timeout)), "-X", method, url]
        var input = Data()
        if let body {
            input = try JSONSerialization.data(withJSONObject: body)
        } else if method == "POST" {
            input = Data("{}".utf8)
        }
        if method == "POST" { arguments += ["-H", "Content-Type: application/json", "--data-binary", "@-"] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        let output = Pipe(), errors = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw TestFailure("WebDriver \(method) \(url): curl exit \(process.terminationStatus) \(message)")
        }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestFailure("WebDriver \(method) \(url): no JSON answer")
        }
        if let value = object["value"] as? [String: Any], let error = value["error"] as? String {
            throw WebDriverError(error: error, message: value["message"] as? String ?? "")
        }
        return object
    }
}

struct WebDriverError: Error, CustomStringConvertible {
    var error: String
    var message: String
    var description: String { "WebDriver error \(error): \(message.prefix(300))" }
}

/// One browser (a WebDriver session).
final class BrowserSession: @unchecked Sendable {
    let base: String
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    init(base: String) { self.base = base }

    deinit { _ = try? ChromeDriver.call("DELETE", base) }

    @discardableResult
    func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> Any? {
        try ChromeDriver.call(method, base + path, body)["value"]
    }

    func open(_ url: String) throws { try command("POST", "/url", ["url": url]) }
    var url: String { (try? command("GET", "/url")) as? String ?? "" }
    var title: String { (try? command("GET", "/title")) as? String ?? "" }
    var source: String { (try? command("GET", "/source")) as? String ?? "" }

    /// The visible text of the whole page.
    /// The page's text. Right after a click submits a form the old page may be gone and the new
    /// one not yet there: it waits (up to 5 s) for a body with text rather than reading nothing.
    var text: String {
        for _ in 0..<50 {
            if let text = try? element("body").text, !text.isEmpty { return text }
            usleep(100_000)
        }
        return ""
    }

    /// The first element `css` selects. Right after a click that submits a form the new page may
    /// not be there yet: a missing element is looked for again for up to 5 s before it fails.
    func element(_ css: String) throws -> Element {
        var attempt = 0
        while true {
            do {
                guard let value = try command("POST", "/element", ["using": "css selector", "value": css]) as? [String: Any],
                      let id = value[Self.elementKey] as? String else { throw TestFailure("no element \(css) on \(url)") }
                return Element(session: self, id: id)
            } catch {
                attempt += 1
                guard attempt < 50 else { throw error }
                usleep(100_000)
            }
        }
    }

    func elements(_ css: String) throws -> [Element] {
        let list = try command("POST", "/elements", ["using": "css selector", "value": css]) as? [[String: Any]] ?? []
        return list.compactMap { $0[Self.elementKey] as? String }.map { Element(session: self, id: $0) }
    }

    func exists(_ css: String) -> Bool { ((try? elements(css)) ?? []).isEmpty == false }

    @discardableResult
    func script(_ source: String, _ args: [Any] = []) throws -> Any? {
        try command("POST", "/execute/sync", ["script": source, "args": args])
    }

    func resize(width: Int, height: Int) throws { try command("POST", "/window/rect", ["width": width, "height": height]) }

    /// A PNG of the viewport.
    func screenshot() throws -> Data {
        guard let text = try command("GET", "/screenshot") as? String, let data = Data(base64Encoded: text) else {
            throw TestFailure("no screenshot")
        }
        return data
    }

    /// Fills a form field (clears it first).
    func fill(_ css: String, _ value: String) throws {
        let field = try element(css)
        try field.clear()
        try field.type(value)
    }

    struct Element {
        let session: BrowserSession
        let id: String
        func click() throws { try session.command("POST", "/element/\(id)/click") }
        func clear() throws { try session.command("POST", "/element/\(id)/clear") }
        func type(_ text: String) throws { try session.command("POST", "/element/\(id)/value", ["text": text]) }
        var text: String { get throws { try session.command("GET", "/element/\(id)/text") as? String ?? "" } }
        var value: String { get throws { try session.command("GET", "/element/\(id)/property/value") as? String ?? "" } }
        var enabled: Bool { get throws { try session.command("GET", "/element/\(id)/enabled") as? Bool ?? false } }
    }
}

/// A free TCP port on 127.0.0.1 (bound then released).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw TestFailure("cannot find a free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
