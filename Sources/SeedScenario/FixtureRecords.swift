import CRDT
import ReformData

/// A field value in a fixture, written as a literal (`"Sở Tư pháp"`, `2021`, `81.99`, `true`, `nil`).
enum FixtureValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
                   ExpressibleByBooleanLiteral, ExpressibleByNilLiteral {
    case json(JSONValue)

    init(stringLiteral value: String) { self = .json(.string(value)) }
    init(integerLiteral value: Int) { self = .json(.integer(Int64(value))) }
    init(floatLiteral value: Double) { self = .json(.double(value)) }
    init(booleanLiteral value: Bool) { self = .json(.bool(value)) }
    init(nilLiteral: ()) { self = .json(.null) }

    static func text(_ value: String?) -> FixtureValue { value.map { .json(.string($0)) } ?? nil }
    static func int(_ value: Int?) -> FixtureValue { value.map { .json(.integer(Int64($0))) } ?? nil }
    static func real(_ value: Double?) -> FixtureValue { value.map { .json(.double($0)) } ?? nil }
    /// Points kept as whole hundredths, so fixture sums are exact.
    static func cents(_ value: Int?) -> FixtureValue { value.map { .json(.double(Double($0) / 100)) } ?? nil }

    var json: JSONValue { if case .json(let value) = self { return value }; return .null }
}

/// Builds fixture records through the schema's own validator: NFC text, typed values, derived keys.
/// A fixture that breaks the schema is a programming error and stops the program with the reason.
enum Fixture {
    static func record(_ table: String, _ fields: KeyValuePairs<String, FixtureValue>) -> ValidatedRecord {
        guard let schema = ReformSchema.v1.table(table) else { fatalError("seed fixture: no table \(table)") }
        var object: [String: JSONValue] = [:]
        for (name, value) in fields where value.json != .null { object[name] = value.json }
        do {
            return try RecordValidator(table: schema).validate(json: object)
        } catch {
            fatalError("seed fixture \(table): \(error)")
        }
    }
}

/// The fixtures' generator, seeded from a unit code: fixture variety that is the same on every
/// machine and every run.
typealias FixtureRandom = SplitMix64

extension SplitMix64 {
    init(_ text: String) { self.init(seedText: text) }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }

    /// Fisher–Yates, with this generator.
    mutating func shuffled<T>(_ items: [T]) -> [T] {
        var items = items
        for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, below(i + 1)) }
        return items
    }
}
