/// A day in the proleptic Gregorian calendar, with no time or time zone: PostgreSQL's `date`.
///
/// Years before 1 AD use astronomical numbering (year 0 is 1 BC), as PostgreSQL's own
/// arithmetic does. The day arithmetic is Howard Hinnant's `days_from_civil` algorithm, exact
/// for every date PostgreSQL can store.
public struct CalendarDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Nil when the fields do not name a real day (e.g. 2025-02-29).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1,
            day <= CalendarDate.daysInMonth(year: year, month: month)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The day `daysSince1970` days after 1970-01-01 (negative for earlier days).
    public init(daysSince1970 days: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra =
            (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// The years a day may be in wherever it is read from or written to a person or a program:
    /// what `YYYY-MM-DD` can write. Year 0 would be stored by PostgreSQL as 1 BC, and a day in
    /// year 10000 or later is a typing mistake, not a date anything here is about.
    public static let years: ClosedRange<Int> = 1...9999

    /// What ``init(iso8601:)`` takes, for messages that refuse anything else.
    public static let iso8601Form = "a date from 0001-01-01 to 9999-12-31 written YYYY-MM-DD"

    /// Parses `YYYY-MM-DD` (ISO 8601's calendar date), years 0001 to 9999 (``years``): the one
    /// parser of days that people and programs send, whether in JSON, a query, a spend file or
    /// a command's option.
    public init?(iso8601 text: some StringProtocol) {
        guard let fields = CalendarDate.fields(text, yearDigits: 4...4),
            CalendarDate.years.contains(fields.year)
        else { return nil }
        self.init(year: fields.year, month: fields.month, day: fields.day)
    }

    /// The numbers of `YYYY-MM-DD` with a year of `yearDigits` digits, read straight from the
    /// bytes (spend files read millions of them); nil for any other text. Whether the day
    /// exists is for ``init(year:month:day:)`` to say.
    package static func fields(_ text: some StringProtocol, yearDigits: ClosedRange<Int>) -> (
        year: Int, month: Int, day: Int
    )? {
        // Over the string's own bytes where it has them (a native String or Substring): a
        // buffer of bytes is a concrete type, so the loop below is compiled for it here rather
        // than walking a generic collection a call at a time, as callers in other modules
        // would (a third of a spend file's parsing).
        let utf8 = text.utf8
        return utf8.withContiguousStorageIfAvailable { fields(bytes: $0, yearDigits: yearDigits) }
            ?? fields(bytes: utf8, yearDigits: yearDigits)
    }

    private static func fields(bytes: some Collection<UInt8>, yearDigits: ClosedRange<Int>) -> (
        year: Int, month: Int, day: Int
    )? {
        let yearLength = bytes.count - 6
        guard yearDigits.contains(yearLength) else { return nil }
        var year = 0
        var month = 0
        var day = 0
        var offset = 0
        for byte in bytes {
            if offset == yearLength || offset == yearLength + 3 {
                guard byte == UInt8(ascii: "-") else { return nil }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                let digit = Int(byte - UInt8(ascii: "0"))
                if offset < yearLength {
                    year = year * 10 + digit
                } else if offset < yearLength + 3 {
                    month = month * 10 + digit
                } else {
                    day = day * 10 + digit
                }
            }
            offset += 1
        }
        return (year, month, day)
    }

    public var daysSince1970: Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public func adding(days: Int) -> CalendarDate {
        CalendarDate(daysSince1970: daysSince1970 + days)
    }

    /// `YYYY-MM-DD`; years outside 1…9999 are written as PostgreSQL writes them.
    public var description: String {
        CalendarDate.pad(year, 4) + "-" + CalendarDate.pad(month, 2) + "-" + CalendarDate.pad(day, 2)
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    package static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value.magnitude)
        let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
        return value < 0 ? "-" + padded : padded
    }
}

extension Character {
    package var isASCIIDigit: Bool { isASCII && isNumber }
}

/// In JSON a day is its ISO 8601 text, `"2025-05-14"`.
extension CalendarDate: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = CalendarDate(iso8601: text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath, debugDescription: "\"\(text)\" is not a YYYY-MM-DD date"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
