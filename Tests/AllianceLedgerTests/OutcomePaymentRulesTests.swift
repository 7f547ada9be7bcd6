import Dates
import TestSupport
import Testing

@testable import AllianceLedger

/// Outcome payments alone, with no database: what a period earns and how it is divided, for any
/// terms and measurements a seeded generator makes, and when a payment may be approved.
@Suite(.timeLimit(.perTest)) struct OutcomePaymentRulesTests {
    /// `count` basis-point weights (some perhaps zero) that sum to exactly 10000.
    static func basisPoints(_ count: Int, _ random: inout SplitMix) -> [Int] {
        Money.allocate(
            10_000, proportionalTo: (0..<count).map { _ in Int64.random(in: 0...100, using: &random) + 1 }
        )
        .map { Int($0) }
    }

    /// Terms of one to five measures on linear or threshold rules, shared among one to five
    /// partners, with a pool of up to £10bn.
    static func terms(_ random: inout SplitMix) throws -> OutcomeTerms {
        let weights = basisPoints(Int.random(in: 1...5, using: &random), &random)
        let measures = try weights.enumerated().map { index, weight in
            let target = try MeasureValue(tenThousandths: 900_000)
            let rule: PaymentRule =
                Bool.random(using: &random)
                ? .linear(floor: try MeasureValue(tenThousandths: 800_000), cap: nil) : .threshold
            return try OutcomeMeasure(
                code: "M\(index)", name: "Measure \(index)", unit: "%", direction: .higher, target: target,
                weight: weight, rule: rule, reporter: "partner-0")
        }
        let shares = try basisPoints(Int.random(in: 1...5, using: &random), &random).enumerated().map {
            try OutcomeShare(partner: "partner-\($0.offset)", share: $0.element)
        }
        return try OutcomeTerms(
            year: 2025, frequency: .year, pool: Int64.random(in: 0...1_000_000_000_000, using: &random),
            measures: measures, shares: shares)
    }

    @Test func whatIsEarnedIsWithinThePoolAndDividedToThePenny() throws {
        var random = SplitMix(seed: 17_2101)
        for _ in 0..<1000 {
            let terms = try Self.terms(&random)
            let actuals = try Dictionary(
                uniqueKeysWithValues: terms.measures.map {
                    (
                        $0.code,
                        try MeasureValue(
                            tenThousandths: Int64.random(in: 700_000...1_000_000, using: &random))
                    )
                })
            let payment = OutcomePayment(
                period: "FY2025", year: 2025, termsDecision: "D-0001", pool: terms.pool, terms: terms,
                actuals: actuals)
            for result in payment.results {
                #expect((0...10_000).contains(result.attainment))
                // A measure earns at most its weight of the pool, and never a negative amount.
                #expect(result.earned >= 0)
                #expect(Int128(result.earned) * 10_000 <= Int128(terms.pool) * Int128(result.measure.weight))
            }
            #expect(payment.earned + payment.unearned == terms.pool)
            #expect(payment.unearned >= 0)
            #expect(payment.allocations.reduce(0) { $0 + $1.amount } == payment.earned)
            #expect(payment.allocations.map(\.partner) == terms.shares.map(\.partner))
            for allocation in payment.allocations {
                let exact = Int128(payment.earned) * Int128(allocation.share)
                #expect((Int128(allocation.amount) * 10_000 - exact).magnitude < 10_000)
            }
            let postings = payment.postings
            #expect(postings.reduce(0) { $0 + $1.amount } == 0)
            #expect(postings.first?.account == OutcomePayment.account)
            #expect(postings.first?.amount == payment.earned)
            #expect(postings.count == 1 + payment.allocations.count { $0.amount != 0 })
        }
    }

    @Test func everyMeasureAtTargetEarnsThePoolLessAtMostAPennyEach() throws {
        var random = SplitMix(seed: 17_2102)
        for _ in 0..<500 {
            let terms = try Self.terms(&random)
            let payment = OutcomePayment(
                period: "FY2025", year: 2025, termsDecision: "D-0001", pool: terms.pool, terms: terms,
                actuals: try Dictionary(
                    uniqueKeysWithValues: terms.measures.map {
                        ($0.code, try MeasureValue(tenThousandths: 900_000))
                    }))
            #expect(payment.results.allSatisfy { $0.attainment == 10_000 })
            #expect(payment.unearned >= 0 && payment.unearned < Int64(terms.measures.count))
        }
    }

    static func measurement(_ id: Int64, _ code: String, review: MeasurementState?) throws
        -> OutcomeMeasurement
    {
        OutcomeMeasurement(
            id: id, measure: code, period: "FY2025", value: try MeasureValue(tenThousandths: 860_000),
            evidence: "report", recordedBy: "finance@slam", reporter: "slam",
            recordedAt: Timestamp(microsecondsSince1970: 0), current: true,
            review: review.map {
                MeasurementReview(
                    verdict: $0, note: $0 == .rejected ? "wrong quarter" : "", reviewedBy: "finance@lambeth",
                    partner: "lambeth", role: .finance, reviewedAt: Timestamp(microsecondsSince1970: 1))
            })
    }

    @Test func aPaymentIsApprovedOnlyAfterItsPeriodWithEveryFigureValidatedAndOnlyOnce() throws {
        let terms = try WorkedExampleTests.o1Terms()
        func payment(_ reviews: [MeasurementState?], posted: SettlementPosting? = nil) throws
            -> OutcomePayment
        {
            var latest: [String: OutcomeMeasurement] = [:]
            for (index, (measure, review)) in zip(terms.measures, reviews).enumerated() {
                latest[measure.code] = try Self.measurement(Int64(index + 1), measure.code, review: review)
            }
            return OutcomePayment(
                period: "FY2025", year: 2025, termsDecision: "D-0001", pool: terms.pool, terms: terms,
                latest: latest, posted: posted)
        }
        let ended = date(2026, 3, 31)
        let validated = try payment([.validated, .validated, .validated])
        try validated.checkApprovable(periodEnds: ended, today: date(2026, 4, 1))
        #expect(
            throws: LedgerError.invalidField(
                "period", reason: "FY2025 has not ended: it can be paid from the day after 2026-03-31")
        ) { try validated.checkApprovable(periodEnds: ended, today: ended) }
        #expect(
            throws: LedgerError.invalidField(
                "period", reason: "FY2025 has no measurement of OUTCOME_SCORES yet")
        ) {
            try payment([.validated, .validated]).checkApprovable(periodEnds: ended, today: date(2026, 4, 1))
        }
        #expect(
            throws: LedgerError.invalidField(
                "period",
                reason:
                    "FY2025's latest measurement of OUT_OF_AREA (2) is provisional: it must be validated before the payment is approved"
            )
        ) {
            try payment([.validated, nil, .validated]).checkApprovable(
                periodEnds: ended, today: date(2026, 4, 1))
        }
        #expect(throws: LedgerError.self) {
            try payment([.rejected, .validated, .validated]).checkApprovable(
                periodEnds: ended, today: date(2026, 4, 1))
        }
        let posted = SettlementPosting(
            decision: "D-0002", entry: 9, postedAt: Timestamp(microsecondsSince1970: 2))
        #expect(throws: LedgerError.exists("outcomes for FY2025 were already paid by D-0002")) {
            try payment([.validated, .validated, .validated], posted: posted)
                .checkApprovable(periodEnds: ended, today: date(2026, 4, 1))
        }
        // Only the figure voted on is paid.
        try validated.checkEarned(asProposed: nil, by: "D-0003")
        try validated.checkEarned(asProposed: validated.earned, by: "D-0003")
        #expect(throws: LedgerError.self) {
            try validated.checkEarned(asProposed: validated.earned + 1, by: "D-0003")
        }
    }
}
