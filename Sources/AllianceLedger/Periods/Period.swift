public import Dates
import Postgres

/// A reporting period: a run of whole days, first and last included.
///
/// Every place that takes a period from a person (command line, query parameters, statements)
/// reads it with ``init(parsing:financialYearStartMonth:)``, so all of them accept the same four
/// forms and refuse the same mistakes:
///
///     2025-10                  a calendar month
///     FY2025-Q3                the third quarter of financial year FY2025
///     FY2025                   the financial year that starts in 2025
///     2025-04..2025-09         a range of whole months, both ends included
///     2025-04-01..2025-06-30   a range of days, both ends included
///
/// A financial year is named after the calendar year it starts in: with the UK public-sector
/// start month of April, FY2025 runs from 2025-04-01 to 2026-03-31. Quarters are consecutive
/// three-month blocks from the start month. `FY` and `Q` are capitals only: ``description``
/// gives one spelling per period, and published statements and links carry it, so a second
/// spelling is refused with the canonical one suggested rather than quietly rewritten.
public struct Period: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case month(year: Int, month: Int)
        case quarter(financialYear: Int, quarter: Int)
        case financialYear(Int)
        /// Whole months, from the first month through the last.
        case months(firstYear: Int, firstMonth: Int, lastYear: Int, lastMonth: Int)
        case range
    }

    /// Years a period may name. Four digits keep the text unambiguous, and no alliance has
    /// books from before 1900.
    public static let years = 1900...9999

    public let kind: Kind
    public let first: CalendarDate
    public let last: CalendarDate

    /// Reads one of the four forms; `financialYearStartMonth` (1 = January … 12 = December)
    /// places quarters and financial years. Refuses surrounding or inner whitespace.
    public init(parsing text: String, financialYearStartMonth startMonth: Int = 4) throws(PeriodError) {
        guard (1...12).contains(startMonth) else { throw .invalidStartMonth(startMonth) }
        do throws(PeriodError) {
            self = try Period.parseCanonical(text, startMonth: startMonth)
        } catch .malformed {
            let tidied = String(text.filter { !$0.isWhitespace }.uppercased())
            if tidied != text, let period = try? Period.parseCanonical(tidied, startMonth: startMonth) {
                throw .notCanonical(text, suggestion: period.description)
            }
            throw .malformed(text)
        }
    }

    public static func month(year: Int, month: Int) throws(PeriodError) -> Period {
        let text = CalendarDate.fourDigits(year) + "-" + CalendarDate.twoDigits(month)
        try check(year: year, in: text)
        guard (1...12).contains(month) else { throw .monthOutOfRange(text, month: month) }
        return Period(
            kind: .month(year: year, month: month),
            first: try date(year, month, 1, in: text),
            last: try date(year, month, CalendarDate.daysInMonth(year: year, month: month), in: text))
    }

    public static func quarter(
        _ quarter: Int, ofFinancialYear financialYear: Int, startMonth: Int = 4
    ) throws(PeriodError) -> Period {
        guard (1...12).contains(startMonth) else { throw .invalidStartMonth(startMonth) }
        let text = "FY" + CalendarDate.fourDigits(financialYear) + "-Q\(quarter)"
        try check(year: financialYear, in: text)
        guard (1...4).contains(quarter) else { throw .quarterOutOfRange(text, quarter: quarter) }
        let (first, last) = try months(
            from: financialYear, startMonth + 3 * (quarter - 1), count: 3, in: text)
        return Period(
            kind: .quarter(financialYear: financialYear, quarter: quarter), first: first, last: last)
    }

    public static func financialYear(_ financialYear: Int, startMonth: Int = 4) throws(PeriodError) -> Period
    {
        guard (1...12).contains(startMonth) else { throw .invalidStartMonth(startMonth) }
        let text = "FY" + CalendarDate.fourDigits(financialYear)
        try check(year: financialYear, in: text)
        let (first, last) = try months(from: financialYear, startMonth, count: 12, in: text)
        return Period(kind: .financialYear(financialYear), first: first, last: last)
    }

    public static func range(from first: CalendarDate, through last: CalendarDate) throws(PeriodError)
        -> Period
    {
        let text = "\(first)..\(last)"
        try check(year: first.year, in: text)
        try check(year: last.year, in: text)
        guard first <= last else { throw .endBeforeStart(text, first: first, last: last) }
        return Period(kind: .range, first: first, last: last)
    }

    /// The financial year a day falls in, named after the calendar year the financial year
    /// starts in: with start month 4, both 2025-05-14 and 2026-02-01 are in FY2025. `startMonth`
    /// is 1 to 12, as the alliance record guarantees.
    public static func financialYear(containing date: CalendarDate, startMonth: Int) -> Int {
        date.month >= startMonth ? date.year : date.year - 1
    }

    /// Reads a financial year's name, such as `FY2025`, and answers its number; any other
    /// period is refused, since budgets and settlements are per financial year.
    public static func financialYear(named text: String, startMonth: Int) throws(PeriodError) -> Int {
        let period = try Period(parsing: text, financialYearStartMonth: startMonth)
        guard case .financialYear(let year) = period.kind else { throw .notAFinancialYear(text) }
        return year
    }

    /// A run of whole months written `2025-04..2025-09`.
    public var isMonthRange: Bool {
        if case .months = kind { true } else { false }
    }

    public func contains(_ date: CalendarDate) -> Bool {
        first <= date && date <= last
    }

    /// The text ``init(parsing:financialYearStartMonth:)`` reads back to this period, given the
    /// same start month.
    public var description: String {
        switch kind {
        case .month(let year, let month): CalendarDate.fourDigits(year) + "-" + CalendarDate.twoDigits(month)
        case .quarter(let year, let quarter): "FY" + CalendarDate.fourDigits(year) + "-Q\(quarter)"
        case .financialYear(let year): "FY" + CalendarDate.fourDigits(year)
        case .months(let firstYear, let firstMonth, let lastYear, let lastMonth):
            CalendarDate.fourDigits(firstYear) + "-" + CalendarDate.twoDigits(firstMonth) + ".."
                + CalendarDate.fourDigits(lastYear) + "-" + CalendarDate.twoDigits(lastMonth)
        case .range: "\(first)..\(last)"
        }
    }

    private init(kind: Kind, first: CalendarDate, last: CalendarDate) {
        self.kind = kind
        self.first = first
        self.last = last
    }

    /// Only the exact canonical spelling; anything else is `.malformed`, which the caller turns
    /// into a suggestion when one is near. Each factory names its period with the same text it
    /// was parsed from, so errors quote what the person wrote.
    private static func parseCanonical(_ text: String, startMonth: Int) throws(PeriodError) -> Period {
        if let dots = text.firstRange(of: ".."),
            let start = numbers(text[..<dots.lowerBound], lengths: [4, 2]),
            let end = numbers(text[dots.upperBound...], lengths: [4, 2])
        {
            return try monthRange(start, end, in: text)
        }
        if let dots = text.firstRange(of: "..") {
            guard let start = numbers(text[..<dots.lowerBound], lengths: [4, 2, 2]),
                let end = numbers(text[dots.upperBound...], lengths: [4, 2, 2])
            else { throw .malformed(text) }
            let first = try dayOfRange(start, in: text)
            let last = try dayOfRange(end, in: text)
            guard first <= last else { throw .endBeforeStart(text, first: first, last: last) }
            return Period(kind: .range, first: first, last: last)
        }
        if text.hasPrefix("FY") {
            if let year = numbers(text.dropFirst(2), lengths: [4]) {
                return try financialYear(year[0], startMonth: startMonth)
            }
            let parts = text.dropFirst(2).split(separator: "-Q", omittingEmptySubsequences: false)
            guard parts.count == 2, let year = numbers(parts[0], lengths: [4]),
                let quarter = numbers(parts[1], lengths: [1])
            else { throw .malformed(text) }
            return try Period.quarter(quarter[0], ofFinancialYear: year[0], startMonth: startMonth)
        }
        guard let month = numbers(text[...], lengths: [4, 2]) else { throw .malformed(text) }
        return try Period.month(year: month[0], month: month[1])
    }

    /// `2025-04..2025-09`: from the first day of the first month to the last of the last.
    private static func monthRange(_ start: [Int], _ end: [Int], in text: String) throws(PeriodError)
        -> Period
    {
        for (year, month) in [(start[0], start[1]), (end[0], end[1])] {
            try check(year: year, in: text)
            guard (1...12).contains(month) else { throw .monthOutOfRange(text, month: month) }
        }
        let first = try date(start[0], start[1], 1, in: text)
        let last = try date(end[0], end[1], CalendarDate.daysInMonth(year: end[0], month: end[1]), in: text)
        guard first <= last else { throw .endBeforeStart(text, first: first, last: last) }
        return Period(
            kind: .months(firstYear: start[0], firstMonth: start[1], lastYear: end[0], lastMonth: end[1]),
            first: first, last: last)
    }

    /// Checks year and month before the day, so `2025-13-01` is blamed on its month.
    private static func dayOfRange(_ numbers: [Int], in text: String) throws(PeriodError) -> CalendarDate {
        try check(year: numbers[0], in: text)
        guard (1...12).contains(numbers[1]) else { throw .monthOutOfRange(text, month: numbers[1]) }
        return try date(numbers[0], numbers[1], numbers[2], in: text)
    }

    private static func check(year: Int, in text: String) throws(PeriodError) {
        guard years.contains(year) else { throw .yearOutOfRange(text, year: year) }
    }

    /// `count` months from `month` of `year`, where `month` may run past 12 into the next year.
    private static func months(
        from year: Int, _ month: Int, count: Int, in text: String
    ) throws(PeriodError) -> (CalendarDate, CalendarDate) {
        let firstIndex = year * 12 + month - 1
        let lastIndex = firstIndex + count - 1
        let lastYear = lastIndex / 12
        let lastMonth = lastIndex % 12 + 1
        return (
            try date(firstIndex / 12, firstIndex % 12 + 1, 1, in: text),
            try date(
                lastYear, lastMonth, CalendarDate.daysInMonth(year: lastYear, month: lastMonth), in: text)
        )
    }

    private static func date(_ year: Int, _ month: Int, _ day: Int, in text: String) throws(PeriodError)
        -> CalendarDate
    {
        guard let date = CalendarDate(year: year, month: month, day: day) else {
            throw .noSuchDay(
                text,
                day: CalendarDate.fourDigits(year) + "-" + CalendarDate.twoDigits(month) + "-"
                    + CalendarDate.twoDigits(day),
                daysInMonth: CalendarDate.daysInMonth(year: year, month: month))
        }
        return date
    }

    /// `2025-04-01` with lengths [4, 2, 2] is [2025, 4, 1]. ASCII digits only: `Int(_:)` alone
    /// would also take a sign.
    private static func numbers(_ text: Substring, lengths: [Int]) -> [Int]? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == lengths.count else { return nil }
        var numbers: [Int] = []
        for (part, length) in zip(parts, lengths) {
            guard part.utf8.count == length, part.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                let number = Int(part)
            else { return nil }
            numbers.append(number)
        }
        return numbers
    }
}

