import Foundation
import ReformData

/// Checks a set of reference records as a whole, against itself and what the hub already stores:
/// each record given once, new records complete, every reference resolvable (a criterion's
/// methodology and parent), the criteria tree well formed (field → criterion → sub-criterion of one
/// method), codes unique (unit codes even in letter case, criterion codes within a method, service
/// numbers), and date and year ranges in order.
///
/// References are checked here rather than by the replica because merges never check them
/// (a row may arrive before what it names); a hub's own reference data has no such excuse.
struct ReferenceCheck {
    typealias Values = [String: CRDTValue]

    /// Live stored records: table → key → values.
    let stored: [String: [String: Values]]
    private(set) var problems: [ReferenceProblem] = []
    /// The records to write: first occurrences only, in file order.
    private(set) var accepted: [StagedRecord] = []
    /// Stored values overlaid with the files' values: what the hub will hold after the load.
    private(set) var merged: [String: [String: Values]] = [:]

    init(stored: [String: [String: Values]]) {
        self.stored = stored
        self.merged = stored
    }

    mutating func check(_ records: [StagedRecord]) {
        var first: [String: StagedRecord] = [:]
        for staged in records {
            let id = staged.table.name + "\u{0}" + staged.key
            if let earlier = first[id] {
                if earlier.file == staged.file {
                    problem(staged, "id", "\(staged.table.name).id: record '\(staged.key)' is already on line \(earlier.line); give each record once")
                } else if let field = Set(earlier.values.keys).union(staged.values.keys).sorted()
                            .first(where: { (earlier.values[$0] ?? .null) != (staged.values[$0] ?? .null) }) {
                    // The same record in two files (e.g. the units of two years) is fine when they agree.
                    problem(staged, field, "\(staged.table.name).\(field): record '\(staged.key)' is also on \(earlier.file):\(earlier.line) with "
                        + "\(field) \(earlier.values[field] ?? .null) (here \(staged.values[field] ?? .null)); give it once, or the same values")
                }
                continue
            }
            first[id] = staged
            if stored[staged.table.name]?[staged.key] == nil,
               let missing = RecordValidator(table: staged.table).missingRequiredField(in: staged.values) {
                problem(staged, missing, "\(staged.table.name).\(missing): missing; a new \(staged.table.name) record needs it")
                continue
            }
            accepted.append(staged)
            merged[staged.table.name, default: [:]][staged.key, default: [:]].merge(staged.values) { $1 }
        }
        checkUnitCodes()
        for staged in accepted {
            let values = merged[staged.table.name]?[staged.key] ?? staged.values
            switch staged.table.name {
            case "units": checkOrder(staged, values, "valid_from", "valid_to")
            case "methodologies": checkOrder(staged, values, "first_year", "last_year")
            case "criteria": checkCriterion(staged, values)
            default: break
            }
        }
        checkUnique("criteria", fields: ["methodology", "code"], describe: { "code '\($0[1])' of methodology '\($0[0])'" })
        checkUnique("services", fields: ["number"], describe: { "number \($0[0])" })
    }

    /// A unit code differing from another only in letter case is almost surely a typo that would
    /// split one unit's data in two.
    private mutating func checkUnitCodes() {
        var seen: [String: String] = [:]
        for key in (stored["units"] ?? [:]).keys.sorted() { seen[key.lowercased()] = key }
        for staged in accepted where staged.table.name == "units" {
            let folded = staged.key.lowercased()
            if let other = seen[folded], other != staged.key {
                let whereOther = stored["units"]?[other] != nil ? "stored at the hub" : "in the files"
                problem(staged, "id", "units.id: '\(staged.key)' differs from the unit '\(other)' (\(whereOther)) only in letter case; unit codes must be unique, use one spelling")
            } else {
                seen[folded] = staged.key
            }
        }
    }

    private mutating func checkOrder(_ staged: StagedRecord, _ values: Values, _ low: String, _ high: String) {
        guard let a = values[low], let b = values[high], !a.isNull, !b.isNull else { return }
        let inOrder: Bool = switch (a, b) {
        case let (.text(x), .text(y)): x <= y
        case let (.integer(x), .integer(y)): x <= y
        default: true
        }
        if !inOrder {
            problem(staged, high, "\(staged.table.name).\(high): \(b) is before \(low) \(a)")
        }
    }

    static let levels = ["field", "criterion", "sub_criterion"]

    private mutating func checkCriterion(_ staged: StagedRecord, _ values: Values) {
        let methodology = values["methodology"]?.textValue
        if let methodology, merged["methodologies"]?[methodology] == nil {
            problem(staged, "methodology", "criteria.methodology: '\(methodology)' is neither in the files nor stored at the hub; add it to methodologies")
        }
        let level = values["level"]?.textValue.flatMap { Self.levels.firstIndex(of: $0) }
        guard let parent = values["parent"]?.textValue else {
            if let level, level > 0 {
                problem(staged, "parent", "criteria.parent: missing; a \(Self.levels[level]) belongs to a \(Self.levels[level - 1])")
            }
            return
        }
        guard let parentValues = merged["criteria"]?[parent] else {
            problem(staged, "parent", "criteria.parent: '\(parent)' is neither in the files nor stored at the hub; give the parent's id (criteria.id)")
            return
        }
        if let theirs = parentValues["methodology"]?.textValue, let methodology, theirs != methodology {
            problem(staged, "parent", "criteria.parent: '\(parent)' belongs to methodology '\(theirs)', not '\(methodology)'")
        }
        let parentLevel = parentValues["level"]?.textValue.flatMap { Self.levels.firstIndex(of: $0) }
        if let level, level == 0 {
            problem(staged, "parent", "criteria.parent: a field (lĩnh vực) is the top of the tree and has no parent (got '\(parent)')")
        } else if let level, let parentLevel, parentLevel != level - 1 {
            problem(staged, "parent", "criteria.parent: '\(parent)' is a \(Self.levels[parentLevel]); a \(Self.levels[level]) belongs to a \(Self.levels[level - 1])")
        }
    }

    /// The accepted records whose `fields` equal another record's (in the files or stored).
    private mutating func checkUnique(_ table: String, fields: [String], describe: ([String]) -> String) {
        var owners: [[String]: [String]] = [:]
        for (key, values) in merged[table] ?? [:] {
            let parts = fields.map { values[$0]?.textOrNumber ?? "" }
            guard !parts.contains("") else { continue }
            owners[parts, default: []].append(key)
        }
        for staged in accepted where staged.table.name == table {
            guard let values = merged[table]?[staged.key] else { continue }
            let parts = fields.map { values[$0]?.textOrNumber ?? "" }
            let others = (owners[parts] ?? []).filter { $0 != staged.key }.sorted()
            if !others.isEmpty {
                problem(staged, fields.last!, "\(table).\(fields.last!): \(describe(parts)) is also that of \(table) '\(others.joined(separator: "', '"))'; it must be unique")
            }
        }
    }

    private mutating func problem(_ staged: StagedRecord, _ field: String, _ message: String) {
        problems.append(ReferenceProblem(file: staged.file, line: staged.line(of: field), message: message))
    }
}

extension CRDTValue {
    var textValue: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    var textOrNumber: String? {
        switch self {
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .null: return nil
        }
    }
}
