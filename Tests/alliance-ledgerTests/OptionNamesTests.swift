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
}
