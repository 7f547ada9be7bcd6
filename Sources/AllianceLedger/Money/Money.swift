import Postgres

/// Converts between integer minor units (how every amount is stored) and the decimal text
/// people read and write, such as `1234.56` for 123456 pence. Never through floating point.
public enum Money {
    /// The most any one amount may be, in minor units, either way: 10,000,000,000.00 in a
    /// currency of two decimals, far above any real invoice, budget line, pool, cap or fee. It
    /// keeps every total within reach: 9,007 amounts this large still sum below 2^53 - 1, the
    /// largest integer a JSON reader holds exactly, and 64-bit totals would need over nine
    /// million. The database holds the same bound (SQL/0008_input_bounds.sql).
    public static let maximumAmount: Int64 = 1_000_000_000_000

    /// The largest year's total a risk-share position is computed from: 2^53 - 1, the largest
    /// integer a JSON reader holds exactly, which also leaves the position's sums and
    /// differences far within 64 bits. Over nine thousand amounts at ``maximumAmount`` make it.
    public static let maximumTotal: Int64 = 9_007_199_254_740_991
    /// Basis points as a percentage: 3250 is `32.5%`.
    public static func percent(_ basisPoints: Int) -> String {
        let fraction = basisPoints % 100
        return "\(basisPoints / 100)"
            + (fraction == 0
                ? ""
                : fraction % 10 == 0 ? ".\(fraction / 10)" : (fraction < 10 ? ".0" : ".") + "\(fraction)")
            + "%"
    }

    /// Digits after the decimal point for a currency: ISO 4217's minor unit exponent.
    public static func exponent(of currency: String) -> Int {
        switch currency {
        case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND": 3
        case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
            "VUV", "XAF", "XOF", "XPF":
            0
        default: 2
        }
    }

    /// `123456` in GBP is `1234.56`; `-5` is `-0.05`.
    public static func format(_ amount: Int64, currency: String) -> String {
        let exponent = exponent(of: currency)
        let digits = String(amount.magnitude)
        let sign = amount < 0 ? "-" : ""
        guard exponent > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: max(0, exponent + 1 - digits.count)) + digits
        return sign + padded.dropLast(exponent) + "." + padded.suffix(exponent)
    }

    /// For people to read, every minor unit shown: "£1,234.56", "-£0.05", "USD 1,234.56".
    public static func written(_ amount: Int64, currency: String) -> String {
        let decimal = format(amount, currency: currency)
        let unsigned = decimal.hasPrefix("-") ? String(decimal.dropFirst()) : decimal
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        return (amount < 0 ? "-" : "") + symbol(of: currency) + grouped(String(parts[0]))
            + (parts.count == 2 ? "." + parts[1] : "")
    }

    /// What is written before an amount: "£" for GBP, "€" for EUR, else the code and a space.
    public static func symbol(of currency: String) -> String {
        switch currency {
        case "GBP": "£"
        case "EUR": "€"
        default: currency + " "
        }
    }

    /// Digits with a comma before every three from the right: "1234567" is "1,234,567".
    public static func grouped(_ digits: String) -> String {
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
            result.append(character)
        }
        return result
    }

    /// Reads `1234.56`, `1234.5`, `1234`, `-0.05` or `+7` into minor units. Refuses more decimal
    /// places than the currency has, thousands separators, exponents and anything beyond 64 bits.
    public static func parse(_ text: String, currency: String) -> Int64? {
        parse(text, decimals: exponent(of: currency))
    }

    /// Reads a decimal with at most `decimals` places into a whole number of its smallest unit:
    /// `86.5` with four places is 865000. The same refusals as amounts.
    static func parse(_ text: String, decimals exponent: Int) -> Int64? {
        // Byte by byte, without splitting or Unicode properties: a spend file's amounts are
        // parsed a million at a time. Only ASCII digits, one leading sign and one point count;
        // any other byte (a UTF-8 sequence's included) refuses the text.
        var negative = false
        var magnitude: UInt64 = 0
        var integerDigits = 0
        var fractionDigits = 0
        var sawPoint = false
        var offset = 0
        for byte in text.utf8 {
            defer { offset += 1 }
            switch byte {
            case UInt8(ascii: "-") where offset == 0, UInt8(ascii: "+") where offset == 0:
                negative = byte == UInt8(ascii: "-")
            case UInt8(ascii: "."):
                guard !sawPoint, integerDigits > 0 else { return nil }
                sawPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if sawPoint {
                    fractionDigits += 1
                    guard fractionDigits <= exponent else { return nil }
                } else {
                    integerDigits += 1
                }
                // A prefix too large for 64 bits makes the whole number too large.
                guard let next = Self.appending(UInt64(byte - UInt8(ascii: "0")), to: magnitude) else {
                    return nil
                }
                magnitude = next
            default:
                return nil
            }
        }
        guard integerDigits > 0, !sawPoint || fractionDigits > 0 else { return nil }
        for _ in fractionDigits..<exponent {
            guard let next = Self.appending(0, to: magnitude) else { return nil }
            magnitude = next
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// `number` with `digit` written after it, nil past 64 bits.
    private static func appending(_ digit: UInt64, to number: UInt64) -> UInt64? {
        let (shifted, shiftOverflowed) = number.multipliedReportingOverflow(by: 10)
        let (sum, sumOverflowed) = shifted.addingReportingOverflow(digit)
        return shiftOverflowed || sumOverflowed ? nil : sum
    }
}

extension PostgresRow {
    /// A sum PostgreSQL computed as `numeric`, which never overflows, read as minor units: a
    /// total beyond 64 bits is ``LedgerError/amountOverflow``, a refusal that says so, rather
    /// than an error of the database or of reading.
    func decodeTotal(_ column: String) throws -> Int64 {
        guard let total = Int64(try decode(column, as: String.self)) else { throw LedgerError.amountOverflow }
        return total
    }
}
