import AllianceLedger
import Dates

/// How the public pages write figures and days, in GOV.UK style: "£1.2 million" in headlines,
/// exact pounds and pence in tables (pence only when there are any), "31 March 2026".
enum PublicFormat {
    static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    /// "31 March 2026".
    static func day(_ day: CalendarDate) -> String {
        "\(day.day) \(months[day.month - 1]) \(day.year)"
    }

    /// "31 March 2026 at 14:05 UTC".
    static func instant(_ instant: Timestamp) -> String {
        let text = instant.description
        let clock = text.split(separator: "T").last.map { String($0.prefix(5)) } ?? ""
        return "\(day(instant.calendarDate)) at \(clock) UTC"
    }

    /// "March 2026".
    static func month(_ day: CalendarDate) -> String {
        "\(months[day.month - 1]) \(day.year)"
    }

    /// Exact: "£1,234.56", "£1,234" when there are no pence, "-£0.05".
    static func money(_ amount: Int64, currency: String) -> String {
        let written = Money.written(amount, currency: currency)
        guard let point = written.lastIndex(of: "."),
            written[written.index(after: point)...].allSatisfy({ $0 == "0" })
        else { return written }
        return String(written[..<point])
    }

    /// For headlines: "£18.6 million" from a million up, one decimal place, and exact below.
    static func headlineMoney(_ amount: Int64, currency: String) -> String {
        let unit = UInt64(pow10(Money.exponent(of: currency)))
        guard amount.magnitude >= unit * 1_000_000 else { return money(amount, currency: currency) }
        let tenthsOfMillions = (amount.magnitude + unit * 50_000) / (unit * 100_000)
        let whole = tenthsOfMillions / 10
        let tenth = tenthsOfMillions % 10
        return (amount < 0 ? "-" : "") + Money.symbol(of: currency) + Money.grouped(String(whole))
            + (tenth == 0 ? "" : ".\(tenth)") + " million"
    }

    /// Basis points as a percentage with up to one decimal place: 8650 is "86.5%".
    static func percent(basisPoints: Int) -> String {
        let tenths = (basisPoints + (basisPoints >= 0 ? 5 : -5)) / 10
        let sign = tenths < 0 ? "-" : ""
        let magnitude = abs(tenths)
        return sign + "\(magnitude / 10)" + (magnitude % 10 == 0 ? "" : ".\(magnitude % 10)") + "%"
    }

    /// `part` of `whole` in basis points, rounded half away from zero; 0 when `whole` is 0.
    static func basisPoints(_ part: Int64, of whole: Int64) -> Int {
        guard whole != 0 else { return 0 }
        let scaled = Double(part) * 10_000 / Double(whole)
        return Int(scaled.rounded())
    }

    static func count(_ number: Int64) -> String {
        Money.grouped(String(number.magnitude)).withSign(number < 0)
    }

    private static func pow10(_ exponent: Int) -> Int {
        (0..<exponent).reduce(1) { result, _ in result * 10 }
    }
}

extension String {
    fileprivate func withSign(_ negative: Bool) -> String { negative ? "-" + self : self }
}
