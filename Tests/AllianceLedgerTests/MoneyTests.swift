import TestSupport
import Testing

@testable import AllianceLedger

/// Minor units to decimal text and back, exactly, for every currency exponent.
@Suite(.timeLimit(.perTest)) struct MoneyTests {
    @Test func formatsMinorUnits() {
        #expect(Money.format(123_456, currency: "GBP") == "1234.56")
        #expect(Money.format(-5, currency: "GBP") == "-0.05")
        #expect(Money.format(0, currency: "GBP") == "0.00")
        #expect(Money.format(1500, currency: "JPY") == "1500")
        #expect(Money.format(1, currency: "KWD") == "0.001")
        #expect(Money.format(.min, currency: "GBP") == "-92233720368547758.08")
        #expect(Money.format(.max, currency: "GBP") == "92233720368547758.07")
    }

    @Test func writesAmountsForPeopleWithEveryMinorUnit() {
        #expect(Money.written(69_471_000, currency: "GBP") == "£694,710.00")
        #expect(Money.written(-5, currency: "GBP") == "-£0.05")
        #expect(Money.written(0, currency: "EUR") == "€0.00")
        #expect(Money.written(1_234_567, currency: "JPY") == "JPY 1,234,567")
        #expect(Money.written(1_000, currency: "KWD") == "KWD 1.000")
        #expect(Money.written(.min, currency: "GBP") == "-£92,233,720,368,547,758.08")
    }

    @Test func parsesDecimalsExactly() {
        #expect(Money.parse("1234.56", currency: "GBP") == 123_456)
        #expect(Money.parse("1234.5", currency: "GBP") == 123_450)
        #expect(Money.parse("1234", currency: "GBP") == 123_400)
        #expect(Money.parse("-0.05", currency: "GBP") == -5)
        #expect(Money.parse("+7", currency: "GBP") == 700)
        #expect(Money.parse("0.10", currency: "GBP") == 10)
        #expect(Money.parse("1500", currency: "JPY") == 1500)
        #expect(Money.parse("92233720368547758.07", currency: "GBP") == .max)
        #expect(Money.parse("-92233720368547758.08", currency: "GBP") == .min)
        for bad in [
            "", "-", ".", "1.", ".5", "1.234", "1,234.56", "1e3", "12a", " 12", "92233720368547758.08",
            "1..2", "--1",
        ] {
            #expect(Money.parse(bad, currency: "GBP") == nil, "\(bad)")
        }
        #expect(Money.parse("1.5", currency: "JPY") == nil)
    }

    /// The parser reads bytes; its definition is the reading by parts it replaced, kept here:
    /// both agree on a hundred thousand texts of the characters an amount may hold and a few it
    /// may not (a non-ASCII digit and a combining accent among them), in every exponent.
    @Test func parsingAgreesWithItsDefinition() {
        func definition(_ text: String, decimals exponent: Int) -> Int64? {
            var rest = Substring(text)
            var negative = false
            if let sign = rest.first, sign == "-" || sign == "+" {
                negative = sign == "-"
                rest = rest.dropFirst()
            }
            let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), !parts[0].isEmpty,
                parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
            else { return nil }
            let fraction = parts.count == 2 ? parts[1] : ""
            guard parts.count == 1 || !fraction.isEmpty, fraction.count <= exponent else { return nil }
            let digits = parts[0] + fraction + String(repeating: "0", count: exponent - fraction.count)
            guard let magnitude = UInt64(digits) else { return nil }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
                return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
            }
            guard magnitude <= UInt64(Int64.max) else { return nil }
            return Int64(magnitude)
        }
        let alphabet: [String] = [
            "0", "1", "2", "5", "7", "9", "9", "9", "0", ".", ".", "-", "+", " ", "a", "e", ",", "٣",
            "\u{301}",
        ]
        var random = UInt64(0x5EED)
        func next(_ bound: Int) -> Int {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((random >> 33) % UInt64(bound))
        }
        var agreedOnANumber = 0
        for _ in 0..<100_000 {
            // Up to 24 characters: past 64 bits and back, with and without a point.
            let text = (0..<next(25)).map { _ in alphabet[next(alphabet.count)] }.joined()
            let decimals = [0, 2, 3, 4][next(4)]
            let expected = definition(text, decimals: decimals)
            #expect(Money.parse(text, decimals: decimals) == expected, "\(text) with \(decimals) decimals")
            if expected != nil { agreedOnANumber += 1 }
        }
        // The texts must not all be refusals, or the agreement says nothing about numbers.
        #expect(agreedOnANumber > 1000)
    }

    @Test func formatAndParseAreInverse() {
        var random = UInt64(0x1234_5678)
        for _ in 0..<2000 {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let amount = Int64(bitPattern: random) >> Int64(random % 60)
            for currency in ["GBP", "JPY", "KWD"] {
                #expect(Money.parse(Money.format(amount, currency: currency), currency: currency) == amount)
            }
        }
    }
}
