public import Dates

extension CalendarDate: PostgresEncodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        PostgresBind(.text(postgresText), typeOID: PostgresTypeOID.date)
    }

    /// PostgreSQL writes years up to 1 BC with a ` BC` suffix rather than a sign.
    var postgresText: String {
        guard year <= 0 else { return description }
        let bcYear = CalendarDate.pad(1 - year, 4)
        return bcYear + "-" + CalendarDate.pad(month, 2) + "-" + CalendarDate.pad(day, 2) + " BC"
    }
}

extension CalendarDate: PostgresDecodable {
    /// PostgreSQL writes any day it holds, 4713 BC to 5874897 AD, which is wider than
    /// ``years``: what the database holds is read as it is.
    public init?(postgresText text: String) {
        let isBC = text.hasSuffix(" BC")
        guard
            let fields = CalendarDate.fields(isBC ? text.dropLast(3) : Substring(text), yearDigits: 4...7)
        else { return nil }
        self.init(year: isBC ? 1 - fields.year : fields.year, month: fields.month, day: fields.day)
    }
}
