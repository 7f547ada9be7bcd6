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
            throw .invalidText(field: "value", reason: "must be within ±100000000000")
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
            throw .invalidText(field: "value", reason: "must be within ±100000000000, not \(text)")
        }
        guard let value = Money.parse(text, decimals: 4) else {
            throw .invalidText(
                field: "value",
                reason: "must be a decimal number with at most four decimal places, not \(text)")
        }
        try self.init(tenThousandths: value)
    }

    /// A number as JSON carries it, read exactly (the decoder keeps every digit in a Decimal).
    public init(decimal number: Decimal) throws(LedgerError) {
        guard number.isFinite else { throw .invalidText(field: "value", reason: "must be a finite number") }
        guard number.magnitude <= Decimal(MeasureValue.limit / MeasureValue.scale) else {
            throw .invalidText(field: "value", reason: "must be within ±100000000000")
        }
        guard let value = Money.parse(number.description, decimals: 4) else {
            throw .invalidText(field: "value", reason: "may have at most four decimal places, not \(number)")
        }
        try self.init(tenThousandths: value)
    }

    /// A number written in code, such as `86.5`: read as the shortest decimal that the double
    /// stands for.
    public init(_ number: Double) throws(LedgerError) {
        guard number.isFinite, let decimal = Decimal(string: number.description) else {
            throw .invalidText(field: "value", reason: "must be a finite number")
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
public struct PaymentBand: Hashable, Sendable {
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

/// An outcome the alliance is paid on: its target for each period, the share of the outcome
/// pool it carries, and the rule that turns a result into a payment.
public struct OutcomeMeasure: Hashable, Sendable {
    public let code: String
    public let name: String
    /// What a value counts, such as `%` or `bed-days`.
    public let unit: String
    public let direction: MeasureDirection
    public let baseline: MeasureValue?
    /// The target for each period.
    public let target: MeasureValue
    /// Basis points of the outcome pool.
    public let weight: Int
    public let rule: PaymentRule

    public init(
        code: String, name: String, unit: String, direction: MeasureDirection, baseline: MeasureValue? = nil,
        target: MeasureValue, weight: Int, rule: PaymentRule
    ) throws(LedgerError) {
        _ = try BudgetLineRequest(code: code, name: name)
        try Validate.text(unit, field: "unit", maximumLength: 40)
        try BasisPoints.check(weight, field: "weight")
        switch rule {
        case .threshold: break
        case .linear(let floor, let cap):
            guard !direction.reaches(floor, target) else {
                throw .invalidText(
                    field: "rule.floor",
                    reason:
                        "must be worse than the target \(target) for a measure where \(direction) is better, not \(floor)"
                )
            }
            if let cap, direction.reaches(target, cap) {
                throw .invalidText(
                    field: "rule.cap",
                    reason:
                        "must be better than the target \(target) for a measure where \(direction) is better, not \(cap)"
                )
            }
        case .bands(let bands):
            guard !bands.isEmpty else {
                throw .invalidText(field: "rule.bands", reason: "must list at least one band")
            }
            for (earlier, later) in zip(bands, bands.dropFirst())
            where direction.reaches(earlier.from, later.from) {
                throw .invalidText(
                    field: "rule.bands",
                    reason:
                        "must list bands from worst to best for a measure where \(direction) is better: \(later.from) does not improve on \(earlier.from)"
                )
            }
        }
        self.code = code
        self.name = name
        self.unit = unit
        self.direction = direction
        self.baseline = baseline
        self.target = target
        self.weight = weight
        self.rule = rule
    }

    /// The attainment factor of a result, in basis points, rounded down: a rounding never pays
    /// for performance that was not achieved. Above 10000 only for a linear rule with a cap.
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
public struct OutcomeShare: Hashable, Sendable {
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
        guard pool >= 0 else { throw .invalidText(field: "pool", reason: "cannot be negative (\(pool))") }
        try Validate.amount(pool, field: "pool")
        guard (1...OutcomeTerms.maximumMeasures).contains(measures.count) else {
            throw .invalidText(
                field: "measures",
                reason: "must list 1 to \(OutcomeTerms.maximumMeasures) measures, not \(measures.count)")
        }
        var codes: Set<String> = []
        for measure in measures where !codes.insert(measure.code).inserted {
            throw .invalidText(field: "measures", reason: "lists \(measure.code) more than once")
        }
        let weights = measures.reduce(0) { $0 + $1.weight }
        guard weights == 10_000 else {
            throw .invalidText(
                field: "measures", reason: "weights must sum to 10000 basis points, not \(weights)")
        }
        var partners: Set<String> = []
        for share in shares where !partners.insert(share.partner).inserted {
            throw .invalidText(field: "shares", reason: "lists \(share.partner) more than once")
        }
        let total = shares.reduce(0) { $0 + $1.share }
        guard total == 10_000 else {
            throw .invalidText(field: "shares", reason: "must sum to 10000 basis points, not \(total)")
        }
        self.year = year
        self.frequency = frequency
        self.pool = pool
        self.measures = measures
        self.shares = shares
    }

    /// Each period's part of the pool, in the order of ``OutcomeFrequency/periods(of:startMonth:)``.
    public var periodPools: [Int64] {
        let count = frequency == .year ? 1 : frequency == .quarter ? 4 : 12
        return Money.allocate(pool, proportionalTo: Array(repeating: 1, count: count))
    }
}
