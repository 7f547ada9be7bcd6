import AllianceLedger
import ArgumentParser
import Foundation
import Logging

struct RootCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alliance-ledger",
        abstract:
            "The system of record for an alliance contract: open books, unanimous decisions, verifiable statements.",
        discussion: """
            With no database configured, commands use a private PostgreSQL cluster in \
            ./.alliance-ledger, started on first use. Messages go to standard error; data to \
            standard output. \(ExitStatus.helpText).
            """,
        version: AllianceLedgerVersion.current,
        subcommands: [
            DbCommand.self, AllianceCommand.self, PartnerCommand.self, BudgetLineCommand.self,
            FormerLineCommand.self,
            PersonCommand.self,
            TokenCommand.self, DecisionCommand.self, BudgetCommand.self, SpendCommand.self,
            OutcomeCommand.self, RiskShareCommand.self, StatementCommand.self, KeyCommand.self,
            AuditCommand.self,
            JournalCommand.self,
            BalanceCommand.self,
            TrialBalanceCommand.self, ServeCommand.self, DemoCommand.self, ConfigCommand.self,
        ])
}

@main
enum AllianceLedgerMain {
    static func main() async {
        LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
        let status = await run(Array(CommandLine.arguments.dropFirst()))
        exit(status.rawValue)
    }

    /// Parses and runs one command line, returning the exit status instead of exiting, so that
    /// tests can drive it.
    static func run(_ arguments: [String]) async -> ExitStatus {
        do {
            var command = try RootCommand.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return .success
        } catch {
            return report(error)
        }
    }

    private static func report(_ error: any Error) -> ExitStatus {
        if error is CommandFailure || !isArgumentParserError(error) {
            let failure = CommandFailure(describing: error)
            printError("alliance-ledger: error: \(failure.message)")
            return failure.status
        }
        let message = RootCommand.fullMessage(for: error)
        switch RootCommand.exitCode(for: error) {
        case .success:
            print(message)
            return .success
        case .validationFailure:
            printError(message)
            return .usage
        default:
            printError(message)
            return .failure
        }
    }

    /// Help, version and usage errors come from argument-parser as its own error types.
    private static func isArgumentParserError(_ error: any Error) -> Bool {
        error is ValidationError || error is CleanExit || error is ExitCode
            || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }
}
