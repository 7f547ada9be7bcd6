import TestSupport
import Testing

/// The command line names a value as the JSON does and reads it as its type: `--budget-line`
/// (with `--line`, its former name, still read) and the `budget-line` command (with `line`
/// still run but left out of help); an option of an enumeration lists its values in help and
/// refuses anything else as a usage error, exit 2, before any database is opened.
@Suite(.timeLimit(.perTest)) struct OptionNamesTests {
    @Test func aBudgetLineIsNamedAsTheJSONNamesIt() async throws {
        let record = try await CommandRunner.run(["spend", "record", "--help"])
        #expect(record.status == 0)
        #expect(record.standardOutput.contains("--budget-line <budget-line>"))
        #expect(record.standardOutput.contains("--line is its former name"))
        let list = try await CommandRunner.run(["spend", "list", "--help"])
        #expect(list.standardOutput.contains("--budget-line"))

        let root = try await CommandRunner.run(["--help"])
        #expect(root.standardOutput.contains("  budget-line "))
        #expect(!root.standardOutput.contains("  line "), "the former name is left out of help")
        let former = try await CommandRunner.run(["line", "add", "--help"])
        #expect(former.status == 0)
        #expect(former.standardOutput.contains("Add a budget line"))
    }

    @Test func anEnumerationsHelpListsItsValues() async throws {
        let help = try await CommandRunner.run(["decision", "vote", "--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("approve"))
        #expect(help.standardOutput.contains("object"))
        #expect(help.standardOutput.contains("abstain"))
        let levels = try await CommandRunner.run(["config", "show", "--help"])
        #expect(levels.standardOutput.contains("trace, debug, info, notice, warning, error, critical"))
        #expect(try await CommandRunner.run(["config", "show", "--log-level", "WARNING"]).status == 0)
    }

    @Test func aTypedOptionRefusesABadValueAsAUsageError() async throws {
        let vote = try await CommandRunner.run([
            "decision", "vote", "D-0001", "--alliance", "lambeth", "--vote", "maybe",
        ])
        #expect(vote.status == 2)
        #expect(vote.standardError.contains("'maybe'"))
        #expect(vote.standardError.contains("--vote"))
        #expect(vote.standardError.contains("approve"))

        let day = try await CommandRunner.run([
            "spend", "list", "--alliance", "lambeth", "--from", "2025-02-30",
        ])
        #expect(day.status == 2)
        #expect(day.standardError.contains("'2025-02-30'"))
        #expect(day.standardError.contains("--from"))

        let level = try await CommandRunner.run(["config", "show", "--log-level", "loud"])
        #expect(level.status == 2)
        #expect(level.standardError.contains("'loud'"))
        #expect(level.standardError.contains("critical"))
    }

    /// Periods, years and amounts are typed for help and the shell: `--period` and `--year`
    /// complete with the periods around today in the library's own spelling, and an amount's
    /// help names its value. Their text is read against the alliance, so a bad one is invalid
    /// input, exit 5, as `OutcomeCommandTests` and `BudgetCommandTests` assert.
    @Test func periodsAndYearsCompleteInTheShell() async throws {
        func complete(_ command: [String], _ option: String, _ prefix: String) async throws -> [String] {
            let arguments = ["alliance-ledger"] + command + [option, prefix]
            let result = try await CommandRunner.run(
                ["---completion"] + command + [
                    "--", option, String(arguments.count - 1), String(prefix.count),
                ]
                    + arguments)
            #expect(result.status == 0, "\(result.standardError)")
            return result.standardOutput.split(separator: "\n").map(String.init)
        }
        let quarters = try await complete(["statement", "preview"], "--period", "FY")
        #expect(quarters.count == 10, "two years, each with four quarters: \(quarters)")
        #expect(quarters.allSatisfy { $0.hasPrefix("FY") })
        #expect(quarters.filter { $0.contains("-Q") }.count == 8)
        let months = try await complete(["outcome", "payment"], "--period", "20")
        #expect(months.count == 24, "\(months)")
        #expect(months.allSatisfy { $0.count == 7 && $0.dropFirst(4).hasPrefix("-") })
        let years = try await complete(["budget", "show"], "--year", "")
        #expect(years.count == 4, "\(years)")
        #expect(years.allSatisfy { $0.count == 6 && $0.hasPrefix("FY") })

        let record = try await CommandRunner.run(["spend", "record", "--help"])
        #expect(record.standardOutput.contains("--amount <amount>"))
        #expect(record.standardOutput.contains("--irrecoverable-vat <amount>"))
        let preview = try await CommandRunner.run(["statement", "preview", "--help"])
        #expect(preview.standardOutput.contains("--period <period>"))
    }
}
