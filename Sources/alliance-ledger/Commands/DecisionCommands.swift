import AllianceLedger
import ArgumentParser
import Dates
import Foundation

// The alliance board's decisions. A board member proposes, votes and withdraws with their own
// token (`--token`); the operator, who has no partner and so no vote, acts for one with `--as`
// only while the alliance is being set up.

struct DecisionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decision",
        abstract: "Propose, vote on, withdraw and read the board's decisions.",
        discussion: """
            One vote per partner, cast by one of its board members: approve, object (with a \
            reason) or abstain. A decision is carried the moment every partner approves (or, \
            where the alliance lets an abstention stand aside, when every partner has voted, none \
            objects and one approves), and its action is applied in the same transaction. At its \
            closing time an open decision is rejected or lapses. A board member acts with their \
            own token (--token or ALLIANCE_LEDGER_TOKEN); while the alliance is being set up, \
            before its first decision is carried, the operator may act for one with --as.
            """,
        subcommands: [
            DecisionProposeCommand.self, DecisionVoteCommand.self, DecisionWithdrawCommand.self,
            DecisionShowCommand.self, DecisionListCommand.self,
        ])
}

/// The decision a command is about: `D-0001` or its id.
struct DecisionArgument: ParsableArguments {
    @Argument(
        help: ArgumentHelp("The decision: its number, e.g. D-0001, or its id.", valueName: "decision"),
        transform: { text in
            guard let reference = DecisionReference(text) else {
                throw ValidationError(
                    "the decision must be a number such as D-0001 or an id, not \"\(text)\"")
            }
            return reference
        })
    var reference: DecisionReference
}

struct DecisionProposeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "propose",
        abstract: "Propose a decision, with an optional action that is applied when it is carried.",
        discussion: """
            The action is JSON in the same form as the HTTP API's, e.g. \
            {"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"STAFF",\
            "amount":125000000}]} (amounts in minor units); the types are \
            \(DecisionAction.types.joined(separator: ", ")). It is checked before anything is \
            written, and a fault names the field. Without an action, the decision is a resolution \
            for the minutes.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var member: ActAsOption

    @Option(help: "What the board is asked to decide.")
    var title: String
    @Option(help: "The case for it.")
    var description = ""
    @Option(
        name: .customLong("closes-at"),
        help: ArgumentHelp(
            "When voting closes, e.g. 2025-06-01T17:00:00Z (default: seven days from now).",
            valueName: "instant"))
    var closesAt: Timestamp?
    @Option(
        name: .customLong("action-file"),
        help: ArgumentHelp("The action as a JSON file; - reads standard input.", valueName: "file"))
    var actionFile: String?

    func run() async throws {
        let action = try actionFile.map(ActionFile.read)
        let proposal = try DecisionProposal(
            title: title, description: description, closesAt: closesAt, action: action)
        try await global.withLedger(alliance) { context in
            let caller = try await member.caller(in: context, who: "a board member")
            let decision: Decision
            do {
                decision = try await Decisions(pool: context.ledger.pool).propose(
                    proposal, in: context.alliance, by: caller)
            } catch let error as LedgerError {
                guard let action, let actionFile,
                    let failure = ActionFile.failure(error, in: action, file: actionFile)
                else { throw error }
                throw failure
            }
            try output.emit(decision, context)
            printError("proposed \(decision.reference); voting closes at \(decision.closesAt)")
        }
    }
}

struct DecisionVoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vote",
        abstract: "Cast (or change) the vote of the board member's partner.",
        discussion: """
            A partner has one vote: its latest counts, and every earlier one is kept. The vote that \
            meets the rule carries the decision and applies its action.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var member: ActAsOption
    @OptionGroup var decision: DecisionArgument

    @Option(help: "The partner's vote.")
    var vote: VoteChoice
    @Option(help: "Why: required to object, optional otherwise.")
    var reason: String?

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let caller = try await member.caller(in: context, who: "a board member")
            let voted = try await Decisions(pool: context.ledger.pool).vote(
                vote, reason: reason, on: decision.reference, in: context.alliance, by: caller)
            try output.emit(voted, context)
            switch voted.state {
            case .carried: printError("\(voted.reference) is carried: \(voted.effectSummary(context))")
            case .failed:
                printError("\(voted.reference) failed: \(voted.failure ?? "its action could not apply")")
            default: printError("\(voted.reference): \(voted.tally.summary)")
            }
        }
    }
}

struct DecisionWithdrawCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdraw", abstract: "Withdraw an open decision: only its proposer may.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var member: ActAsOption
    @OptionGroup var decision: DecisionArgument

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let caller = try await member.caller(in: context, who: "a board member")
            let withdrawn = try await Decisions(pool: context.ledger.pool).withdraw(
                decision.reference, in: context.alliance, by: caller)
            try output.emit(withdrawn, context)
            printError("withdrew \(withdrawn.reference)")
        }
    }
}

