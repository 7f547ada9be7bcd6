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
