// Fuzz target: `reformsync import-csv` up to its transaction — `CSVDocument` (the parser), the
// header against the table (`CSVTable.columns`), every row against the field types
// (`CSVTable.check`, `RecordValidator`), duplicate records and missing required fields.
//
// Input: a first line `TABLE [OPTIONS]` naming the table (an unknown name picks a table from its
// bytes, so mutated names still reach one) with options `k` (--keep-empty) and one of `,` `;` `t`
// (--delimiter); the rest is the file, as bytes.
import CSVImport
import Foundation
import FuzzSupport
import ReformData

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let (first, rest) = bytes.splitOnce([UInt8(ascii: "\n")])
    let words = String(decoding: first, as: UTF8.self).split(separator: " ", maxSplits: 1)
    let name = words.first.map(String.init) ?? ""
    let options = words.count > 1 ? String(words[1]) : ""
    let tables = ReformSchema.v1.tables
    let schema = ReformSchema.v1.table(name.nfc) ?? tables[first.reduce(0) { ($0 + Int($1)) % tables.count }]
    let keepEmpty = options.contains("k")
    let delimiter: Unicode.Scalar? = options.contains(";") ? ";" : options.contains("t") ? "\t" : options.contains(",") ? "," : nil

    let document: CSVDocument
    do {
        document = try CSVDocument(data: Data(rest ?? []), delimiter: delimiter)
    } catch {
        guard error.line >= 1 else { fuzzFailure("parse error on line \(error.line)") }
        _ = error.description
        return 0
    }
    var lastLine = 0
    for row in document.rows {
        guard row.line > lastLine else { fuzzFailure("row lines do not increase: \(row.line) after \(lastLine)") }
        lastLine = row.line
    }
    guard let header = document.rows.first, !header.isBlank else { return 0 }
    guard let columns = try? CSVTable.columns(header, schema: schema, document: document, label: "fuzz.csv") else { return 0 }
    let validator = RecordValidator(table: schema)
    var firstLine: [String: Int] = [:]
    for row in document.rows.dropFirst() where !row.isBlank {
        let checked = CSVTable.check(row, columns: columns, validator: validator, keepEmpty: keepEmpty)
        guard let record = checked.record else {
            guard !checked.problems.isEmpty else { fuzzFailure("line \(row.line): no record and no problem") }
            continue
        }
        guard checked.problems.isEmpty else { fuzzFailure("line \(row.line): a record and problems") }
        if firstLine[record.key] == nil { firstLine[record.key] = row.line }
        _ = validator.missingRequiredField(in: record.values)
        for (field, value) in record.values where validator.problem(with: value, in: field) != nil {
            fuzzFailure("line \(row.line): the validated record holds a bad \(field)")
        }
    }
    return 0
}

@_cdecl("FuzzCSV_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