struct DecisionShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a decision, its action and effect, and every vote.",
        discussion: """
            The table is the decision followed by its votes, oldest first, and the partners yet to \
            vote; csv is the votes alone; json is the decision as the HTTP API answers it.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var decision: DecisionArgument

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let found = try await Decisions(pool: context.ledger.pool).decision(
                decision.reference, in: context.alliance)
            try output.emit(found, context)
        }
    }
}

struct DecisionListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List decisions, newest first, a page at a time.",
        discussion:
            "When more decisions remain, the cursor for the next page is printed on standard error (and as nextCursor in JSON); --all lists every page instead."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Option(help: "Only decisions in this state.")
    var state: DecisionState?
    @OptionGroup var paging: PageOptions

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let layout = TableLayout<Decision>(columns: ["number", "state", "title", "closes at", "tally"]) {
                [$0.reference, $0.state.rawValue, $0.title, $0.closesAt.description, $0.tally.summary]
            }
            let decisions = Decisions(pool: context.ledger.pool)
            try await output.emitListing(paging, of: "decisions", table: layout) { page in
                try await decisions.list(in: context.alliance, state: state, page: page)
            }
        }
    }
}

// MARK: The action file

/// `--action-file`: a decision's action as JSON, read strictly by the library's decoder.
enum ActionFile {
    static func read(_ path: String) throws -> DecisionAction {
        let source = path == "-" ? "standard input" : path
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            else { throw CommandFailure(.invalidInput, "--action-file \(path): no such file") }
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw CommandFailure(.invalidInput, "--action-file \(path): cannot be read")
            }
        }
        do {
            return try StrictJSON.decode(DecisionAction.self, from: data)
        } catch let error as LedgerError {
            throw CommandFailure(.invalidInput, "--action-file \(source): \(error.description)")
        } catch let error as DecodingError {
            throw CommandFailure(.invalidInput, "--action-file \(source): \(describe(error))")
        } catch {
            throw CommandFailure(.invalidInput, "--action-file \(source): is not a valid action: \(error)")
        }
    }

    /// A decoding fault as a sentence naming the field by its path in the file.
    static func describe(_ error: DecodingError) -> String {
        decodingFault(error, document: "the action").message
    }

    /// The library's refusal of an action that does not fit the books (a partner or line that
    /// does not exist, a figure listed twice), as a fault of the file that names the field.
    /// Nil for refusals that are not about the action.
    static func failure(_ error: LedgerError, in action: DecisionAction, file: String) -> CommandFailure? {
        let source = file == "-" ? "standard input" : file
        switch error {
        case .invalidField(let name, let reason) where name.hasPrefix("action."):
            // The library names the field within the proposal; the file holds the action alone.
            return CommandFailure(.invalidInput, "--action-file \(source): \(name.dropFirst(7)) \(reason)")
        case .exists:
            return CommandFailure(.conflict, "--action-file \(source): \(error.description)")
        default:
            guard let field = action.field(concerning: error) else { return nil }
            return CommandFailure(.invalidInput, "--action-file \(source): \(field): \(error.description)")
        }
    }
}

// MARK: Printing a decision

extension OutputOptions {
    /// A decision as the table (its particulars, then its votes), as CSV (its votes) or as the
    /// wire JSON.
    func emit(_ decision: Decision, _ context: LedgerContext) throws {
        let votes = TextTable(
            columns: ["partner", "person", "vote", "reason", "cast at", "current"],
            rows: decision.votes.map {
                [
                    $0.partner, $0.person, $0.vote.rawValue, $0.reason ?? "", $0.castAt.description,
                    $0.current ? "yes" : "no",
                ]
            })
        switch format {
        case .json: print(try jsonText(decision))
        case .csv: printCSV(votes)
        case .table:
            var text = decision.particulars(context).rendered + "\n"
            text += decision.votes.isEmpty ? "No votes yet.\n" : votes.renderTable()
            let voted = Set(decision.votes.map(\.partner))
            let silent = decision.electorate.filter { !voted.contains($0) }
            if !silent.isEmpty { text += "Not voted: \(silent.joined(separator: ", "))\n" }
            print(text, terminator: "")
        }
    }
}

/// Labelled lines, the labels padded to one width.
struct Particulars {
    var lines: [(label: String, value: String)] = []

    mutating func add(_ label: String, _ value: String) { lines.append((label, value)) }

    var rendered: String {
        let width = lines.map(\.label.count).max() ?? 0
        return lines.map { $0.label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.value }
            .joined(separator: "\n") + "\n"
    }
}

extension Decision {
    fileprivate func particulars(_ context: LedgerContext) -> Particulars {
        var lines = Particulars()
        lines.add("number", reference)
        lines.add("title", title)
        if !description.isEmpty { lines.add("description", description) }
        lines.add("state", state.rawValue)
        lines.add("proposer", "\(proposer) at \(proposedAt)")
        lines.add("closes", closesAt.description)
        if let closedAt { lines.add("closed", closedAt.description) }
        lines.add("rule", abstention.rule)
        lines.add("tally", tally.summary)
        lines.add(
            "action", action.map { $0.summary(money: context.money) } ?? "none: a resolution for the minutes")
        switch state {
        case .carried: lines.add("effect", effectSummary(context))
        case .failed: lines.add("failure", failure ?? "the action could not apply")
        default: break
        }
        return lines
    }

    /// What the carried decision did, in a phrase.
    func effectSummary(_ context: LedgerContext) -> String {
        guard let effect else { return action == nil ? "recorded for the minutes" : "none" }
        return action?.effectSummary(effect, money: context.money) ?? "none"
    }
}

extension DecisionTally {
    /// `3/5 approve`, with objections, abstentions and silence when there are any.
    var summary: String {
        var parts = ["\(approve)/\(electorate) approve"]
        if object > 0 { parts.append("\(object) object") }
        if abstain > 0 { parts.append("\(abstain) abstain") }
        if notVoted > 0 { parts.append("\(notVoted) not voted") }
        return parts.joined(separator: ", ")
    }
}
