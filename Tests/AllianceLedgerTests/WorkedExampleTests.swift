import Foundation
import TestSupport
import Testing

@testable import AllianceLedger

/// The worked examples of `../shared/examples/worked-examples.md`, to the penny. Amounts are in
/// pence: £10,000,000 is 1_000_000_000.
@Suite(.timeLimit(.perTest)) struct WorkedExampleTests {
    // MARK: A1 — allocation

    @Test func a1LargestRemainderTiesGoToTheEarlierPartner() {
        #expect(Money.allocate(100_00, proportionalTo: [1, 1, 1]) == [33_34, 33_33, 33_33])
        #expect(Money.allocate(-100_00, proportionalTo: [1, 1, 1]) == [-33_34, -33_33, -33_33])
        #expect(Money.allocate(2, proportionalTo: [1, 1, 1]) == [1, 1, 0])
        #expect(Money.allocate(0, proportionalTo: [5, 0]) == [0, 0])
    }

    @Test func allocationsAlwaysAddUpExactly() {
        var random = SplitMix(seed: 2025)
        for _ in 0..<2000 {
            let count = Int(random.next() % 8) + 1
            let weights = (0..<count).map { _ in Int64(random.next() % 10_001) }
            guard weights.contains(where: { $0 > 0 }) else { continue }
            let magnitude = Int64(random.next() % 1_000_000_000_000)
            let total = random.next() % 2 == 0 ? magnitude : -magnitude
            let parts = Money.allocate(total, proportionalTo: weights)
            #expect(parts.reduce(0, +) == total, "\(total) by \(weights)")
            // Each part is within one minor unit of its exact share.
            let sum = weights.reduce(0, +)
            for (part, weight) in zip(parts, weights) {
                let exact = Double(total) * Double(weight) / Double(sum)
                #expect(abs(Double(part) - exact) < 1.0001, "\(total) by \(weights)")
            }
        }
        // Totals near the limit of 64 bits do not overflow.
        #expect(Money.allocate(.max, proportionalTo: [1, 1]).reduce(0, &+) == .max)
    }

    // MARK: R1 — 50:50 share, partner pain capped at the partners' fee

    static func r1() throws -> RiskShareTerms {
        try RiskShareTerms(
            year: 2025, gain: [try RiskShare(partner: "partners", share: 10_000)],
            pain: [try RiskShare(partner: "partners", share: 10_000)],
            partnerSide: try RiskSharePartnerSide(
                gainBands: [try RiskShareBand(upTo: nil, share: 5000)],
                painBands: [try RiskShareBand(upTo: nil, share: 5000)], painCap: 800_000_00, fee: 800_000_00))
    }

    @Test(
        arguments: [
            // actual, partner share before cap, partner share, partners receive on top, owner pays
            (9_400_000_00, 300_000_00, 300_000_00, 1_100_000_00, 10_500_000_00),
            (10_000_000_00, 0, 0, 800_000_00, 10_800_000_00),
            (10_900_000_00, -450_000_00, -450_000_00, 350_000_00, 11_250_000_00),
            (12_200_000_00, -1_100_000_00, -800_000_00, 0, 12_200_000_00),
        ] as [(Int64, Int64, Int64, Int64, Int64)])
    func r1(actual: Int64, beforeCap: Int64, share: Int64, receive: Int64, ownerPays: Int64) throws {
        let position = try Self.r1().position(target: 10_000_000_00, actual: actual)
        #expect(position.partnerSideBeforeCap == beforeCap)
        #expect(position.partnerSide == share)
        #expect(position.partnersReceive == receive)
        #expect(position.ownerPays == ownerPays)
        #expect(position.allocations.map(\.amount) == [share])
        #expect(position.ownerSide == position.difference - share)
    }

    @Test func r1TheOwnerBearsTheOverrunBeyondTheCap() throws {
        let position = try Self.r1().position(target: 10_000_000_00, actual: 12_200_000_00)
        #expect(position.difference == -2_200_000_00)
        #expect(position.ownerSide == -1_400_000_00)
    }

    // MARK: R2 — banded share

    static func r2() throws -> RiskShareTerms {
        try RiskShareTerms(
            year: 2025, gain: [try RiskShare(partner: "partners", share: 10_000)],
            pain: [try RiskShare(partner: "partners", share: 10_000)],
            partnerSide: try RiskSharePartnerSide(
                gainBands: [
                    try RiskShareBand(upTo: 1000, share: 5000), try RiskShareBand(upTo: nil, share: 2500),
                ],
                painBands: [
                    try RiskShareBand(upTo: 1000, share: 5000), try RiskShareBand(upTo: nil, share: 7500),
                ]))
    }

    @Test(
        arguments: [
            (1_700_000_00, 125_000_00),
            (2_300_000_00, -175_000_00),
            (1_950_000_00, 25_000_00),
            // Exactly at the band's end, and one penny beyond it each way.
            (1_800_000_00, 100_000_00),
            (1_799_999_99, 100_000_00),
            (2_200_000_01, -100_000_01),
        ] as [(Int64, Int64)])
    func r2(actual: Int64, share: Int64) throws {
        #expect(try Self.r2().position(target: 2_000_000_00, actual: actual).partnerSide == share)
    }

    @Test func bandsAreSummedExactlyAndRoundedOnce() throws {
        // 1p of gain in a 50% band is half a penny: rounded once, away from zero.
        #expect(try Self.r2().position(target: 2_000_000_00, actual: 1_999_999_99).partnerSide == 1)
        #expect(try Self.r2().position(target: 2_000_000_00, actual: 2_000_000_01).partnerSide == -1)
        // A target whose band end is not a whole number of pence: 10% of 1,001p is 100.1p.
        let position = try Self.r2().position(target: 1001, actual: 0)
        // 100.1 × 50% + 900.9 × 25% = 50.05 + 225.225 = 275.275 → 275.
        #expect(position.partnerSide == 275)
    }

    // MARK: R3 — overspend shared among providers, with caps and redistribution

    @Test func r3CapsAndRedistributionKeepTheTotalToThePenny() throws {
        let terms = try RiskShareTerms(
            year: 2025,
            gain: [try RiskShare(partner: "trust", share: 10_000)],
            pain: [
                try RiskShare(partner: "trust", share: 7000),
                try RiskShare(partner: "council", share: 2000),
                try RiskShare(partner: "charity-a", share: 600, cap: 30_000_00),
                try RiskShare(partner: "charity-b", share: 400, cap: 20_000_00),
            ],
            partnerSide: try RiskSharePartnerSide(painBands: [try RiskShareBand(upTo: nil, share: 5000)]))
        let position = terms.position(target: 50_000_000_00, actual: 51_500_000_00)
        #expect(position.difference == -1_500_000_00)
        #expect(position.partnerSide == -750_000_00)
        #expect(position.ownerSide == -750_000_00)
        #expect(
            position.allocations.map { "\($0.partner) \($0.amount) \($0.capped)" } == [
                "trust -54444444 false", "council -15555556 false", "charity-a -3000000 true",
                "charity-b -2000000 true",
            ])
        #expect(position.allocations.reduce(0) { $0 + $1.amount } == -750_000_00)
        #expect(position.unallocated == 0)
    }

    @Test func capsThatHoldEveryoneLeaveTheRestWithTheOwner() throws {
        let terms = try RiskShareTerms(
            year: 2025, gain: [try RiskShare(partner: "a", share: 10_000)],
            pain: [
                try RiskShare(partner: "a", share: 5000, cap: 100),
                try RiskShare(partner: "b", share: 5000, cap: 50),
            ])
        let position = terms.position(target: 1000, actual: 2000)
        #expect(position.allocations.map(\.amount) == [-100, -50])
        #expect(position.unallocated == -850)
        // A redistribution can push a second partner over its cap: it is held too.
        let cascade = try RiskShareTerms(
            year: 2025, gain: [try RiskShare(partner: "a", share: 10_000)],
            pain: [
                try RiskShare(partner: "a", share: 5000), try RiskShare(partner: "b", share: 3000, cap: 350),
                try RiskShare(partner: "c", share: 2000, cap: 100),
            ])
        // 1000 → 500/300/200: c held at 100; 900 over a and b (5:3) → 562/338 — within b's cap.
        #expect(cascade.position(target: 0, actual: 1000).allocations.map(\.amount) == [-563, -337, -100])
        let tighter = try RiskShareTerms(
            year: 2025, gain: [try RiskShare(partner: "a", share: 10_000)],
            pain: [
                try RiskShare(partner: "a", share: 5000), try RiskShare(partner: "b", share: 3000, cap: 320),
                try RiskShare(partner: "c", share: 2000, cap: 100),
            ])
        // c held at 100; 900 (5:3) gives b 337.5 > 320: b held too, and a bears the remaining 580.
        #expect(tighter.position(target: 0, actual: 1000).allocations.map(\.amount) == [-580, -320, -100])
    }

    @Test func partnerSideBandsAreCheckedWhenMade() {
        #expect(throws: LedgerError.invalidField("gainBands", reason: "must list at least one band")) {
            try RiskSharePartnerSide(gainBands: [])
        }
        #expect(
            throws: LedgerError.invalidField(
                "painBands", reason: "must end with a band without upTo, which runs on without end")
        ) {
            try RiskSharePartnerSide(painBands: [try RiskShareBand(upTo: 1000, share: 5000)])
        }
        #expect(
            throws: LedgerError.invalidField(
                "gainBands", reason: "must list bands in rising order of upTo")
        ) {
            try RiskSharePartnerSide(gainBands: [
                try RiskShareBand(upTo: 2000, share: 5000), try RiskShareBand(upTo: 1000, share: 5000),
                try RiskShareBand(upTo: nil, share: 5000),
            ])
        }
        #expect(throws: LedgerError.invalidField("painCap", reason: "cannot be negative (-1)")) {
            try RiskSharePartnerSide(painCap: -1)
        }
        #expect(throws: LedgerError.self) { try RiskShareBand(upTo: 0, share: 5000) }
        #expect(throws: LedgerError.self) { try RiskShareBand(upTo: nil, share: 10_001) }
    }

    // MARK: O1 — outcome withhold, linear rule

    /// Each measure names its reporting partner: slam reports care plans, lambeth the rest.
    static func o1Terms(year: Int = 2025, shares: [OutcomeShare]? = nil) throws -> OutcomeTerms {
        func value(_ number: Double) throws -> MeasureValue { try MeasureValue(number) }
        return try OutcomeTerms(
            year: year, frequency: .year, pool: 1_200_000_00,
            measures: [
                try OutcomeMeasure(
                    code: "CARE_PLANS", name: "Care plans reviewed within 12 months", unit: "%",
                    direction: .higher, target: value(90), weight: 4000,
                    rule: .linear(floor: value(80), cap: nil), reporter: "slam"),
                try OutcomeMeasure(
                    code: "OUT_OF_AREA", name: "Reduction in out-of-area bed-days", unit: "%",
                    direction: .higher,
                    target: value(20), weight: 3500, rule: .linear(floor: value(5), cap: nil),
                    reporter: "lambeth"),
                try OutcomeMeasure(
                    code: "OUTCOME_SCORES", name: "People with improved outcome scores", unit: "%",
                    direction: .higher, target: value(60), weight: 2500,
                    rule: .linear(floor: value(45), cap: nil), reporter: "lambeth"),
            ],
            shares: shares ?? [
                try OutcomeShare(partner: "slam", share: 5000),
                try OutcomeShare(partner: "lambeth", share: 3000),
                try OutcomeShare(partner: "certitude", share: 2000),
            ])
    }

    @Test func o1EarnedAndUnearnedToThePenny() throws {
        let terms = try Self.o1Terms()
        let payment = OutcomePayment(
            period: "FY2025", year: 2025, termsDecision: "D-0001", pool: terms.periodPools[0], terms: terms,
            actuals: [
                "CARE_PLANS": try MeasureValue(86), "OUT_OF_AREA": try MeasureValue(20),
                "OUTCOME_SCORES": try MeasureValue(40),
            ])
        #expect(payment.results.map(\.attainment) == [6000, 10_000, 0])
        #expect(payment.results.map(\.earned) == [288_000_00, 420_000_00, 0])
        #expect(payment.earned == 708_000_00)
        #expect(payment.unearned == 492_000_00)
        #expect(payment.measured)
        #expect(payment.allocations.map(\.amount) == [354_000_00, 212_400_00, 141_600_00])
    }

    @Test func paymentRulesInBothDirections() throws {
        func value(_ number: Double) throws -> MeasureValue { try MeasureValue(number) }
        func measure(_ direction: MeasureDirection, target: Double, _ rule: PaymentRule) throws
            -> OutcomeMeasure
        {
            try OutcomeMeasure(
                code: "M", name: "m", unit: "days", direction: direction, target: value(target),
                weight: 10_000,
                rule: rule)
        }
        let threshold = try measure(.higher, target: 90, .threshold)
        #expect(try threshold.attainment(of: value(90)) == 10_000)
        #expect(try threshold.attainment(of: value(89.9999)) == 0)
        // Fewer days waited is better: 30 days earns nothing, 20 everything, 27 three tenths.
        let waits = try measure(.lower, target: 20, .linear(floor: value(30), cap: nil))
        #expect(try waits.attainment(of: value(27)) == 3000)
        #expect(try waits.attainment(of: value(31)) == 0)
        #expect(try waits.attainment(of: value(12)) == 10_000)
        // Beyond the target up to a cap: 95 of floor 80, target 90, cap 95 is 150%.
        let stretch = try measure(.higher, target: 90, .linear(floor: value(80), cap: value(95)))
        #expect(try stretch.attainment(of: value(99)) == 15_000)
        #expect(try stretch.attainment(of: value(87)) == 7000)
        // Rounded down to the basis point: 2/3 is 6666.
        let thirds = try measure(.higher, target: 3, .linear(floor: value(0), cap: nil))
        #expect(try thirds.attainment(of: value(2)) == 6666)
        let bands = try measure(
            .lower, target: 10,
            .bands([
                try PaymentBand(from: value(20), factor: 2500),
                try PaymentBand(from: value(15), factor: 5000),
                try PaymentBand(from: value(10), factor: 10_000),
            ]))
        #expect(try bands.attainment(of: value(21)) == 0)
        #expect(try bands.attainment(of: value(20)) == 2500)
        #expect(try bands.attainment(of: value(14.5)) == 5000)
        #expect(try bands.attainment(of: value(3)) == 10_000)
        // Rules that point the wrong way are refused.
        #expect(throws: LedgerError.self) {
            try measure(.lower, target: 20, .linear(floor: value(10), cap: nil))
        }
        #expect(throws: LedgerError.self) {
            try measure(.higher, target: 90, .linear(floor: value(80), cap: value(85)))
        }
        #expect(throws: LedgerError.self) {
            try measure(
                .higher, target: 10,
                .bands([
                    try PaymentBand(from: value(5), factor: 10), try PaymentBand(from: value(5), factor: 20),
                ]))
        }
    }

    @Test func measureValuesAreExactDecimals() throws {
        #expect(try MeasureValue(86.5).description == "86.5")
        #expect(try MeasureValue(0.0001).tenThousandths == 1)
        #expect(try MeasureValue(-12.25).description == "-12.25")
        #expect(try MeasureValue(20).description == "20")
        #expect(try MeasureValue(0.1).tenThousandths == 1000)
        #expect(try MeasureValue(123_456_789.1234).tenThousandths == 1_234_567_891_234)
        #expect(
            throws: LedgerError.invalidField(
                "value", reason: "may have at most four decimal places, not 1.23456")
        ) {
            try MeasureValue(1.23456)
        }
        #expect(throws: LedgerError.self) { try MeasureValue(Double.infinity) }
        #expect(try MeasureValue(parsing: "86.5") == MeasureValue(86.5))
        #expect(throws: LedgerError.self) { try MeasureValue(parsing: "86.50001") }
        #expect(throws: LedgerError.self) { try MeasureValue(parsing: "1e3") }
        #expect(
            throws: LedgerError.invalidField(
                "value", reason: "must be within ±100000000000, not 12345678901234567890.5")
        ) { try MeasureValue(parsing: "12345678901234567890.5") }
        #expect(throws: LedgerError.invalidField("value", reason: "must be within ±100000000000")) {
            try MeasureValue(parsing: "-100000000000.0001")
        }
        #expect(try MeasureValue(parsing: "-100000000000").tenThousandths == -MeasureValue.limit)
        #expect(try MeasureValue(decimal: Decimal(string: "90.0001")!).tenThousandths == 900_001)
        #expect(throws: LedgerError.self) { try MeasureValue(decimal: Decimal(string: "90.00001")!) }
        #expect(throws: LedgerError.self) { try MeasureValue(1e12) }
        #expect(try MeasureValue(0.00001 * 10).tenThousandths == 1)
    }

    @Test func outcomeTermsAreCheckedWhenMade() throws {
        let good = try Self.o1Terms()
        #expect(
            throws: LedgerError.invalidField(
                "measures", reason: "weights must sum to 10000 basis points, not 9000")
        ) {
            try OutcomeTerms(
                year: 2024, frequency: .year, pool: 1,
                measures: Array(good.measures.prefix(2)) + [
                    try OutcomeMeasure(
                        code: "X", name: "x", unit: "%", direction: .higher, target: MeasureValue(1),
                        weight: 1500,
                        rule: .threshold)
                ], shares: good.shares)
        }
        #expect(
            throws: LedgerError.invalidField(
                "shares", reason: "must sum to 10000 basis points, not 5000")
        ) {
            try OutcomeTerms(
                year: 2024, frequency: .year, pool: 1, measures: good.measures,
                shares: [try OutcomeShare(partner: "slam", share: 5000)])
        }
        #expect(throws: LedgerError.invalidField("measures", reason: "lists CARE_PLANS more than once")) {
            try OutcomeTerms(
                year: 2024, frequency: .year, pool: 1, measures: [good.measures[0], good.measures[0]],
                shares: good.shares)
        }
        // A quarterly pool is divided exactly: £1,000,000.01 over four quarters.
        let quarterly = try OutcomeTerms(
            year: 2024, frequency: .quarter, pool: 1_000_000_01, measures: good.measures, shares: good.shares)
        #expect(quarterly.periodPools == [250_000_01, 250_000_00, 250_000_00, 250_000_00])
        #expect(
            try OutcomeFrequency.month.periods(of: 2024, startMonth: 4).map(\.description) == [
                "2024-04", "2024-05", "2024-06", "2024-07", "2024-08", "2024-09", "2024-10", "2024-11",
                "2024-12", "2025-01", "2025-02", "2025-03",
            ])
    }
}
