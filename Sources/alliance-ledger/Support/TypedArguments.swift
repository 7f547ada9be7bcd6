// The conformances of the library's public types are public, so this file alone imports their
// modules publicly.
public import AllianceLedger
public import ArgumentParser
public import Dates
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
