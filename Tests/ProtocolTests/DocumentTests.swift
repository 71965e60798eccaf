import CRDT
import Foundation
import Hub
import HubClient
import ReformData
import Testing
import WireProtocol

/// Keeps Protocol/README.md and Protocol/schema-v1.md true to the code.
@Suite("Protocol/README.md and schema-v1.md match the code")
struct DocumentTests {
    /// A ```json block of the README and the message type its `<!-- vector: Type -->` marker names.
    struct Example: CustomStringConvertible {
        var type: String?
        var line: Int
        var text: String
        var description: String { "README.md line \(line) (\(type ?? "untagged"))" }
    }

    static func examples() throws -> [Example] {
        let lines = try String(contentsOf: ProtocolFiles.readme, encoding: .utf8).components(separatedBy: "\n")
        var examples: [Example] = []
        var pendingType: String?
        var index = 0
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("<!-- vector:") {
                pendingType = line.dropFirst("<!-- vector:".count).replacingOccurrences(of: "-->", with: "").trimmingCharacters(in: .whitespaces)
            } else if line == "```json" {
                let start = index + 1
                var end = start
                while end < lines.count && lines[end].trimmingCharacters(in: .whitespaces) != "```" { end += 1 }
                examples.append(Example(type: pendingType, line: start, text: lines[start..<end].joined(separator: "\n")))
                pendingType = nil
                index = end
            } else if !line.isEmpty {
                pendingType = nil  // the marker must come right before its block
            }
            index += 1
        }
        return examples
    }

    /// Decoders by the names the README's markers use; each returns the value re-encoded.
    static let decoders: [String: @Sendable ([UInt8]) throws -> [UInt8]] = [
        "HealthResponse": { try WireJSON.encode(try WireJSON.decode(HealthResponse.self, from: $0, what: "health")) },
        "HandshakeRequest": { try WireJSON.encode(try WireJSON.decode(HandshakeRequest.self, from: $0, what: "handshake")) },
        "HandshakeResponse": { try WireJSON.encode(try WireJSON.decode(HandshakeResponse.self, from: $0, what: "handshake response")) },
        "PushRequest": {
            let push = try WireJSON.decode(PushRequest.self, from: $0, what: "push")
            _ = try push.changes.decodedChanges()
            return try WireJSON.encode(push)
        },
        "PushResponse": { try WireJSON.encode(try WireJSON.decode(PushResponse.self, from: $0, what: "push response")) },
        "PullResponse": {
            let page = try WireJSON.decode(PullResponse.self, from: $0, what: "pull response")
            _ = try page.changes.decodedChanges()
            return try WireJSON.encode(page)
        },
        "ChangeSet": {
            let set = try WireJSON.decode(ChangeSet.self, from: $0, what: "change set")
            _ = try set.decodedChanges()
            return try WireJSON.encode(set)
        },
        "RefusedChange": { try WireJSON.encode(try WireJSON.decode(RefusedChange.self, from: $0, what: "refused change")) },
        "WireCursor": { try WireJSON.encode(try WireJSON.decode(WireCursor.self, from: $0, what: "cursor")) },
        "ErrorResponse": { try WireJSON.encode(try WireJSON.decode(ErrorResponse.self, from: $0, what: "error")) },
        "FileStatusRequest": { try WireJSON.encode(try WireJSON.decode(FileStatusRequest.self, from: $0, what: "files status")) },
        "FileStatusResponse": { try WireJSON.encode(try WireJSON.decode(FileStatusResponse.self, from: $0, what: "files status answer")) },
        "FileUploadResponse": { try WireJSON.encode(try WireJSON.decode(FileUploadResponse.self, from: $0, what: "upload answer")) },
    ]

    @Test("every JSON example of the README decodes as the message it claims to be, with no field lost")
    func examplesDecode() throws {
        let examples = try Self.examples()
        #expect(examples.count >= 10, "the README shows \(examples.count) JSON examples")
        for example in examples {
            guard let type = example.type else {
                Issue.record("\(example): a ```json block needs a <!-- vector: Type --> line right before it")
                continue
            }
            guard let decode = Self.decoders[type] else {
                Issue.record("\(example): unknown type \(type); known: \(Self.decoders.keys.sorted().joined(separator: ", "))")
                continue
            }
            do {
                let original = try JSONValue.parse(Array(example.text.utf8), what: "\(example)")
                let again = try JSONValue.parse(try decode(Array(example.text.utf8)), what: "\(example) re-encoded")
                // A misspelt optional field would be ignored by the decoder: the round trip shows it.
                let lost = Placeholder.differences(expected: original.withoutNullMembers, actual: again.withoutNullMembers)
                #expect(lost.isEmpty, "\(example) does not survive decoding as \(type):\n\(lost.joined(separator: "\n"))")
            } catch let error as WireError {
                Issue.record("\(example) is not a valid \(type): \(error.message)")
            }
        }
        let shown = Set(examples.compactMap(\.type))
        for type in ["HealthResponse", "HandshakeRequest", "HandshakeResponse", "PushRequest", "PushResponse", "PullResponse", "ChangeSet", "ErrorResponse"] {
            #expect(shown.contains(type), "the README shows no \(type)")
        }
    }

    /// The stable codes in the sources: refusal codes of the write policy, error codes of the hub.
    static func codesInSources() throws -> Set<String> {
        let sources = ProtocolFiles.packageRoot.appendingPathComponent("Sources")
        let files = ["ReformData/WritePolicy.swift", "Hub/HubError.swift", "Hub/HubService.swift", "Hub/HubServer.swift",
                     "Hub/HubGuards.swift", "Hub/NodeRegistry.swift", "Hub/HubErrorMiddleware.swift", "Hub/HubFiles.swift"]
        let pattern = try NSRegularExpression(pattern: #"(?:Refusal\(|code: )"([a-z_]+)""#)
        var codes: Set<String> = []
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                codes.insert(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        return codes
    }

    @Test("the README documents every refusal code and every error code the hub sends")
    func codesDocumented() throws {
        let readme = try String(contentsOf: ProtocolFiles.readme, encoding: .utf8)
        let codes = try Self.codesInSources()
        #expect(codes.isSuperset(of: ["unknown_table", "unknown_column", "bad_value", "hub_only", "not_owner", "append_only", "clock_skew",
                                      "bad_request", "unauthorized", "forbidden", "body_too_large", "batch_too_large",
                                      "unsupported_encoding", "protocol_unsupported", "schema_mismatch", "internal"]),
                "the source scan found \(codes.sorted())")
        for code in codes.sorted() {
            #expect(readme.contains("`\(code)`"), "Protocol/README.md does not mention `\(code)`")
        }
    }

    @Test("every vector file the README links to exists")
    func vectorLinks() throws {
        let readme = try String(contentsOf: ProtocolFiles.readme, encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"\(vectors/([a-z-]+(?:/[A-Za-z0-9._-]+)?\.json)\)"#)
        let links = pattern.matches(in: readme, range: NSRange(readme.startIndex..., in: readme))
            .map { String(readme[Range($0.range(at: 1), in: readme)!]) }
        #expect(links.count >= 10, "the README links to \(links.count) vector files")
        for link in Set(links).sorted() {
            let url = ProtocolFiles.root.appendingPathComponent("vectors").appendingPathComponent(link)
            #expect(FileManager.default.fileExists(atPath: url.path), "README.md links to vectors/\(link), which does not exist")
        }
    }

    @Test("the numbers the README states are the code's")
    func constants() throws {
        let readme = try String(contentsOf: ProtocolFiles.readme, encoding: .utf8)
        let hub = HubSettings()
        let retry = RetryPolicy()
        let client = HubClientConfiguration(baseURL: "https://hub.example")
        let stated: [(String, String)] = [
            ("protocol version", "`\(ProtocolVersion.current)`"),
            ("format name", "`\(ChangeSet.formatName)`"),
            ("schema version", "schema version \(ReformSchema.version)"),
            ("max_body_bytes default", "`\(hub.maxBodyBytes)`"),
            ("max_batch_changes default of HubSettings", "`\(hub.maxBatchChanges)`"),
            ("max_clock_skew_ms default", "`\(hub.maxClockSkewMillis)`"),
            ("retry attempts", "\(retry.maxAttempts) attempts"),
            ("retry initial delay", "\(retry.initialDelay) s"),
            ("retry maximum delay", "\(Int(retry.maxDelay)) s"),
            ("retry jitter", "±\(Int(retry.jitter * 100)) %"),
            ("request compression threshold", "\(client.compressRequestsAbove ?? 0) bytes"),
            ("sync batch changes", "\(2_000) changes"),
        ]
        for (what, text) in stated {
            #expect(readme.contains(text), "README.md should state the \(what) as \"\(text)\"")
        }
        #expect(retry.multiplier == 2, "README.md says the delay doubles")
        // §3.1's worked example of the HLC packing.
        let hlc = HLC(rawValue: 117_684_457_973_743_616)
        #expect(hlc == HLC(millis: 1_795_722_320_156, counter: 0) && hlc.description == "1795722320156.0")
        #expect(readme.contains("`117684457973743616` is\n`1795722320156 << 16`"))
    }

    @Test("the README's read-scope table lists each table under its scope")
    func readScopes() throws {
        let readme = try String(contentsOf: ProtocolFiles.readme, encoding: .utf8)
        for scope in [ReadScope.everyone, .owner, .assigned] {
            let line = try #require(readme.components(separatedBy: "\n").first { $0.hasPrefix("| `\(scope.rawValue)` |") },
                                    "README.md §11 has no row for `\(scope.rawValue)`")
            let lastCell = line.split(separator: "|").last.map(String.init) ?? ""
            let listed = Set(lastCell.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) })
            let declared = Set(ReformSchema.v1.tables.filter { $0.readScope == scope }.map(\.name))
            #expect(listed == declared, "README.md §11, scope \(scope.rawValue): lists \(listed.sorted()), the schema has \(declared.sorted())")
        }
    }

    @Test("schema-v1.md is the schema the code declares")
    func schemaReference() throws {
        let rendered = Self.render(ReformSchema.v1)
        if recordingVectors {
            try Data(rendered.utf8).write(to: ProtocolFiles.schemaReference)
            return
        }
        let file = try String(contentsOf: ProtocolFiles.schemaReference, encoding: .utf8)
        #expect(file == rendered, "Protocol/schema-v1.md differs from ReformSchema.v1; regenerate it with REFORMSYNC_RECORD_VECTORS=1")
    }

    static func render(_ schema: Schema) -> String {
        func writer(_ w: Writer) -> String { w == .hub ? "hub" : "owner" }
        func number(_ d: Double) -> String { d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d) }
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        var out = """
            # reformsync schema version \(schema.version)

            The tables and fields every replica of schema version \(schema.version) holds, generated from
            `Sources/ReformData/ReformSchema.swift` and checked by `Tests/ProtocolTests` (regenerate with
            `REFORMSYNC_RECORD_VECTORS=1 swift test --filter ProtocolTests`). How to read it: README.md §2, §10, §11.

            - **Key**: the fields whose values, joined by `/`, make the row key `id`; "given" when the writer supplies `id`.
            - **Owner**: the field naming the unit that owns a row (kept on deleted rows too).
            - **Rows by**: who may create and delete rows (`hub`, or `owner`: the unit the owner field names).
            - **Written by**: who may write a field (`hub`, or `owner`).

            | Table | Key | Owner | Rows by | Lifecycle | Read scope |
            |---|---|---|---|---|---|

            """
        for table in schema.tables {
            let key = table.keyColumns.isEmpty ? "given" : table.keyColumns.map { "`\($0)`" }.joined(separator: " / ")
            out += "| [`\(table.name)`](#\(table.name)) | \(key) | \(table.ownerColumn.map { "`\($0)`" } ?? "—") | \(writer(table.rowWriter)) "
                + "| \(table.lifecycle == .appendOnly ? "append-only" : "deletable") | \(table.readScope.rawValue) |\n"
        }
        for table in schema.tables {
            out += "\n## \(table.name)\n\n\(table.doc)\n\n"
            out += "| Field | Type | Required | Written by | Allowed values | Range | References | Meaning |\n|---|---|---|---|---|---|---|---|\n"
            for column in table.columns {
                let allowed = column.allowedValues.map { $0.map { "`\($0)`" }.joined(separator: ", ") } ?? ""
                let range = column.range.map { "\(number($0.lowerBound))…\(number($0.upperBound))" } ?? ""
                out += "| `\(column.name)` | \(column.type.rawValue) | \(column.required ? "yes" : "") | \(writer(column.writer)) | \(allowed) "
                    + "| \(range) | \(column.references.map { "`\($0)`" } ?? "") | \(cell(column.doc)) |\n"
            }
        }
        return out
    }
}