/// Why a text is not a period. Each description names the text, says what is wrong and shows
/// the forms that are accepted.
public enum PeriodError: Error, Equatable, Sendable, CustomStringConvertible {
    /// None of the four forms.
    case malformed(String)
    /// Lower-case `fy`/`q` or whitespace: a period is written one way only.
    case notCanonical(String, suggestion: String)
    case yearOutOfRange(String, year: Int)
    case monthOutOfRange(String, month: Int)
    case quarterOutOfRange(String, quarter: Int)
    /// A date such as 2025-02-30.
    case noSuchDay(String, day: String, daysInMonth: Int)
    case endBeforeStart(String, first: CalendarDate, last: CalendarDate)
    /// The alliance's financial year start month is not 1 to 12: a configuration fault, not a
    /// fault of the text.
    case invalidStartMonth(Int)
    /// A period of another kind where only a financial year will do.
    case notAFinancialYear(String)

    static let forms = "write 2025-10, FY2025-Q3, FY2025, 2025-04..2025-09 or 2025-04-01..2025-06-30"

    public var description: String {
        switch self {
        case .malformed(let text): "\"\(text)\" is not a period: \(PeriodError.forms)"
        case .notCanonical(let text, let suggestion):
            "\"\(text)\" is not a period: write it as \(suggestion), with capital FY and Q and no spaces"
        case .yearOutOfRange(let text, let year):
            "\"\(text)\" is not a period: the year \(year) is outside 1900 to 9999; \(PeriodError.forms)"
        case .monthOutOfRange(let text, _):
            "\"\(text)\" is not a period: months run 01 to 12; \(PeriodError.forms)"
        case .quarterOutOfRange(let text, _):
            "\"\(text)\" is not a period: quarters run Q1 to Q4; \(PeriodError.forms)"
        case .noSuchDay(let text, let day, let daysInMonth):
            "\"\(text)\" is not a period: \(day) is not a day, as \(day.prefix(7)) has \(daysInMonth) days; "
                + PeriodError.forms
        case .endBeforeStart(let text, let first, let last):
            "\"\(text)\" is not a period: it ends on \(last), before it starts on \(first); "
                + PeriodError.forms
        case .invalidStartMonth(let month):
            "the financial year start month is \(month), but it must be 1 (January) to 12 (December)"
        case .notAFinancialYear(let text): "\"\(text)\" is not a financial year: write one such as FY2025"
        }
    }
}

extension CalendarDate {
    static func fourDigits(_ value: Int) -> String { padded(value, 4) }
    fileprivate static func twoDigits(_ value: Int) -> String { padded(value, 2) }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value.magnitude)
        let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
        return value < 0 ? "-" + padded : padded
    }
}
