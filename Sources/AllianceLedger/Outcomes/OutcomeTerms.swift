public import Foundation

/// A measured value, such as 86.5 (%), exactly: a whole number of ten-thousandths of the
/// measure's unit, never floating point.
public struct MeasureValue: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let scale: Int64 = 10_000
    /// Values run to ±100 billion units: far beyond any rate, count or cost a measure takes.
    public static let limit: Int64 = 100_000_000_000 * scale

    public let tenThousandths: Int64

    public init(tenThousandths: Int64) throws(LedgerError) {
        guard tenThousandths.magnitude <= MeasureValue.limit.magnitude else {
            throw .invalidField("value", reason: "must be within ±100000000000")
        }
        self.tenThousandths = tenThousandths
    }

    /// Reads decimal text such as `86.5` or `-0.0125` exactly; refuses more than four decimal
    /// places, exponents and separators.
    public init(parsing text: String) throws(LedgerError) {
        // Whole digits beyond the limit's twelve are out of range however they are written,
        // which says more than "not a decimal" would.
        let whole = text.prefix { $0 != "." }.drop { $0 == "-" || $0 == "+" }.drop { $0 == "0" }
        if whole.count > 12, whole.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw .invalidField("value", reason: "must be within ±100000000000, not \(text)")
        }
        guard let value = Money.parse(text, decimals: 4) else {
            throw .invalidField(
                "value",
                reason: "must be a decimal number with at most four decimal places, not \(text)")
        }
        try self.init(tenThousandths: value)
    }

    /// A number as JSON carries it, read exactly (the decoder keeps every digit in a Decimal).
    public init(decimal number: Decimal) throws(LedgerError) {
        guard number.isFinite else { throw .invalidField("value", reason: "must be a finite number") }
        guard number.magnitude <= Decimal(MeasureValue.limit / MeasureValue.scale) else {
            throw .invalidField("value", reason: "must be within ±100000000000")
        }
        guard let value = Money.parse(number.description, decimals: 4) else {
            throw .invalidField("value", reason: "may have at most four decimal places, not \(number)")
        }
        try self.init(tenThousandths: value)
    }

    /// A number written in code, such as `86.5`: read as the shortest decimal that the double
    /// stands for.
    public init(_ number: Double) throws(LedgerError) {
        guard number.isFinite, let decimal = Decimal(string: number.description) else {
            throw .invalidField("value", reason: "must be a finite number")
        }
        try self.init(decimal: decimal)
    }

    /// The value as a JSON number: exactly the decimal it stands for.
    public var decimal: Decimal { Decimal(tenThousandths) / Decimal(MeasureValue.scale) }

    /// `86.5`, `20`, `-0.0125`.
    public var description: String {
        let whole = tenThousandths.magnitude / UInt64(MeasureValue.scale)
        var fraction = String(tenThousandths.magnitude % UInt64(MeasureValue.scale))
        fraction = String(repeating: "0", count: 4 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return (tenThousandths < 0 ? "-" : "") + String(whole) + (fraction.isEmpty ? "" : "." + fraction)
    }

    public static func < (left: MeasureValue, right: MeasureValue) -> Bool {
        left.tenThousandths < right.tenThousandths
    }
}

/// Which way a measure improves.
public enum MeasureDirection: String, CaseIterable, Sendable, Codable {
    case higher
    case lower

    /// Whether `value` is at least as good as `mark`.
    func reaches(_ value: MeasureValue, _ mark: MeasureValue) -> Bool {
        self == .higher ? value >= mark : value <= mark
    }
}

/// A step of a `bands` rule: from this value on, the measure earns `factor` of its weight.
public struct PaymentBand: Hashable, Sendable, Encodable {
    public let from: MeasureValue
    /// Basis points of the measure's weighted pool.
    public let factor: Int

    public init(from: MeasureValue, factor: Int) throws(LedgerError) {
        try BasisPoints.check(factor, field: "factor")
        self.from = from
        self.factor = factor
    }
}

/// How a measure's result becomes its attainment factor.
public enum PaymentRule: Hashable, Sendable {
    /// All at the target, else nothing.
    case threshold
    /// Nothing at `floor`, all at the target, pro rata between; beyond the target it goes on
    /// rising up to `cap`, when there is one, and stops at the target otherwise.
    case linear(floor: MeasureValue, cap: MeasureValue?)
    /// The factor of the best band reached; nothing before the first.
    case bands([PaymentBand])

    public var type: String {
        switch self {
        case .threshold: "threshold"
        case .linear: "linear"
        case .bands: "bands"
        }
    }

    public static let types = ["threshold", "linear", "bands"]
}

/// A measure's figures for one outcome period, when its terms set them per period: the
/// period's target and the rule's floor, cap or bands (the rule's type is the measure's own).
public struct PeriodFigures: Hashable, Sendable {
    /// `FY2025`, `FY2025-Q1` or `2025-04`.
    public let period: String
    public let target: MeasureValue
    public let rule: PaymentRule

