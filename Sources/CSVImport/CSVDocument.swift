import Foundation

/// A spreadsheet export read as CSV (RFC 4180), each row tagged with the physical line it starts on,
/// so that `import-csv` can say `FILE:LINE:` the way the user sees the file in an editor.
///
/// CSV.swift's `CSVReader` is not used here: it reports no positions, silently drops the character
/// after a closing quote in `"ab"x`, and lets an unterminated quote swallow the rest of the file.
public struct CSVDocument: Sendable {
    public struct Row: Sendable {
        /// The physical line (1-based) the row starts on; quoted cells with line breaks make later rows start further down.
        public var line: Int
        public var cells: [String]
        /// Malformed quoting in this row (the cells are kept as read, literally).
        public var problem: String?

        /// A row with no text at all (blank line, or only delimiters as Excel writes for formatted empty rows).
        public var isBlank: Bool { cells.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
    }

    public enum ParseError: Error, CustomStringConvertible, Sendable {
        case notUTF8(line: Int)
        case unterminatedQuote(line: Int)

        public var line: Int {
            switch self {
            case .notUTF8(let line), .unterminatedQuote(let line): return line
            }
        }

        public var description: String {
            switch self {
            case .notUTF8:
                return "the file is not UTF-8 text (in Excel use Save As → \"CSV UTF-8 (Comma delimited)\")"
            case .unterminatedQuote:
                return "a quoted cell starting on this line has no closing quote (\")"
            }
        }
    }

    public var rows: [Row]
    public var delimiter: Unicode.Scalar

    /// Decodes UTF-8 `data` (a byte-order mark is skipped) and splits it into rows.
    ///
    /// - Parameter delimiter: nil to detect it from the header line: `;` when that line has `;` and no `,`
    ///   (Vietnamese Excel exports, because of the decimal comma), tab when it has only tabs, `,` otherwise.
    public init(data: Data, delimiter: Unicode.Scalar? = nil) throws(ParseError) {
        guard var text = String(data: data, encoding: .utf8) else {
            throw .notUTF8(line: Self.lineOfFirstInvalidByte(data))
        }
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        let chosen = delimiter ?? Self.detectDelimiter(text)
        self.delimiter = chosen
        self.rows = try Self.parse(text, delimiter: chosen)
    }

    public static func detectDelimiter(_ text: String) -> Unicode.Scalar {
        let header = text.unicodeScalars.prefix { $0 != "\n" && $0 != "\r" }
        let has = { (s: Unicode.Scalar) in header.contains(s) }
        if has(";") && !has(",") { return ";" }
        if has("\t") && !has(",") && !has(";") { return "\t" }
        return ","
    }

    private static func parse(_ text: String, delimiter: Unicode.Scalar) throws(ParseError) -> [Row] {
        let scalars = Array(text.unicodeScalars)
        var rows: [Row] = []
        var i = 0
        var line = 1
        let n = scalars.count
        while i < n {
            var row = Row(line: line, cells: [], problem: nil)
            rowLoop: while true {
                var cell = String.UnicodeScalarView()
                if i < n && scalars[i] == "\"" {
                    // Quoted cell: "" is a quote; line breaks are kept (CRLF as LF) and counted.
                    let opened = line
                    i += 1
                    var closed = false
                    while i < n {
                        let c = scalars[i]
                        if c == "\"" {
                            if i + 1 < n && scalars[i + 1] == "\"" {
                                cell.append("\"")
                                i += 2
                                continue
                            }
                            i += 1
                            closed = true
                            break
                        }
                        if c == "\r" || c == "\n" {
                            i += (c == "\r" && i + 1 < n && scalars[i + 1] == "\n") ? 2 : 1
                            line += 1
                            cell.append("\n")
                            continue
                        }
                        cell.append(c)
                        i += 1
                    }
                    if !closed { throw .unterminatedQuote(line: opened) }
                    // Text between the closing quote and the delimiter: keep it, but say so.
                    var stray = String.UnicodeScalarView()
                    while i < n, scalars[i] != delimiter, scalars[i] != "\r", scalars[i] != "\n" {
                        stray.append(scalars[i])
                        i += 1
                    }
                    let strayText = String(stray)
                    if !strayText.trimmingCharacters(in: .whitespaces).isEmpty {
                        row.problem = row.problem ?? "cell \(row.cells.count + 1) has text after its closing quote: \"\(String(cell))\"\(strayText)"
                        cell.append(contentsOf: stray)
                    }
                } else {
                    while i < n, scalars[i] != delimiter, scalars[i] != "\r", scalars[i] != "\n" {
                        cell.append(scalars[i])
                        i += 1
                    }
                }
                row.cells.append(String(cell))
                if i >= n { break rowLoop }
                let c = scalars[i]
                if c == delimiter {
                    i += 1
                    if i >= n { row.cells.append(""); break rowLoop }
                    continue rowLoop
                }
                // End of the record: CR, LF or CRLF.
                i += (c == "\r" && i + 1 < n && scalars[i + 1] == "\n") ? 2 : 1
                line += 1
                break rowLoop
            }
            rows.append(row)
        }
        return rows
    }

    /// The 1-based line holding the first byte that is not valid UTF-8.
    public static func lineOfFirstInvalidByte(_ data: Data) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = data.makeIterator()
        var line = 1
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1 && encoded.first == UInt8(ascii: "\n") { line += 1 }
            case .error:
                return line
            case .emptyInput:
                return line
            }
        }
    }
}
