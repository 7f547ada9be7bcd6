/// One partner's part of a year's gain or pain.
public struct RiskShareAllocation: Hashable, Sendable, Encodable {
    public let partner: String
    /// Its share of the partner side, in basis points.
    public let share: Int
    @ExplicitNull public private(set) var cap: Int64?
    /// Signed minor units: positive, a gain the partner receives; negative, a pain it bears.
    public let amount: Int64
    /// Whether its cap stopped it at `cap`, the excess going to the partners without one.
    public let capped: Bool
}

/// A financial year's gain or pain and how it is shared: computed on demand from the budgets,
/// the spend and the terms in force, and posted only when a `riskShare.settle` decision carries.
public struct RiskSharePosition: Hashable, Sendable {
    public let year: Int
    /// The sum of the year's budgets.
    public let target: Int64
    /// The year's net spend: spend less reversals, by the day each is effective.
    public let actual: Int64
    /// The partner side's part before its cap: positive, a gain; negative, a pain.
    public let partnerSideBeforeCap: Int64
    /// The partner side's part: what the partners receive (positive) or bear (negative).
    public let partnerSide: Int64
    public let fee: Int64?
    public let allocations: [RiskShareAllocation]

    /// Target less actual: positive for an underspend (gain), negative for an overspend (pain).
    public var difference: Int64 { target - actual }
    /// The owner side's part of the difference: a gain it keeps, or (negative) a pain it bears.
    public var ownerSide: Int64 { difference - partnerSide }
    /// What the partners receive on top of the actual cost: their fee and their part.
    public var partnersReceive: Int64? { fee.map { $0 + partnerSide } }
    /// What the owner side pays in all: the actual cost, the fee and the partners' part.
    public var ownerPays: Int64? { partnersReceive.map { actual + $0 } }
    /// The part of the partner side that per-partner caps left with the owner side because
    /// every partner with a share had reached its cap.
    public var unallocated: Int64 { partnerSide - allocations.reduce(0) { $0 + $1.amount } }
}

extension RiskShareTerms {
    /// The year's position for a target and an actual cost, to the penny.
    ///
    /// The partner side's part of the difference is summed band by band, exactly, then rounded
    /// once to the minor unit (halves away from zero) and capped. It is divided among the
    /// partners of that side by their shares, largest remainder; a partner whose part exceeds
    /// its cap is held at the cap, and the rest is divided again among the others by their
    /// shares, until no cap is exceeded.
    public func position(target: Int64, actual: Int64) -> RiskSharePosition {
        let difference = target - actual
        let gaining = difference > 0
        let bands = gaining ? partnerSide.gainBands : partnerSide.painBands
        let beforeCap = Int64(
            Self.banded(Int128(difference.magnitude), target: Int128(max(target, 0)), bands: bands))
        let cap = gaining ? partnerSide.gainCap : partnerSide.painCap
        let magnitude = cap.map { min(beforeCap, $0) } ?? beforeCap
        let sign: Int64 = gaining ? 1 : -1
        return RiskSharePosition(
            year: year, target: target, actual: actual, partnerSideBeforeCap: sign * beforeCap,
            partnerSide: sign * magnitude, fee: partnerSide.fee,
            allocations: Self.divide(magnitude, among: gaining ? gain : pain).map { allocation in
                RiskShareAllocation(
                    partner: allocation.partner, share: allocation.share, cap: allocation.cap,
                    amount: sign * allocation.amount, capped: allocation.capped)
            })
    }

    /// The partner side's part of a difference of `magnitude`, band by band. Band ends are
    /// basis points of `target`, so the sums run in ten-thousandths of a minor unit to stay exact.
    static func banded(_ magnitude: Int128, target: Int128, bands: [RiskShareBand]) -> Int128 {
        let difference = magnitude * 10_000
        var lower: Int128 = 0
        var total: Int128 = 0
        for band in bands where lower < difference {
            let upper = band.upTo.map { min(target * Int128($0), difference) } ?? difference
            if upper > lower { total += (upper - lower) * Int128(band.share) }
            lower = max(lower, upper)
        }
        return Money.rounded(total, dividedBy: 100_000_000)
    }

    /// Divides `amount` by shares, holding each partner at its cap and sharing the excess among
    /// the partners still below theirs.
    static func divide(_ amount: Int64, among shares: [RiskShare]) -> [RiskShareAllocation] {
        var amounts = shares.map { _ in Int64(0) }
        var capped = shares.map { _ in false }
        var sharing = shares.indices.filter { shares[$0].share > 0 }
        var left = amount
        while !sharing.isEmpty {
            let parts = Money.allocate(left, proportionalTo: sharing.map { Int64(shares[$0].share) })
            let over = zip(sharing, parts).filter { index, part in
                shares[index].cap.map { part > $0 } ?? false
            }
            guard !over.isEmpty else {
                for (index, part) in zip(sharing, parts) { amounts[index] = part }
                break
            }
            for (index, _) in over {
                let cap = shares[index].cap ?? 0
                amounts[index] = cap
                capped[index] = true
                left -= cap
            }
            sharing.removeAll { index in over.contains { $0.0 == index } }
        }
        return shares.indices.map { index in
            RiskShareAllocation(
                partner: shares[index].partner, share: shares[index].share, cap: shares[index].cap,
                amount: amounts[index], capped: capped[index])
        }
    }
}
