import Postgres

/// One partner's share of a year's gain or pain, in basis points, and an optional cap in minor
/// units on what it gains or bears.
public struct RiskShare: Hashable, Sendable, Encodable {
    public let partner: String
    public let share: Int
    @ExplicitNull public private(set) var cap: Int64?

    public init(partner: String, share: Int, cap: Int64? = nil) throws(LedgerError) {
        try BasisPoints.check(share, field: "share")
        if let cap, cap < 0 { throw .invalidField("cap", reason: "cannot be negative (\(cap))") }
        if let cap { try Validate.amount(cap, field: "cap") }
        self.partner = partner
        self.share = share
        self.cap = cap
    }
}

/// A range of the difference between target and actual cost, and the partner side's share of
/// the part of the difference that falls in it: "50% of the first 10% of target, 25% beyond".
public struct RiskShareBand: Hashable, Sendable, Encodable {
    /// Where the band ends, in basis points of the target cost (1000: a difference of up to 10%
    /// of target); nil for the last band, which runs on without end.
    @ExplicitNull public private(set) var upTo: Int?
    /// The partner side's share of the part of the difference inside the band, in basis points.
    public let share: Int

    public init(upTo: Int?, share: Int) throws(LedgerError) {
        try BasisPoints.check(share, field: "share")
        if let upTo, upTo <= 0 {
            throw .invalidField(
                "upTo", reason: "must be above zero basis points of target, not \(upTo)")
        }
        self.upTo = upTo
        self.share = share
    }

    /// The whole difference, however large, to the partner side.
    public static let whole = [RiskShareBand(uncheckedUpTo: nil, share: 10_000)]

    private init(uncheckedUpTo upTo: Int?, share: Int) {
        self.upTo = upTo
        self.share = share
    }
}

/// How much of a year's difference between target and actual cost falls to the partners as a
/// group (the partner side), the rest staying with the owner side (the commissioners' pool):
/// a share by bands for a gain and for a pain, each optionally capped, and the partners' fee at
/// risk, which statements show beside the outturn.
public struct RiskSharePartnerSide: Hashable, Sendable, Encodable {
    public let gainBands: [RiskShareBand]
    public let painBands: [RiskShareBand]
    /// The most the partner side gains in the year, in minor units.
    @ExplicitNull public private(set) var gainCap: Int64?
    /// The most the partner side bears in the year, in minor units: commonly its fee.
    @ExplicitNull public private(set) var painCap: Int64?
    /// The partners' fee (overhead and profit) for the year, in minor units.
    @ExplicitNull public private(set) var fee: Int64?

    public init(
        gainBands: [RiskShareBand] = RiskShareBand.whole, painBands: [RiskShareBand] = RiskShareBand.whole,
        gainCap: Int64? = nil, painCap: Int64? = nil, fee: Int64? = nil
    ) throws(LedgerError) {
        for (field, bands) in [("gainBands", gainBands), ("painBands", painBands)] {
            guard let last = bands.last else {
                throw .invalidField(field, reason: "must list at least one band")
            }
            guard last.upTo == nil else {
                throw .invalidField(
                    field, reason: "must end with a band without upTo, which runs on without end")
            }
            let limits = bands.dropLast().map(\.upTo)
            guard limits.allSatisfy({ $0 != nil }) else {
                throw .invalidField(field, reason: "may leave out upTo only in the last band")
            }
            let ends = limits.compactMap { $0 }
            guard zip(ends, ends.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw .invalidField(field, reason: "must list bands in rising order of upTo")
            }
        }
        for (field, amount) in [("gainCap", gainCap), ("painCap", painCap), ("fee", fee)] {
            if let amount, amount < 0 {
                throw .invalidField(field, reason: "cannot be negative (\(amount))")
            }
            if let amount { try Validate.amount(amount, field: field) }
        }
        self.gainBands = gainBands
        self.painBands = painBands
        self.gainCap = gainCap
        self.painCap = painCap
        self.fee = fee
    }

    /// The whole difference to the partner side, without caps or fee.
    public static let whole = RiskSharePartnerSide(
        uncheckedGainBands: RiskShareBand.whole, painBands: RiskShareBand.whole)

    private init(uncheckedGainBands gainBands: [RiskShareBand], painBands: [RiskShareBand]) {
        self.gainBands = gainBands
        self.painBands = painBands
        gainCap = nil
        painCap = nil
        fee = nil
    }
}

/// How a financial year's gain and pain are shared: the partner side's part of the difference
/// (``RiskSharePartnerSide``), and how that part is divided among partners, each side's shares
/// summing to 10000 basis points with optional caps per partner.
public struct RiskShareTerms: Hashable, Sendable {
    public let year: Int
    public let gain: [RiskShare]
    public let pain: [RiskShare]
    public let partnerSide: RiskSharePartnerSide

    public init(year: Int, gain: [RiskShare], pain: [RiskShare], partnerSide: RiskSharePartnerSide = .whole)
        throws(LedgerError)
    {
        try DecisionAction.check(year: year)
        for (side, shares) in [("gain", gain), ("pain", pain)] {
            var seen: Set<String> = []
            for share in shares where !seen.insert(share.partner).inserted {
                throw .invalidField(side, reason: "lists \(share.partner) more than once")
            }
            let total = shares.reduce(0) { $0 + $1.share }
            guard total == 10_000 else {
                throw .invalidField(side, reason: "shares must sum to 10000 basis points, not \(total)")
            }
        }
        self.year = year
        self.gain = gain
        self.pain = pain
        self.partnerSide = partnerSide
    }
}

/// One partner's terms in force after a `riskShare.setTerms` decision: its shares of the gain
/// and of the pain, and its caps.
public struct RiskShareTerm: Hashable, Sendable, Encodable {
    public let partner: String
    public let gainShare: Int
    public let painShare: Int
    @ExplicitNull public private(set) var gainCap: Int64?
    @ExplicitNull public private(set) var painCap: Int64?
}
