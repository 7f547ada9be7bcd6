#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// An instant at PostgreSQL's precision: whole microseconds since 1970-01-01T00:00:00Z.
///
/// `Date` is a `Double` of seconds, which cannot hold every microsecond exactly; values that
/// are hashed or compared for equality (a journal entry's recording time) use this type, and
/// round-trip through `timestamptz` without loss.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let microsecondsSince1970: Int64

    public init(microsecondsSince1970: Int64) {
        self.microsecondsSince1970 = microsecondsSince1970
    }

    /// The nearest microsecond to `date`.
    public init(_ date: Date) {
        microsecondsSince1970 = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    public var date: Date {
        Date(timeIntervalSince1970: Double(microsecondsSince1970) / 1_000_000)
    }

    package static let microsecondsPerDay: Int64 = 86_400_000_000

    /// The day (in UTC) and the microseconds since its midnight.
    package var dayAndTime: (day: CalendarDate, microseconds: Int64) {
        var days = microsecondsSince1970 / Timestamp.microsecondsPerDay
        var remainder = microsecondsSince1970 % Timestamp.microsecondsPerDay
        if remainder < 0 {
            days -= 1
            remainder += Timestamp.microsecondsPerDay
        }
        return (CalendarDate(daysSince1970: Int(days)), remainder)
    }

    /// The UTC calendar day of this instant.
    public var calendarDate: CalendarDate { dayAndTime.day }

    /// ISO 8601 in UTC with microseconds, e.g. `2025-05-14T10:00:00.123456Z`.
    public var description: String {
        let (day, microseconds) = dayAndTime
        return day.description + "T" + Timestamp.clock(microseconds) + "Z"
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microsecondsSince1970 < rhs.microsecondsSince1970
    }

    package static func clock(_ microseconds: Int64) -> String {
        let seconds = microseconds / 1_000_000
        return CalendarDate.pad(Int(seconds / 3600), 2) + ":"
            + CalendarDate.pad(Int(seconds / 60 % 60), 2) + ":"
            + CalendarDate.pad(Int(seconds % 60), 2) + "."
            + CalendarDate.pad(Int(microseconds % 1_000_000), 6)
    }
}

/// In JSON an instant is its ISO 8601 text in UTC with microseconds,
/// `"2025-05-14T10:00:00.123456Z"`; decoding also accepts an offset instead of `Z`.
extension Timestamp: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let timestamp = Timestamp(iso8601: text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath, debugDescription: "\"\(text)\" is not an ISO 8601 instant"
                ))
        }
        self = timestamp
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Parses `2025-05-14T10:00:00Z`, `2025-05-14T10:00:00.5+01:00` and the like; a time and a
    /// zone are required, and the day, written and in UTC, is in ``CalendarDate/years``.
    public init?(iso8601 text: String) {
        guard let t = text.firstIndex(of: "T"), CalendarDate(iso8601: text[..<t]) != nil else { return nil }
        let inUTC = text.hasSuffix("Z")
        guard inUTC || text[t...].contains(where: { $0 == "+" || $0 == "-" }),
            let instant = Timestamp(timestampText: inUTC ? String(text.dropLast()) + "+00" : text),
            CalendarDate.years.contains(instant.calendarDate.year)
        else { return nil }
        self = instant
    }
}

extension Timestamp {
    /// A date and time as PostgreSQL writes a `timestamptz` (`2025-05-14 10:00:00.123456+00`),
    /// with other offsets, a `T` for the space, a bare date, a `timestamp` without an offset
    /// (read as UTC) or a ` BC` suffix; nil for anything else, `infinity` included.
    package init?(timestampText text: String) {
        var body = Substring(text)
        let isBC = body.hasSuffix(" BC")
        if isBC { body = body.dropLast(3) }
        let datePart = body.prefix { $0 != " " && $0 != "T" }
        guard let fields = CalendarDate.fields(datePart, yearDigits: 4...6),
            let day = CalendarDate(
                year: isBC ? 1 - fields.year : fields.year, month: fields.month, day: fields.day)
        else { return nil }
        var microseconds = Int64(day.daysSince1970) * Timestamp.microsecondsPerDay
        let timePart = body.dropFirst(datePart.count + 1)
        if !timePart.isEmpty {
            guard let offset = Timestamp.parseTimeOfDay(timePart) else { return nil }
            microseconds += offset
        }
        self.init(microsecondsSince1970: microseconds)
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
