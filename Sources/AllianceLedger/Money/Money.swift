/// Converts between integer minor units (how every amount is stored) and the decimal text
/// people read and write, such as `1234.56` for 123456 pence. Never through floating point.
public enum Money {
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

    /// Reads `1234.56`, `1234.5`, `1234`, `-0.05` or `+7` into minor units. Refuses more decimal
    /// places than the currency has, thousands separators, exponents and anything beyond 64 bits.
    public static func parse(_ text: String, currency: String) -> Int64? {
        parse(text, decimals: exponent(of: currency))
    }

    /// Reads a decimal with at most `decimals` places into a whole number of its smallest unit:
    /// `86.5` with four places is 865000. The same refusals as amounts.
    static func parse(_ text: String, decimals exponent: Int) -> Int64? {
        var rest = Substring(text)
        var negative = false
        if let sign = rest.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard parts.count == 1 || !fraction.isEmpty, fraction.count <= exponent else { return nil }
        let digits = parts[0] + fraction + String(repeating: "0", count: exponent - fraction.count)
        guard let magnitude = UInt64(digits) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }
}
