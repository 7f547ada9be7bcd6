import TestSupport
import Testing

@testable import alliance_ledger

/// `--format csv` output opened in a spreadsheet: a value that would run as a formula once the
/// spreadsheet skips what it does not show (white space, invisible format characters, combining
/// marks) is defused with an apostrophe, whatever hides its first visible character.
@Suite(.timeLimit(.perTest)) struct FormulaDefusingTests {
    @Test(arguments: [
        "=1+1",
        "=\u{301}HYPERLINK(\"http://x\")",  // a combining mark on the =: one grapheme, not "="
        "\u{200B}=1+1",  // zero-width space, a default-ignorable code point
        "\u{FEFF}@SUM(A1)",  // byte order mark
        "\u{2060}+1",  // word joiner
        " =1+1",
        "\u{00A0}-1+1",  // no-break space
        "\u{3000}@x",  // ideographic space
        "\u{301}=1",  // a combining mark before it all
        "\u{20DD}=1",  // an enclosing mark
        "\u{200D}\u{200C}\u{2061}=1",  // joiners and an invisible function application
        "\t=1", "\r=1", "\tplain", "\rplain",
    ])
    func formulasBehindInvisibleCharactersAreDefused(value: String) {
        let field = TextTable.csvField(value)
        // By scalars: an apostrophe before a combining mark makes one Character with it.
        let scalars = field.unicodeScalars.drop { $0 == "\"" }
        #expect(scalars.first == "'", "\(value.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    @Test(arguments: ["plain", "é=1", "a=1", "1234.56", "-1234.56", "+7", "", " plain", "\u{200B}plain"])
    func dataIsLeftAsItIs(value: String) {
        #expect(TextTable.csvField(value) == value)
    }
}
