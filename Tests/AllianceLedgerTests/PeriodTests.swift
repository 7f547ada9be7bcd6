import Dates
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The one reader of reporting periods: every form, every start-month edge, every refusal.
@Suite(.timeLimit(.perTest)) struct PeriodTests {
    /// A day as PostgreSQL writes it: periods reach into year 10000 (FY9999 ends 10000-03-31),
    /// beyond the years that requests may name.
    static func day(_ text: String) throws -> CalendarDate {
        try #require(CalendarDate(postgresText: text))
    }

    static func expect(
        _ text: String, startMonth: Int = 4, _ kind: Period.Kind, _ first: String, _ last: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let period = try Period(parsing: text, financialYearStartMonth: startMonth)
        #expect(period.kind == kind, sourceLocation: sourceLocation)
        #expect(period.first == (try day(first)), sourceLocation: sourceLocation)
        #expect(period.last == (try day(last)), sourceLocation: sourceLocation)
        #expect(period.description == text, sourceLocation: sourceLocation)
    }

    @Test func months() throws {
        try Self.expect("2025-10", .month(year: 2025, month: 10), "2025-10-01", "2025-10-31")
        try Self.expect("2025-01", .month(year: 2025, month: 1), "2025-01-01", "2025-01-31")
        try Self.expect("2025-12", .month(year: 2025, month: 12), "2025-12-01", "2025-12-31")
        try Self.expect("2025-04", .month(year: 2025, month: 4), "2025-04-01", "2025-04-30")
        try Self.expect("2024-02", .month(year: 2024, month: 2), "2024-02-01", "2024-02-29")
        try Self.expect("2025-02", .month(year: 2025, month: 2), "2025-02-01", "2025-02-28")
        try Self.expect("2000-02", .month(year: 2000, month: 2), "2000-02-01", "2000-02-29")
        try Self.expect("1900-02", .month(year: 1900, month: 2), "1900-02-01", "1900-02-28")
        try Self.expect("9999-12", .month(year: 9999, month: 12), "9999-12-01", "9999-12-31")
    }

    @Test func monthsDoNotDependOnTheFinancialYear() throws {
        for startMonth in 1...12 {
            try Self.expect(
                "2025-10", startMonth: startMonth, .month(year: 2025, month: 10), "2025-10-01", "2025-10-31")
        }
    }

    @Test func financialYearsStartingInApril() throws {
        try Self.expect("FY2025", .financialYear(2025), "2025-04-01", "2026-03-31")
        try Self.expect("FY2023", .financialYear(2023), "2023-04-01", "2024-03-31")
    }

    @Test func financialYearsAtEveryStartMonthEdge() throws {
        try Self.expect("FY2025", startMonth: 1, .financialYear(2025), "2025-01-01", "2025-12-31")
        try Self.expect("FY2025", startMonth: 7, .financialYear(2025), "2025-07-01", "2026-06-30")
        try Self.expect("FY2025", startMonth: 12, .financialYear(2025), "2025-12-01", "2026-11-30")
        // A year starting in March ends on the last day of February, leap or not.
        try Self.expect("FY2023", startMonth: 3, .financialYear(2023), "2023-03-01", "2024-02-29")
        try Self.expect("FY2024", startMonth: 3, .financialYear(2024), "2024-03-01", "2025-02-28")
        try Self.expect("FY9999", startMonth: 4, .financialYear(9999), "9999-04-01", "10000-03-31")
    }

    @Test func quartersStartingInApril() throws {
        try Self.expect("FY2025-Q1", .quarter(financialYear: 2025, quarter: 1), "2025-04-01", "2025-06-30")
        try Self.expect("FY2025-Q2", .quarter(financialYear: 2025, quarter: 2), "2025-07-01", "2025-09-30")
        try Self.expect("FY2025-Q3", .quarter(financialYear: 2025, quarter: 3), "2025-10-01", "2025-12-31")
        try Self.expect("FY2025-Q4", .quarter(financialYear: 2025, quarter: 4), "2026-01-01", "2026-03-31")
        // Ends in a leap February's year: 2024-03-31 is still the last day, via 29 February.
        try Self.expect("FY2023-Q4", .quarter(financialYear: 2023, quarter: 4), "2024-01-01", "2024-03-31")
    }

    @Test func quartersAtEveryStartMonthEdge() throws {
        let january = [
            ("2025-01-01", "2025-03-31"), ("2025-04-01", "2025-06-30"), ("2025-07-01", "2025-09-30"),
            ("2025-10-01", "2025-12-31"),
        ]
        let december = [
            ("2025-12-01", "2026-02-28"), ("2026-03-01", "2026-05-31"), ("2026-06-01", "2026-08-31"),
            ("2026-09-01", "2026-11-30"),
        ]
        for (quarter, (first, last)) in zip(1..., january) {
            try Self.expect(
                "FY2025-Q\(quarter)", startMonth: 1, .quarter(financialYear: 2025, quarter: quarter), first,
                last)
        }
        for (quarter, (first, last)) in zip(1..., december) {
            try Self.expect(
                "FY2025-Q\(quarter)", startMonth: 12, .quarter(financialYear: 2025, quarter: quarter), first,
                last)
        }
        // A first quarter that ends on a leap day.
        try Self.expect(
            "FY2023-Q1", startMonth: 12, .quarter(financialYear: 2023, quarter: 1), "2023-12-01", "2024-02-29"
        )
    }

    /// For every start month the four quarters tile the financial year: no gap, no overlap.
    @Test func quartersTileTheirYear() throws {
        for startMonth in 1...12 {
            for year in [2023, 2024, 2025] {
                let whole = try Period.financialYear(year, startMonth: startMonth)
                var next = whole.first
                for quarter in 1...4 {
                    let part = try Period.quarter(quarter, ofFinancialYear: year, startMonth: startMonth)
                    #expect(part.first == next)
                    #expect(part.first.day == 1)
                    next = part.last.adding(days: 1)
                    #expect(next.day == 1)
                }
                #expect(next == whole.last.adding(days: 1))
                #expect(whole.first.month == startMonth)
                #expect(whole.first.year == year)
            }
        }
    }

    @Test func ranges() throws {
        try Self.expect("2025-04-01..2025-06-30", .range, "2025-04-01", "2025-06-30")
        try Self.expect(
            "2025-04..2025-09", .months(firstYear: 2025, firstMonth: 4, lastYear: 2025, lastMonth: 9),
            "2025-04-01", "2025-09-30")
        try Self.expect(
            "2025-12..2026-02", .months(firstYear: 2025, firstMonth: 12, lastYear: 2026, lastMonth: 2),
            "2025-12-01", "2026-02-28")
        #expect(throws: PeriodError.monthOutOfRange("2025-04..2025-13", month: 13)) {
            try Period(parsing: "2025-04..2025-13")
        }
        #expect(throws: PeriodError.self) { try Period(parsing: "2025-09..2025-04") }
        try Self.expect("2025-04-01..2025-04-01", .range, "2025-04-01", "2025-04-01")
        try Self.expect("2024-02-29..2024-03-01", .range, "2024-02-29", "2024-03-01")
        try Self.expect("1900-01-01..9999-12-31", .range, "1900-01-01", "9999-12-31")
    }

    @Test func descriptionRoundTripsForEveryStartMonth() throws {
        for startMonth in [1, 4, 7, 12] {
            for text in [
                "2025-10", "FY2025-Q1", "FY2025-Q4", "FY2025", "2025-04..2025-09", "2025-04-01..2025-06-30",
            ] {
                let period = try Period(parsing: text, financialYearStartMonth: startMonth)
                #expect(period.description == text)
                #expect(
                    try Period(parsing: period.description, financialYearStartMonth: startMonth) == period)
            }
        }
    }

    @Test func factoriesMatchTheParser() throws {
        #expect(try Period.month(year: 2025, month: 10) == Period(parsing: "2025-10"))
        #expect(try Period.quarter(3, ofFinancialYear: 2025) == Period(parsing: "FY2025-Q3"))
        #expect(
            try Period.quarter(2, ofFinancialYear: 2025, startMonth: 7)
                == Period(parsing: "FY2025-Q2", financialYearStartMonth: 7))
        #expect(try Period.financialYear(2025) == Period(parsing: "FY2025"))
        #expect(
            try Period.range(from: Self.day("2025-04-01"), through: Self.day("2025-06-30"))
                == Period(parsing: "2025-04-01..2025-06-30"))
        // The same days as a different kind of period is a different period: it is written differently.
        #expect(
            try Period(parsing: "FY2025", financialYearStartMonth: 1)
                != Period(parsing: "2025-01-01..2025-12-31"))
    }

    @Test func containsIncludesBothEnds() throws {
        let quarter = try Period(parsing: "FY2025-Q3")
        #expect(!quarter.contains(try Self.day("2025-09-30")))
        #expect(quarter.contains(try Self.day("2025-10-01")))
        #expect(quarter.contains(try Self.day("2025-11-15")))
        #expect(quarter.contains(try Self.day("2025-12-31")))
        #expect(!quarter.contains(try Self.day("2026-01-01")))
        let day = try Period(parsing: "2024-02-29..2024-02-29")
        #expect(day.contains(try Self.day("2024-02-29")))
        #expect(!day.contains(try Self.day("2024-02-28")))
        #expect(!day.contains(try Self.day("2024-03-01")))
        let year = try Period(parsing: "FY2023")
        #expect(year.contains(try Self.day("2023-04-01")))
        #expect(year.contains(try Self.day("2024-03-31")))
        #expect(!year.contains(try Self.day("2023-03-31")))
        #expect(!year.contains(try Self.day("2024-04-01")))
    }

    @Test func financialYearContainingADay() throws {
        #expect(Period.financialYear(containing: try Self.day("2025-05-14"), startMonth: 4) == 2025)
        #expect(Period.financialYear(containing: try Self.day("2026-02-01"), startMonth: 4) == 2025)
        #expect(Period.financialYear(containing: try Self.day("2025-04-01"), startMonth: 4) == 2025)
        #expect(Period.financialYear(containing: try Self.day("2025-03-31"), startMonth: 4) == 2024)
        #expect(Period.financialYear(containing: try Self.day("2025-01-01"), startMonth: 1) == 2025)
        #expect(Period.financialYear(containing: try Self.day("2025-12-31"), startMonth: 1) == 2025)
        #expect(Period.financialYear(containing: try Self.day("2025-12-01"), startMonth: 12) == 2025)
        #expect(Period.financialYear(containing: try Self.day("2025-11-30"), startMonth: 12) == 2024)
        // Whatever the start month, the financial year named is the one whose period holds the day.
        for startMonth in 1...12 {
            for offset in stride(from: 0, to: 800, by: 7) {
                let date = try Self.day("2024-01-01").adding(days: offset)
                let year = Period.financialYear(containing: date, startMonth: startMonth)
                #expect(try Period.financialYear(year, startMonth: startMonth).contains(date))
            }
        }
    }

    static let forms = "write 2025-10, FY2025-Q3, FY2025, 2025-04..2025-09 or 2025-04-01..2025-06-30"

    @Test func refusesMonthsOutOfRange() {
        #expect(throws: PeriodError.monthOutOfRange("2025-13", month: 13)) { try Period(parsing: "2025-13") }
        #expect(throws: PeriodError.monthOutOfRange("2025-00", month: 0)) { try Period(parsing: "2025-00") }
        #expect(
            PeriodError.monthOutOfRange("2025-13", month: 13).description
                == "\"2025-13\" is not a period: months run 01 to 12; \(Self.forms)")
        #expect(throws: PeriodError.monthOutOfRange("2025-13-01..2025-12-31", month: 13)) {
            try Period(parsing: "2025-13-01..2025-12-31")
        }
    }

    @Test func refusesQuartersOutOfRange() {
        #expect(throws: PeriodError.quarterOutOfRange("FY2025-Q0", quarter: 0)) {
            try Period(parsing: "FY2025-Q0")
        }
        #expect(throws: PeriodError.quarterOutOfRange("FY2025-Q5", quarter: 5)) {
            try Period(parsing: "FY2025-Q5")
        }
        #expect(
            PeriodError.quarterOutOfRange("FY2025-Q5", quarter: 5).description
                == "\"FY2025-Q5\" is not a period: quarters run Q1 to Q4; \(Self.forms)")
        #expect(throws: PeriodError.malformed("FY2025-Q10")) { try Period(parsing: "FY2025-Q10") }
        #expect(throws: PeriodError.quarterOutOfRange("FY2025-Q5", quarter: 5)) {
            try Period.quarter(5, ofFinancialYear: 2025)
        }
    }

    @Test func refusesYearsOutOfRange() throws {
        let cases = [
            ("1899-12", 1899), ("0000-01", 0), ("FY1899", 1899), ("FY1899-Q4", 1899),
            ("1899-12-31..1900-01-01", 1899), ("2025-01-01..0999-12-31", 999),
        ]
        for (text, year) in cases {
            #expect(throws: PeriodError.yearOutOfRange(text, year: year)) { try Period(parsing: text) }
        }
        #expect(
            PeriodError.yearOutOfRange("1899-12", year: 1899).description
                == "\"1899-12\" is not a period: the year 1899 is outside 1900 to 9999; \(Self.forms)")
        // Five digits is not a year the forms allow at all.
        #expect(throws: PeriodError.malformed("10000-01")) { try Period(parsing: "10000-01") }
        #expect(throws: PeriodError.malformed("FY10000")) { try Period(parsing: "FY10000") }
        #expect(throws: PeriodError.yearOutOfRange("FY1899", year: 1899)) { try Period.financialYear(1899) }
        #expect(throws: PeriodError.yearOutOfRange("10000-01", year: 10000)) {
            try Period.month(year: 10000, month: 1)
        }
    }

    @Test func refusesDaysThatDoNotExist() {
        #expect(throws: PeriodError.noSuchDay("2025-02-01..2025-02-30", day: "2025-02-30", daysInMonth: 28)) {
            try Period(parsing: "2025-02-01..2025-02-30")
        }
        #expect(throws: PeriodError.noSuchDay("2025-02-29..2025-03-31", day: "2025-02-29", daysInMonth: 28)) {
            try Period(parsing: "2025-02-29..2025-03-31")
        }
        #expect(throws: PeriodError.noSuchDay("2025-04-00..2025-04-30", day: "2025-04-00", daysInMonth: 30)) {
            try Period(parsing: "2025-04-00..2025-04-30")
        }
        #expect(throws: PeriodError.noSuchDay("2025-04-01..2025-04-31", day: "2025-04-31", daysInMonth: 30)) {
            try Period(parsing: "2025-04-01..2025-04-31")
        }
        #expect(throws: PeriodError.noSuchDay("1900-02-29..1900-03-01", day: "1900-02-29", daysInMonth: 28)) {
            try Period(parsing: "1900-02-29..1900-03-01")
        }
        #expect(
            PeriodError.noSuchDay("2025-02-01..2025-02-30", day: "2025-02-30", daysInMonth: 28).description
                == "\"2025-02-01..2025-02-30\" is not a period: 2025-02-30 is not a day, as 2025-02 has 28 days; "
                + Self.forms)
    }

    @Test func refusesRangesThatEndBeforeTheyStart() throws {
        let first = try Self.day("2025-06-30")
        let last = try Self.day("2025-04-01")
        #expect(throws: PeriodError.endBeforeStart("2025-06-30..2025-04-01", first: first, last: last)) {
            try Period(parsing: "2025-06-30..2025-04-01")
        }
        #expect(throws: PeriodError.endBeforeStart("2025-06-30..2025-04-01", first: first, last: last)) {
            try Period.range(from: first, through: last)
        }
        #expect(
            PeriodError.endBeforeStart("2025-06-30..2025-04-01", first: first, last: last).description
                == "\"2025-06-30..2025-04-01\" is not a period: it ends on 2025-04-01, before it starts on "
                + "2025-06-30; \(Self.forms)")
    }

    /// One spelling per period: lower case and whitespace are refused, with the spelling to use.
    @Test func refusesOtherSpellingsWithASuggestion() {
        let cases = [
            ("fy2025", "FY2025"), ("Fy2025", "FY2025"), ("fy2025-q3", "FY2025-Q3"),
            ("FY2025-q3", "FY2025-Q3"),
            (" 2025-10", "2025-10"), ("2025-10 ", "2025-10"), ("2025-10\n", "2025-10"), ("FY 2025", "FY2025"),
            ("2025-04-01 .. 2025-06-30", "2025-04-01..2025-06-30"), ("\tFY2025-Q3", "FY2025-Q3"),
        ]
        for (text, suggestion) in cases {
            #expect(throws: PeriodError.notCanonical(text, suggestion: suggestion)) {
                try Period(parsing: text)
            }
        }
        #expect(
            PeriodError.notCanonical("fy2025", suggestion: "FY2025").description
                == "\"fy2025\" is not a period: write it as FY2025, with capital FY and Q and no spaces")
    }

    @Test func refusesMalformedText() {
        let malformed = [
            "", " ", "2025", "25-10", "2025-1", "2025-010", "2025/10", "2025-10-01", "2025-10-", "-2025-10",
            "+2025-10", "FY", "FY25", "FY2025-", "FY2025-Q", "FY2025Q3", "FY2025-3", "FY2025-Q3-", "FY-2025",
            "Q3-FY2025", "FY2025-H1", "2025-04-01..", "..2025-06-30", "2025-04-01...2025-06-30",
            "2025-04-01..2025-06-30..2025-07-01", "2025-04-01-2025-06-30", "2025-04..2025-06-30",
            "2025-04-01..2025-06", "2025-4..2025-6", "2025-4-1..2025-6-30",
            "２０２５-10", "2025-1٠", "FY2025-Q٣", "October 2025", "2025-10\u{0}",
        ]
        for text in malformed {
            #expect(throws: PeriodError.malformed(text), "\(text)") { try Period(parsing: text) }
        }
        #expect(
            PeriodError.malformed("2025/10").description
                == "\"2025/10\" is not a period: write 2025-10, FY2025-Q3, FY2025, 2025-04..2025-09 or 2025-04-01..2025-06-30"
        )
    }

    @Test func refusesAStartMonthOutsideTheYear() {
        for startMonth in [0, 13, -1] {
            #expect(throws: PeriodError.invalidStartMonth(startMonth)) {
                try Period(parsing: "2025-10", financialYearStartMonth: startMonth)
            }
            #expect(throws: PeriodError.invalidStartMonth(startMonth)) {
                try Period.financialYear(2025, startMonth: startMonth)
            }
            #expect(throws: PeriodError.invalidStartMonth(startMonth)) {
                try Period.quarter(1, ofFinancialYear: 2025, startMonth: startMonth)
            }
        }
        #expect(
            PeriodError.invalidStartMonth(13).description
                == "the financial year start month is 13, but it must be 1 (January) to 12 (December)")
    }

    /// Worked example P1 (../shared/examples/worked-examples.md): the financial year and quarter
    /// of four days, with the year starting in April.
    @Test(arguments: [
        (date(2025, 4, 1), 2025, 1), (date(2026, 1, 15), 2025, 4), (date(2026, 3, 31), 2025, 4),
        (date(2026, 4, 5), 2026, 1),
    ])
    func workedExampleP1(day: CalendarDate, year: Int, quarter: Int) throws {
        #expect(Period.financialYear(containing: day, startMonth: 4) == year)
        #expect(try Period.quarter(quarter, ofFinancialYear: year, startMonth: 4).contains(day))
        #expect(try Period(parsing: "FY\(year)").contains(day))
    }
}