    public init(period: String, target: MeasureValue, rule: PaymentRule) {
        self.period = period
        self.target = target
        self.rule = rule
    }
}

/// An outcome the alliance is paid on: its target for each period, the share of the outcome
/// pool it carries, the rule that turns a result into a payment, and the partner that reports
/// it.
public struct OutcomeMeasure: Hashable, Sendable {
    public let code: String
    public let name: String
    /// What a value counts, such as `%` or `bed-days`.
    public let unit: String
    public let direction: MeasureDirection
    public let baseline: MeasureValue?
    /// The target for each period, unless ``periods`` sets one per period.
    public let target: MeasureValue
    /// Basis points of the outcome pool.
    public let weight: Int
    public let rule: PaymentRule
    /// The slug of the partner whose finance people record this measure; nil only on terms set
    /// before measures named one, whose measures any finance person records.
    public let reporter: String?
    /// The target and rule figures for every period of the year, in order; empty when
    /// ``target`` and ``rule`` serve every period.
    public let periods: [PeriodFigures]

    public init(
        code: String, name: String, unit: String, direction: MeasureDirection, baseline: MeasureValue? = nil,
        target: MeasureValue, weight: Int, rule: PaymentRule, reporter: String? = nil,
        periods: [PeriodFigures] = []
    ) throws(LedgerError) {
        _ = try BudgetLineRequest(code: code, name: name)
        try Validate.text(unit, field: "unit", maximumLength: 40)
        try BasisPoints.check(weight, field: "weight")
        try Self.check(rule, target: target, direction: direction, field: "rule")
        var named: Set<String> = []
        for (index, figures) in periods.enumerated() {
            guard figures.rule.type == rule.type else {
                throw .invalidField(
                    "periods[\(index)]",
                    reason: "must follow the measure's \(rule.type) rule, not a \(figures.rule.type) one")
            }
            guard let parsed = try? Period(parsing: figures.period), parsed.kind != .range,
                !parsed.isMonthRange
            else {
                throw .invalidField(
                    "periods[\(index)].period",
                    reason:
                        "must name an outcome period such as FY2025-Q1 or 2025-04, not \"\(figures.period)\"")
            }
            guard named.insert(figures.period).inserted else {
                throw .invalidField("periods", reason: "lists \(figures.period) more than once")
            }
            try Self.check(
                figures.rule, target: figures.target, direction: direction, field: "periods[\(index)]")
        }
        if let reporter { try Validate.slug(reporter, field: "reporter", maximumLength: 40) }
        self.code = code
        self.name = name
        self.unit = unit
        self.direction = direction
        self.baseline = baseline
        self.target = target
        self.weight = weight
        self.rule = rule
        self.reporter = reporter
        self.periods = periods
    }

    private init(_ measure: OutcomeMeasure, figures: PeriodFigures) {
        code = measure.code
        name = measure.name
        unit = measure.unit
        direction = measure.direction
        baseline = measure.baseline
        target = figures.target
        weight = measure.weight
        rule = figures.rule
        reporter = measure.reporter
        periods = []
    }

    /// The measure as it stands for one period: that period's target and rule figures when the
    /// terms set them per period, itself otherwise.
    public func figures(for period: String) -> OutcomeMeasure {
        guard let figures = periods.first(where: { $0.period == period }) else { return self }
        return OutcomeMeasure(self, figures: figures)
    }

    /// Refuses a rule whose floor, cap or bands do not fit the target and direction.
    private static func check(
        _ rule: PaymentRule, target: MeasureValue, direction: MeasureDirection, field: String
    ) throws(LedgerError) {
        switch rule {
        case .threshold: break
        case .linear(let floor, let cap):
            guard !direction.reaches(floor, target) else {
                throw .invalidField(
                    field == "rule" ? "rule.floor" : field + ".floor",
                    reason:
                        "must be worse than the target \(target) for a measure where \(direction) is better, not \(floor)"
                )
            }
            if let cap, direction.reaches(target, cap) {
                throw .invalidField(
                    field == "rule" ? "rule.cap" : field + ".cap",
                    reason:
                        "must be better than the target \(target) for a measure where \(direction) is better, not \(cap)"
                )
            }
        case .bands(let bands):
            let bandsField = field == "rule" ? "rule.bands" : field + ".bands"
            guard !bands.isEmpty else {
                throw .invalidField(bandsField, reason: "must list at least one band")
            }
            for (earlier, later) in zip(bands, bands.dropFirst())
            where direction.reaches(earlier.from, later.from) {
                throw .invalidField(
                    bandsField,
                    reason:
                        "must list bands from worst to best for a measure where \(direction) is better: \(later.from) does not improve on \(earlier.from)"
                )
            }
        }
    }

