import Foundation

/// One field of an RFC 4180 CSV file that people open in spreadsheets: the command line's
/// tables and a published statement's files write their fields through it.
public enum CSVField {
    /// The field, quoted when it holds a comma, a quote or a line break.
    ///
    /// A text value that a spreadsheet would run as a formula (starting with =, +, -, @, tab or
    /// carriage return, and not a number) is prefixed with an apostrophe, the OWASP advice for
    /// CSV files that people open in spreadsheets. What it starts with is its first Unicode
    /// scalar once white space, invisible format characters and combining marks are skipped:
    /// spreadsheets skip them too, and a combining mark on an `=` makes one `Character` that is
    /// not `=` to Swift but still a formula to them.
    public static func escape(_ value: String) -> String {
        // Most fields (numbers, dates, codes, plain words) start with a printable ASCII
        // character that no formula starts with and hold nothing to quote: as they are, without
        // the scalar properties' look-ups, which a published year of a million rows would pay
        // on every field.
        if let first = value.utf8.first, (0x21...0x7E).contains(first),
            !"=+-@".utf8.contains(first),
            !value.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D })
        {
            return value
        }
        var text = value
        if startsFormula(text), !isPlainNumber(text) {
            text = "'" + text
        }
        guard text.contains(where: { ",\"\n\r".contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Whether a spreadsheet may read `text` as a formula: a tab or carriage return first, or
    /// =, +, - or @ as the first scalar that is not white space, default-ignorable (zero-width
    /// spaces, joiners, the byte order mark) or a combining mark (Mn, Me).
    public static func startsFormula(_ text: String) -> Bool {
        if let first = text.unicodeScalars.first, first == "\t" || first == "\r" { return true }
        let shown = text.unicodeScalars.first { scalar in
            let properties = scalar.properties
            return !properties.isWhitespace && !properties.isDefaultIgnorableCodePoint
                && properties.generalCategory != .nonspacingMark
                && properties.generalCategory != .enclosingMark
        }
        return shown.map { "=+-@".unicodeScalars.contains($0) } ?? false
    }

    /// An optionally signed decimal such as `-1234.56`, which is data, not a formula.
    private static func isPlainNumber(_ text: String) -> Bool {
        let unsigned = text.first == "-" || text.first == "+" ? text.dropFirst() : Substring(text)
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count)
            && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }
}
