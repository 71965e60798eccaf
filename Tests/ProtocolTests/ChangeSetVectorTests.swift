import CRDT
import Foundation
import GRDB
import ReformData
import Replica
import Testing
import WireProtocol

/// One file of `Protocol/vectors/change-sets/`.
struct ChangeSetVector: Decodable {
    var description: String
    var changesets: [ChangeSet]
    var expected: [String]
}

@Suite("Protocol/vectors/change-sets: what a replica holds after merging change sets")
struct ChangeSetVectorTests {
    static let files = ProtocolFiles.vectors("change-sets")

    @Test("the change-set vectors are there")
    func present() {
        #expect(Self.files.count >= 10, "Protocol/vectors/change-sets holds \(Self.files.count) vectors")
    }

    /// Applies the sets to fresh in-memory replicas in several orders (as given, reversed, every
    /// set twice, one change at a time backwards, all in one transaction); every order must give
    /// the expected canonical dump, compared byte for byte (so NFC normalisation is checked too).
    @Test("each vector converges to its expected dump in every delivery order", arguments: files)
    func vector(_ name: String) throws {
        let url = ProtocolFiles.vector("change-sets", name)
        let vector = try JSONDecoder().decode(ChangeSetVector.self, from: Data(contentsOf: url))
        #expect(!vector.description.isEmpty, "\(name) needs a description")
        let decoded = try vector.changesets.map { set in try set.decodedChanges() }
        let indices = Array(decoded.indices)
        var orders: [(String, [[Change]])] = [
            ("as given", indices.map { decoded[$0].changes }),
            ("reversed", indices.reversed().map { decoded[$0].changes }),
            ("every set twice", (indices + indices.reversed()).map { decoded[$0].changes }),
            ("one change at a time, backwards", decoded.flatMap(\.changes).reversed().map { [$0] }),
            ("all in one transaction", [decoded.flatMap(\.changes)]),
        ]
        if decoded.count > 2 {
            // The middle set first, then the others: out of order in yet another way.
            let middle = decoded.count / 2
            orders.append(("middle first", ([middle] + indices.filter { $0 != middle }).map { decoded[$0].changes }))
        }
        let siteUnits = decoded.reduce(into: [SiteID: String]()) { $0.merge($1.siteUnits) { a, _ in a } }
        var dumps: [String: [String]] = [:]
        for (label, batches) in orders {
            let replica = try Replica.create(writer: DatabaseQueue(), unit: "VECTORS")
            for batch in batches { try replica.apply(batch, siteUnits: siteUnits) }
            let dump = try replica.canonicalDump()
            dumps[label] = dump.isEmpty ? [] : dump.components(separatedBy: "\n")
        }
        let actual = dumps["as given"]!
        for (label, lines) in dumps.sorted(by: { $0.key < $1.key }) {
            // Byte comparison: Swift's String == treats NFD and NFC as equal.
            #expect(Self.sameBytes(lines, actual), "\(name): \(label) differs from the order as given:\n\(lines.joined(separator: "\n"))")
        }
        if recordingVectors {
            var object = try JSONValue.read(url).object ?? [:]
            object["expected"] = .array(actual.map(JSONValue.string))
            try VectorWriter.write(.object(object), to: url)
            return
        }
        #expect(Self.sameBytes(actual, vector.expected),
                "\(name): expected\n\(vector.expected.joined(separator: "\n"))\ngot\n\(actual.joined(separator: "\n"))")
    }

    static func sameBytes(_ a: [String], _ b: [String]) -> Bool {
        a.map { Array($0.utf8) } == b.map { Array($0.utf8) }
    }

    /// `Protocol/vectors/invalid-change-sets.json`: sets a receiver must reject as a whole.
    @Test("every invalid change set is rejected, with the expected reason")
    func invalid() throws {
        let url = ProtocolFiles.root.appendingPathComponent("vectors/invalid-change-sets.json")
        let file = try JSONValue.read(url)
        let cases = try #require(file["cases"]?.array)
        #expect(cases.count >= 10)
        for (index, item) in cases.enumerated() {
            let what = item["description"]?.string ?? "case \(index)"
            let reason = try #require(item["error"]?.string, "\(what): needs an error")
            // `changeset_text` holds JSON that must reach the decoder as written (numbers beyond 2^63).
            let bytes: [UInt8]
            if let text = item["changeset_text"]?.string {
                bytes = Array(text.utf8)
            } else {
                bytes = try #require(item["changeset"], "\(what): needs a changeset or a changeset_text").encoded()
            }
            // The hand-written reader the hub and nodes use, and JSONDecoder, must both refuse it.
            let readers: [(String, ([UInt8]) throws(WireError) -> ChangeSet)] = [
                ("hand-written", { bytes throws(WireError) in try WireJSON.decode(ChangeSet.self, from: bytes, what: "changes") }),
                ("JSONDecoder", { bytes throws(WireError) in try WireJSON.decodeWithFoundation(ChangeSet.self, from: bytes, what: "changes") }),
            ]
            for (reader, read) in readers {
                do throws(WireError) {
                    _ = try read(bytes).decodedChanges()
                    Issue.record("\(what) (\(reader)): accepted, but it should fail with \"\(reason)\"")
                } catch {
                    #expect(error.message.contains(reason), "\(what) (\(reader)): failed with \"\(error.message)\", expected it to mention \"\(reason)\"")
                }
            }
            // And straight into changes, as the hub reads a push and a node a pull page.
            do throws(WireError) {
                _ = try WireJSON.read(ReceivedChangeSet.self, from: bytes, what: "changes").resolved()
                Issue.record("\(what) (straight into changes): accepted, but it should fail with \"\(reason)\"")
            } catch {
                #expect(error.message.contains(reason), "\(what) (straight into changes): failed with \"\(error.message)\", expected \"\(reason)\"")
            }
        }
    }
}