    /// The attainment factor of a result, in basis points, rounded down: a rounding never pays
    /// for performance that was not achieved. Above 10000 only for a linear rule with a cap.
    /// Per-period figures apply through ``figures(for:)``.
    public func attainment(of actual: MeasureValue) -> Int {
        switch rule {
        case .threshold:
            return direction.reaches(actual, target) ? 10_000 : 0
        case .linear(let floor, let cap):
            let limit = cap ?? target
            let counted = direction.reaches(actual, limit) ? limit : actual
            // The signs of both differences flip with the direction, so one formula serves both.
            let gained = Int128(counted.tenThousandths) - Int128(floor.tenThousandths)
            let needed = Int128(target.tenThousandths) - Int128(floor.tenThousandths)
            return max(0, Int(gained * 10_000 / needed))
        case .bands(let bands):
            return bands.last { direction.reaches(actual, $0.from) }?.factor ?? 0
        }
    }
}

/// How often outcomes are measured and paid within a financial year.
public enum OutcomeFrequency: String, CaseIterable, Sendable, Codable {
    case year
    case quarter
    case month

    /// `yearly`, `quarterly`, `monthly`.
    public var adverb: String {
        switch self {
        case .year: "yearly"
        case .quarter: "quarterly"
        case .month: "monthly"
        }
    }

    /// How many payment periods a year has.
    public var periodCount: Int { self == .year ? 1 : self == .quarter ? 4 : 12 }

    /// The year's payment periods, in order.
    public func periods(of year: Int, startMonth: Int) throws(PeriodError) -> [Period] {
        switch self {
        case .year:
            return [try Period.financialYear(year, startMonth: startMonth)]
        case .quarter:
            return try (1...4).map { (quarter) throws(PeriodError) in
                try Period.quarter(quarter, ofFinancialYear: year, startMonth: startMonth)
            }
        case .month:
            return try (0..<12).map { (offset) throws(PeriodError) in
                let month = startMonth + offset
                return try Period.month(year: month > 12 ? year + 1 : year, month: (month - 1) % 12 + 1)
            }
        }
    }
}

/// A partner's share of outcome payments, in basis points.
public struct OutcomeShare: Hashable, Sendable, Encodable {
    public let partner: String
    public let share: Int

    public init(partner: String, share: Int) throws(LedgerError) {
        try BasisPoints.check(share, field: "share")
        self.partner = partner
        self.share = share
    }
}

/// A financial year's outcome terms: the pool at stake, how often it is paid, the measures
/// (weights summing to 10000 basis points of the pool) and the partners' shares of what is
/// earned (summing to 10000).
public struct OutcomeTerms: Hashable, Sendable {
    public static let maximumMeasures = 50

    public let year: Int
    public let frequency: OutcomeFrequency
    /// The year's pool in minor units, divided equally among its periods.
    public let pool: Int64
    public let measures: [OutcomeMeasure]
    public let shares: [OutcomeShare]

    public init(
        year: Int, frequency: OutcomeFrequency, pool: Int64, measures: [OutcomeMeasure],
        shares: [OutcomeShare]
    ) throws(LedgerError) {
        try DecisionAction.check(year: year)
        guard pool >= 0 else { throw .invalidField("pool", reason: "cannot be negative (\(pool))") }
        try Validate.amount(pool, field: "pool")
        guard (1...OutcomeTerms.maximumMeasures).contains(measures.count) else {
            throw .invalidField(
                "measures",
                reason: "must list 1 to \(OutcomeTerms.maximumMeasures) measures, not \(measures.count)")
        }
        var codes: Set<String> = []
        for measure in measures where !codes.insert(measure.code).inserted {
            throw .invalidField("measures", reason: "lists \(measure.code) more than once")
        }
        let periodCount = frequency.periodCount
        for measure in measures where !measure.periods.isEmpty && measure.periods.count != periodCount {
            throw .invalidField(
                "measures",
                reason:
                    "\(measure.code) sets figures for \(measure.periods.count) periods: a year paid by \(frequency.rawValue) has \(periodCount), and a measure sets all of them or none"
            )
        }
        let weights = measures.reduce(0) { $0 + $1.weight }
        guard weights == 10_000 else {
            throw .invalidField(
                "measures", reason: "weights must sum to 10000 basis points, not \(weights)")
        }
        var partners: Set<String> = []
        for share in shares where !partners.insert(share.partner).inserted {
            throw .invalidField("shares", reason: "lists \(share.partner) more than once")
        }
        let total = shares.reduce(0) { $0 + $1.share }
        guard total == 10_000 else {
            throw .invalidField("shares", reason: "must sum to 10000 basis points, not \(total)")
        }
        self.year = year
        self.frequency = frequency
        self.pool = pool
        self.measures = measures
        self.shares = shares
    }

    /// Each period's part of the pool, in the order of ``OutcomeFrequency/periods(of:startMonth:)``.
    public var periodPools: [Int64] {
        Money.allocate(pool, proportionalTo: Array(repeating: 1, count: frequency.periodCount))
    }

    /// Whether every measure names the partner that reports it, as terms set from now on must.
    public var namesEveryReporter: Bool { measures.allSatisfy { $0.reporter != nil } }
}
