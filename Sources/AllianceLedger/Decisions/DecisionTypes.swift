public import Dates
import Postgres

/// Where a decision stands. Only `open` changes, and only once.
public enum DecisionState: String, CaseIterable, Sendable, Codable {
    case open
    /// Every partner agreed (under the alliance's rule) and the action was applied.
    case carried
    /// A partner objected, or (when abstention blocks) abstained, by the closing time.
    case rejected
    /// The closing time came with a partner silent: silence is never consent.
    case lapsed
    /// Its proposer took it back while open.
    case withdrawn
    /// Every partner agreed, but the action could no longer apply; the books are untouched.
    case failed
}

public enum VoteChoice: String, CaseIterable, Sendable, Codable {
    case approve
    /// Needs a reason.
    case object
    case abstain
}

/// A board member's proposal.
public struct DecisionProposal: Hashable, Sendable {
    /// How long (in microseconds) a decision stays open when the proposal does not say.
    public static let defaultOpenFor: Int64 = 7 * 86_400_000_000

    public let title: String
    public let description: String
    /// Nil: seven days after it opens.
    public let closesAt: Timestamp?
    /// Nil: a resolution for the minutes.
    public let action: DecisionAction?

    public init(
        title: String, description: String = "", closesAt: Timestamp? = nil, action: DecisionAction? = nil
    )
        throws(LedgerError)
    {
        try Validate.text(title, field: "title", maximumLength: 200)
        try Validate.optionalText(description, field: "description", maximumLength: 10_000)
        self.title = title
        self.description = description
        self.closesAt = closesAt
        self.action = action
    }
}

/// A partner's vote: its latest counts, and every earlier one is kept.
public struct DecisionVote: Hashable, Sendable, Encodable {
    public let partner: String
    /// The board member who cast it, by email.
    public let person: String
    public let vote: VoteChoice
    @ExplicitNull public private(set) var reason: String?
    public let castAt: Timestamp
    /// Whether this is the partner's latest vote: the one that counts.
    public let current: Bool
}

/// The partners' current votes, counted.
public struct DecisionTally: Hashable, Sendable, Encodable {
    /// How many partners may vote: the four counts below add up to it.
    public let electorate: Int
    public let approve: Int
    public let object: Int
    public let abstain: Int
    /// Partners of the electorate that have not voted.
    public let notVoted: Int

    init(votes: [DecisionVote], electorate: [String]) {
        let current = votes.filter(\.current)
        approve = current.count { $0.vote == .approve }
        object = current.count { $0.vote == .object }
        abstain = current.count { $0.vote == .abstain }
        notVoted = electorate.count - current.count
        self.electorate = approve + object + abstain + notVoted
    }

    /// Whether the alliance's rule is met: every partner approves, or (when abstention stands
    /// aside) every partner has voted, none objects and at least one approves. The database
    /// holds the same rule (`decision_rule_met`).
    public func carries(under abstention: Abstention) -> Bool {
        switch abstention {
        case .blocks: electorate > 0 && approve == electorate
        case .standsAside: object == 0 && approve >= 1 && notVoted == 0
        }
    }

    /// What an open decision becomes at its closing time.
    public func outcomeAtClose(under abstention: Abstention) -> DecisionState {
        if carries(under: abstention) { return .carried }
        if object > 0 || (abstention == .blocks && abstain > 0) { return .rejected }
        return .lapsed
    }
}

/// What a carried decision did, read back from the rows it produced.
public enum DecisionEffect: Hashable, Sendable {
    case budgetChanges(year: Int, [BudgetChange])
    case partnerAdmitted(Partner)
    case partnerRemoved(Partner)
    case riskShareTerms(year: Int, [RiskShareTerm])
    case outcomeTerms(OutcomeTerms)
    /// The payment as posted, and its journal entry (none when nothing was earned).
    case outcomePayment(OutcomePayment, entry: JournalEntry?)
    /// The year as settled, and its journal entry (none when nothing moved).
    case riskShareSettlement(RiskShareStatement, entry: JournalEntry?)
    /// The admin or auditor the decision appointed, as they are now.
    case personAppointed(type: String, Person)
    case budgetLineAdded(BudgetLine)
    case settingsChanged(AllianceSettings)
}

/// A decision of the alliance board, with every vote.
public struct Decision: Hashable, Sendable {
    public let id: Int64
    /// 1 for D-0001: numbered within the alliance.
    public let number: Int
    public let title: String
    public let description: String
    public let action: DecisionAction?
    /// The proposer's email.
    public let proposer: String
    public let proposedAt: Timestamp
    public let closesAt: Timestamp
    /// The rule it is decided by: the alliance's setting when it opened.
    public let abstention: Abstention
    public let state: DecisionState
    public let closedAt: Timestamp?
    /// Why a carried action could not apply, when `failed`.
    public let failure: String?
    /// The partners entitled to vote, fixed when it opened.
    public let electorate: [String]
    /// Every vote, oldest first.
    public let votes: [DecisionVote]
    public let effect: DecisionEffect?

    /// `D-0001`.
    public var reference: String { Decision.reference(number) }

    public var tally: DecisionTally { DecisionTally(votes: votes, electorate: electorate) }

    static func reference(_ number: Int) -> String {
        let digits = String(number)
        return "D-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// How a request names a decision: its id, or its number within the alliance (`D-0001`).
public enum DecisionReference: Hashable, Sendable, CustomStringConvertible {
    case id(Int64)
    case number(Int)

    /// `17` or `D-0017`; nil for anything else.
    public init?(_ text: String) {
        if text.hasPrefix("D-"), let number = Int(text.dropFirst(2)), number > 0, text.count >= 6 {
            self = .number(number)
        } else if let id = Int64(text), id > 0, text.first != "+" {
            self = .id(id)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .id(let id): String(id)
        case .number(let number): Decision.reference(number)
        }
    }
}
