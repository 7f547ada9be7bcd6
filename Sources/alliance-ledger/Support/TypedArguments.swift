// The conformances of the library's public types are public, so this file alone imports their
// modules publicly.
public import AllianceLedger
public import ArgumentParser
public import Dates
import Foundation
import Logging

// The library's values read straight from the command line: a value that does not parse is
// argument-parser's usage error (exit 2) naming the option and, for an enumeration, listing its
// values, which `--help` and the shell completion scripts list too. Each reads through the
// library's own parser (`CalendarDate(iso8601:)`, `Timestamp(iso8601:)`, the raw values). The library cannot conform
// them itself, as ArgumentParser is this target's dependency, not the library's.

extension CalendarDate: ExpressibleByArgument {
    public init?(argument: String) { self.init(iso8601: argument) }
}

extension Timestamp: ExpressibleByArgument {
    public init?(argument: String) { self.init(iso8601: argument) }
}

extension Role: ExpressibleByArgument {}
extension VoteChoice: ExpressibleByArgument {}
extension DecisionState: ExpressibleByArgument {}
extension EntryKind: ExpressibleByArgument {}
extension PartnerKind: ExpressibleByArgument {}
extension Abstention: ExpressibleByArgument {}
extension SupplierType: ExpressibleByArgument {}

/// `--log-level`: one of swift-log's levels, read in any case as `Settings` reads the
/// configuration file's and the environment's. A value of its own, as conforming `Logger.Level`
/// would be a retroactive conformance of one package's type to another's protocol.
struct LogLevelArgument: ExpressibleByArgument {
    let level: Logger.Level

    init?(argument: String) {
        guard let level = Logger.Level(rawValue: argument.lowercased()) else { return nil }
        self.level = level
    }

    static var allValueStrings: [String] { Logger.Level.allCases.map(\.rawValue) }
    static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }
}

// Periods, financial years and amounts are typed too, but their meaning is the alliance's: a
// quarter's months follow its financial year, an amount's decimal places its currency. Their
// values therefore take any text and are read when the command knows the alliance, by the
// library's own parsers, so that a value the alliance's rules refuse is invalid input (exit 5)
// whether it is misspelt or merely out of place — FY25 and a month where payments are
// quarterly are refused alike. What the types give is the value's name in help and the shell's
// completion of the periods around today.

/// A value kept as written, for the library to read once the alliance is known.
protocol WrittenArgument: ExpressibleByArgument, CustomStringConvertible, Sendable {
    var text: String { get }
    init(text: String)
}

extension WrittenArgument {
    init(argument: String) { self.init(text: argument) }

    var description: String { text }

    /// Completion from `suggestions` of today's periods, those that start as typed so far.
    static func completing(_ suggestions: @escaping @Sendable (PeriodSuggestions) -> [String])
        -> CompletionKind
    {
        .custom { _, _, prefix in
            suggestions(PeriodSuggestions(today: Timestamp(Date()).calendarDate)).filter {
                $0.hasPrefix(prefix)
            }
        }
    }
}

/// `--period`: a statement's months or an outcome payment period, as written (2025-10,
/// FY2025-Q3, FY2025, 2025-04..2025-09); the library reads it against the alliance.
struct PeriodName: WrittenArgument {
    let text: String

    static var defaultCompletionKind: CompletionKind { completing(\.periods) }
}

/// `--year`: a financial year's name, FY2025, read against the alliance's first month.
struct FinancialYearName: WrittenArgument {
    let text: String

    static var defaultCompletionKind: CompletionKind { completing(\.financialYears) }

    /// The year's number in `alliance`'s calendar; a name that is not a financial year is invalid
    /// input naming the option.
    func financialYear(of alliance: Alliance, option: String = "--year") throws -> Int {
        do {
            return try Period.financialYear(named: text, startMonth: alliance.financialYearStartMonth)
        } catch {
            throw CommandFailure(.invalidInput, "\(option): \(error)")
        }
    }
}

/// An amount of money as written (1234.56), read exactly in the alliance's currency's minor
/// units by `Money.parse`, never through floating point.
struct AmountText: WrittenArgument {
    let text: String

    /// The amount in minor units of `currency`: positive, or zero too where `zeroAllowed`; any
    /// other text is invalid input naming the option, with an example of what it takes.
    func minorUnits(of currency: String, option: String, zeroAllowed: Bool = false) throws -> Int64 {
        guard let minor = Money.parse(text, currency: currency), zeroAllowed ? minor >= 0 : minor > 0 else {
            let what = zeroAllowed ? "zero or a positive amount" : "a positive amount"
            throw CommandFailure(
                .invalidInput, "\(option) must be \(what) of \(currency) such as 1234.56, not \"\(text)\"")
        }
        return minor
    }
}

/// What the shell offers for a period or a year: the financial years either side of today's
/// and, for the current and the previous year, their quarters and months. Financial years are
/// taken to start in April, the alliances' usual first month, as completion runs without a
/// database to ask; the library reads whatever is chosen against the alliance's own calendar.
struct PeriodSuggestions: Sendable {
    let financialYears: [String]
    let periods: [String]

    init(today: CalendarDate, startMonth: Int = 4) {
        let current = Period.financialYear(containing: today, startMonth: startMonth)
        // Each name is the library's own spelling of the period (`description`), so what the
        // shell offers is what the parser reads back.
        financialYears = (current - 2...current + 1).compactMap {
            try? Period.financialYear($0, startMonth: startMonth).description
        }
        periods = [current, current - 1].flatMap { year -> [Period] in
            let quarters = (1...4).compactMap {
                try? Period.quarter($0, ofFinancialYear: year, startMonth: startMonth)
            }
            let months = (0..<12).compactMap { offset -> Period? in
                let month = (startMonth - 1 + offset) % 12 + 1
                return try? Period.month(year: month >= startMonth ? year : year + 1, month: month)
            }
            return [try? Period.financialYear(year, startMonth: startMonth)].compactMap { $0 } + quarters
                + months
        }.map(\.description)
    }
}
