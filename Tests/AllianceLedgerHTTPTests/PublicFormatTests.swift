import TestSupport
import Testing

@testable import AllianceLedgerHTTP

/// The public pages' words and drawings that need no database: money for people, and chart
/// labels that wrap within the drawing.
@Suite(.timeLimit(.perTest)) struct PublicFormatTests {
    @Test func moneyIsExactInTablesAndRoundedInHeadlines() {
        #expect(PublicFormat.money(123_456, currency: "GBP") == "£1,234.56")
        #expect(PublicFormat.money(123_400, currency: "GBP") == "£1,234")
        #expect(PublicFormat.money(-5, currency: "GBP") == "-£0.05")
        #expect(PublicFormat.money(-123_400, currency: "GBP") == "-£1,234")
        #expect(PublicFormat.money(1_234_567, currency: "JPY") == "JPY 1,234,567")
        #expect(PublicFormat.money(1_000, currency: "KWD") == "KWD 1")
        #expect(PublicFormat.money(1_001, currency: "KWD") == "KWD 1.001")
        #expect(PublicFormat.headlineMoney(1_860_000_00, currency: "GBP") == "£1.9 million")
        #expect(PublicFormat.headlineMoney(999_999_99, currency: "GBP") == "£999,999.99")
    }

    @Test func theAccessLogWritesMillisecondsToOneDecimalPlace() {
        typealias Log = AccessLogMiddleware<LedgerRequestContext>
        #expect(Log.milliseconds(0) == "0.0")
        #expect(Log.milliseconds(0.000_42) == "0.4")
        #expect(Log.milliseconds(0.000_05) == "0.1")
        #expect(Log.milliseconds(1.234_56) == "1234.6")
        #expect(Log.milliseconds(61.3) == "61300.0")
    }

    @Test func aLongLabelWrapsAtSpacesWithinTheDrawing() {
        let fit = Int(Charts.width / (14 * 0.6))
        let lines = Charts.lines("Kestrelford and Wyvern Mental Health NHS Trust", size: 14)
        #expect(lines == ["Kestrelford and Wyvern Mental Health", "NHS Trust"])
        #expect(lines.allSatisfy { $0.count <= fit })
        #expect(Charts.lines("Staff", size: 14) == ["Staff"])
        #expect(Charts.lines("", size: 14) == [""])
        // A word longer than a line stays whole, on a line of its own.
        let word = String(repeating: "x", count: fit + 5)
        #expect(Charts.lines("a \(word) b", size: 14) == ["a", word, "b"])
    }

    /// Every word of every label is kept, in order, whatever the wrapping.
    @Test func wrappingKeepsEveryWord() {
        var generator = SplitMix(seed: 16)
        for _ in 0..<500 {
            let words = (0..<Int(generator.next() % 12)).map { _ in
                String(repeating: "w", count: 1 + Int(generator.next() % 20))
            }
            let text = words.joined(separator: " ")
            let lines = Charts.lines(text, size: 12 + Int(generator.next() % 3))
            #expect(lines.joined(separator: " ") == text)
        }
    }
}
