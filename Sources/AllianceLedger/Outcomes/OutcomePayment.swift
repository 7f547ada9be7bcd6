public import Dates
import Postgres

/// A measure's result for a period and what it earned.
public struct MeasureResult: Hashable, Sendable {
    /// The measure with the period's own target and rule figures.
    public let measure: OutcomeMeasure
    /// The value that counts: the latest measurement's, once validated; nil while the measure is
    /// unmeasured or its latest measurement is provisional or rejected.
    public let actual: MeasureValue?
    /// The latest measurement, whatever its state; nil when the result was computed from
    /// figures alone.
    public let latest: OutcomeMeasurement?
    /// Basis points, rounded down; zero while not measured.
    public let attainment: Int
    /// pool × weight × attainment, rounded down to the minor unit.
    public let earned: Int64

    /// Why the measure earns nothing yet although it is measured: its latest measurement is
    /// provisional or rejected. Nil otherwise.
    public var flag: String? {
        guard actual == nil, let latest else { return nil }
        switch latest.state {
        case .validated: return nil
        case .provisional:
            return "the latest measurement (\(latest.id)) is provisional: it counts once validated"
        case .rejected:
            return
                "the latest measurement (\(latest.id)) was rejected: it counts once a correction is validated"
        }
    }
}

/// A partner's part of a period's outcome payment.
public struct OutcomeAllocation: Hashable, Sendable, Encodable {
    public let partner: String
    public let share: Int
    public let amount: Int64
}

/// Where a posted outcome payment or risk/reward settlement is in the books.
public struct SettlementPosting: Hashable, Sendable, Encodable {
    /// The carried decision that posted it, such as `D-0007`.
    public let decision: String
    /// The journal entry; nil when nothing moved.
    @ExplicitNull public private(set) var entry: Int64?
    public let postedAt: Timestamp
}

/// A period's outcome payment: computed on demand from the terms in force and the latest
/// measurements, and posted only when a decision approving the period carries.
public struct OutcomePayment: Hashable, Sendable {
    public let period: String
    public let year: Int
    /// The decision whose outcome terms apply, such as `D-0003`.
    public let termsDecision: String
    /// The period's part of the year's pool.
    public let pool: Int64
    public let results: [MeasureResult]
    public let allocations: [OutcomeAllocation]
    /// Set once the payment is posted.
    public let posted: SettlementPosting?

    public var earned: Int64 { results.reduce(0) { $0 + $1.earned } }
    /// What the pool keeps: retained by the commissioners unless the board decides otherwise.
    public var unearned: Int64 { pool - earned }
    /// Whether every measure has a measurement for the period.
    public var measured: Bool { results.allSatisfy { $0.latest != nil || $0.actual != nil } }
    /// Whether every measure's latest measurement is validated: what an approval needs.
    public var validated: Bool { results.allSatisfy { $0.actual != nil } }

    /// The figures for `pool` and the validated values, to the penny: each measure earns
    /// pool × weight × attainment (against the period's own figures) rounded down, and the
    /// total earned is divided among the partners by their shares, largest remainder.
    public init(
        period: String, year: Int, termsDecision: String, pool: Int64, terms: OutcomeTerms,
        actuals: [String: MeasureValue], posted: SettlementPosting? = nil
    ) {
        self.init(
            period: period, year: year, termsDecision: termsDecision, pool: pool, terms: terms,
            counting: { code in (actuals[code], nil) }, posted: posted)
    }

    /// The payment from each measure's latest measurement: only a validated one counts.
    public init(
        period: String, year: Int, termsDecision: String, pool: Int64, terms: OutcomeTerms,
        latest: [String: OutcomeMeasurement], posted: SettlementPosting? = nil
    ) {
        self.init(
            period: period, year: year, termsDecision: termsDecision, pool: pool, terms: terms,
            counting: { code in
                let measurement = latest[code]
                return (measurement?.state == .validated ? measurement?.value : nil, measurement)
            }, posted: posted)
    }

    private init(
        period: String, year: Int, termsDecision: String, pool: Int64, terms: OutcomeTerms,
        counting: (String) -> (MeasureValue?, OutcomeMeasurement?), posted: SettlementPosting?
    ) {
        results = terms.measures.map { whole in
            let measure = whole.figures(for: period)
            let (actual, latest) = counting(measure.code)
            let attainment = actual.map(measure.attainment) ?? 0
            let earned = Int128(pool) * Int128(measure.weight) * Int128(attainment) / 100_000_000
            return MeasureResult(
                measure: measure, actual: actual, latest: latest, attainment: attainment,
                earned: Int64(earned))
        }
        let earned = results.reduce(0) { $0 + $1.earned }
        allocations = zip(
            terms.shares, Money.allocate(earned, proportionalTo: terms.shares.map { Int64($0.share) })
        ).map { share, amount in OutcomeAllocation(partner: share.partner, share: share.share, amount: amount)
        }
        self.period = period
        self.year = year
        self.termsDecision = termsDecision
        self.pool = pool
        self.posted = posted
    }
}
