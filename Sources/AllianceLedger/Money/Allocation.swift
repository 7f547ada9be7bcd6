extension Money {
    /// Splits `total` in proportion to `weights` so that the parts add up to `total` exactly: each
    /// part is first rounded towards zero, then the minor units left over go one each to the
    /// parts with the largest remainders, ties to the earlier weight. £100.00 over three equal
    /// weights is 33.34, 33.33, 33.33.
    ///
    /// A negative total is split as its magnitude and negated, so that a pain is shared exactly
    /// as a gain of the same size. Weights must not be negative; when they are all zero, every
    /// part is zero and the total must be too.
    public static func allocate(_ total: Int64, proportionalTo weights: [Int64]) -> [Int64] {
        precondition(weights.allSatisfy { $0 >= 0 }, "allocation weights cannot be negative")
        let sum = weights.reduce(Int128(0)) { $0 + Int128($1) }
        guard sum > 0 else {
            precondition(total == 0, "a non-zero total needs a non-zero weight")
            return weights.map { _ in 0 }
        }
        let magnitude = Int128(total.magnitude)
        var parts = weights.map { magnitude * Int128($0) / sum }
        let remainders = weights.map { magnitude * Int128($0) % sum }
        var left = magnitude - parts.reduce(0, +)
        // Largest remainder first; among equal remainders, the earlier weight.
        for index in remainders.indices.sorted(by: {
            remainders[$0] != remainders[$1] ? remainders[$0] > remainders[$1] : $0 < $1
        }) {
            guard left > 0 else { break }
            parts[index] += 1
            left -= 1
        }
        return parts.map { total < 0 ? -Int64($0) : Int64($0) }
    }

    /// `numerator / denominator` rounded to the nearest integer, halves away from zero.
    static func rounded(_ numerator: Int128, dividedBy denominator: Int128) -> Int128 {
        precondition(denominator > 0, "rounding divides by a positive number")
        let quotient = numerator / denominator
        let remainder = numerator % denominator
        guard remainder.magnitude * 2 >= denominator.magnitude else { return quotient }
        return numerator < 0 ? quotient - 1 : quotient + 1
    }
}

/// Ratios (shares, weights, factors) are whole basis points: 10000 is 100%.
enum BasisPoints {
    static let whole = 10_000

    /// Refuses a ratio below nothing or above the whole.
    static func check(_ value: Int, field: String) throws(LedgerError) {
        guard (0...whole).contains(value) else {
            throw .invalidField(field, reason: "must be from 0 to 10000 basis points, not \(value)")
        }
    }
}
