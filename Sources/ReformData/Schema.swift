/// A versioned set of replicated tables.
///
/// Table and column names that arrive from the wire, a file or the command line are only ever
/// used in SQL after ``table(_:)`` and ``TableSchema/column(_:)`` found them here.
public struct Schema: Sendable {
    public var version: Int
    public var tables: [TableSchema]
    private var byName: [String: Int]

    public init(version: Int, tables: [TableSchema]) {
        self.version = version
        self.tables = tables
        self.byName = Dictionary(uniqueKeysWithValues: tables.enumerated().map { ($1.name, $0) })
    }

    public func table(_ name: String) -> TableSchema? {
        byName[name].map { tables[$0] }
    }

    public var tableNames: [String] { tables.map(\.name) }
}
