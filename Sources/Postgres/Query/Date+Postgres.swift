#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// `Date` travels as `timestamptz` at PostgreSQL's precision, one microsecond.
///
/// The session pins `TimeZone=UTC` and `DateStyle=ISO`, so values come back as
/// `2025-05-14 10:00:00.123456+00`; the parser also accepts other offsets, a bare date and
/// `timestamp` values without an offset (read as UTC). `infinity` has no `Date` and is refused.
extension Date: PostgresCodable {
    private static let microsecondsPerDay: Int64 = 86_400_000_000

    public func postgresBind() throws(PostgresError) -> PostgresBind {
        let seconds = timeIntervalSince1970
        guard seconds.isFinite, abs(seconds) < 9.2e12 else {
            throw PostgresError(.encoding, "the date is outside PostgreSQL's timestamp range")
        }
        let microseconds = Int64((seconds * 1_000_000).rounded())
        var days = microseconds / Date.microsecondsPerDay
        var remainder = microseconds % Date.microsecondsPerDay
        if remainder < 0 {
            days -= 1
            remainder += Date.microsecondsPerDay
        }
        let date = CalendarDate(daysSince1970: Int(days))
        let secondsOfDay = remainder / 1_000_000
        let fraction = remainder % 1_000_000
        let time =
            CalendarDate.pad(Int(secondsOfDay / 3600), 2) + ":"
            + CalendarDate.pad(Int(secondsOfDay / 60 % 60), 2) + ":"
            + CalendarDate.pad(Int(secondsOfDay % 60), 2) + "."
            + CalendarDate.pad(Int(fraction), 6)
        var text = date.year <= 0 ? String(date.postgresText.dropLast(3)) : date.description
        text += " " + time + "+00"
        if date.year <= 0 { text += " BC" }
        return PostgresBind(.text(text), typeOID: PostgresTypeOID.timestamptz)
    }

    public init?(postgresText text: String) {
        var body = Substring(text)
        let isBC = body.hasSuffix(" BC")
        if isBC { body = body.dropLast(3) }
        let datePart = body.prefix { $0 != " " && $0 != "T" }
        guard var day = CalendarDate(iso8601: datePart) else { return nil }
        if isBC {
            guard let astronomical = CalendarDate(year: 1 - day.year, month: day.month, day: day.day)
            else { return nil }
            day = astronomical
        }
        var microseconds = Int64(day.daysSince1970) * Date.microsecondsPerDay
        let timePart = body.dropFirst(datePart.count + 1)
        if !timePart.isEmpty {
            guard let offset = Date.parseTimeOfDay(timePart) else { return nil }
            microseconds += offset
        }
        self.init(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }

    /// Microseconds since midnight UTC for `HH:MM:SS[.ffffff][±HH[:MM[:SS]]]`.
    private static func parseTimeOfDay(_ text: Substring) -> Int64? {
        let offsetStart = text.firstIndex { $0 == "+" || $0 == "-" }
        let clock = text[..<(offsetStart ?? text.endIndex)]
        let fields = clock.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 3, let hours = Int64(fields[0]), let minutes = Int64(fields[1])
        else { return nil }
        let secondFields = fields[2].split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(secondFields.count), secondFields[0].count == 2,
            let seconds = Int64(secondFields[0])
        else { return nil }
        var fraction: Int64 = 0
        if secondFields.count == 2 {
            let digits = secondFields[1]
            guard (1...6).contains(digits.count), digits.allSatisfy(\.isASCIIDigit),
                let value = Int64(digits)
            else { return nil }
            fraction = value * Int64(pow10(6 - digits.count))
        }
        guard hours <= 24, minutes < 60, seconds < 61 else { return nil }
        var total = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + fraction
        if let offsetStart {
            guard let offset = parseOffsetSeconds(text[offsetStart...]) else { return nil }
            total -= offset * 1_000_000
        }
        return total
    }

    private static func parseOffsetSeconds(_ text: Substring) -> Int64? {
        let sign: Int64 = text.first == "-" ? -1 : 1
        let fields = text.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(fields.count) else { return nil }
        var seconds: Int64 = 0
        for (index, field) in fields.enumerated() {
            guard field.count == 2, let value = Int64(field) else { return nil }
            seconds += value * [3600, 60, 1][index]
        }
        return sign * seconds
    }

    private static func pow10(_ exponent: Int) -> Int {
        (0..<exponent).reduce(1) { result, _ in result * 10 }
    }
}
