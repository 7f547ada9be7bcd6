// The conformances of the library's public types are public, so this file alone imports their
// modules publicly.
public import AllianceLedger
public import ArgumentParser
public import Dates

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
