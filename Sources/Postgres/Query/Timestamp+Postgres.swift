public import Dates

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// `timestamptz` in PostgreSQL's text format. The session pins `TimeZone=UTC` and
/// `DateStyle=ISO`, so values come back as `2025-05-14 10:00:00.123456+00`; the parser also
/// accepts other offsets, a bare date and `timestamp` values without an offset (read as UTC).
/// `infinity` is refused.
extension Timestamp: PostgresCodable {
    /// PostgreSQL's range starts at 4713 BC; its end (294276 AD) lies beyond what an Int64 of
    /// microseconds since 1970 can hold, so every larger value is in range.
    private static let postgresRange: ClosedRange<Int64> = -210_866_803_200_000_000...Int64.max

    /// Refuses an instant PostgreSQL cannot hold, before it is sent in either format.
    func checkPostgresRange() throws(PostgresError) {
        guard Timestamp.postgresRange.contains(microsecondsSince1970) else {
            throw PostgresError(.encoding, "the instant is outside PostgreSQL's timestamp range")
        }
    }

    public func postgresBind() throws(PostgresError) -> PostgresBind {
        try checkPostgresRange()
        let (day, microseconds) = dayAndTime
        var text = day.year <= 0 ? String(day.postgresText.dropLast(3)) : day.description
        text += " " + Timestamp.clock(microseconds) + "+00"
        if day.year <= 0 { text += " BC" }
        return PostgresBind(.text(text), typeOID: PostgresTypeOID.timestamptz)
    }

    public init?(postgresText text: String) { self.init(timestampText: text) }
}

/// `Date` travels as `timestamptz`, rounded to PostgreSQL's microsecond.
extension Date: PostgresCodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        let seconds = timeIntervalSince1970
        guard seconds.isFinite, abs(seconds) < 9.2e12 else {
            throw PostgresError(.encoding, "the date is outside PostgreSQL's timestamp range")
        }
        return try Timestamp(self).postgresBind()
    }

    public init?(postgresText text: String) {
        guard let timestamp = Timestamp(postgresText: text) else { return nil }
        self = timestamp.date
    }
}
