import AllianceLedger
import Dates
import Foundation

/// A published statement as the public pages read it: decoded from its exact published bytes
/// (`alliance-ledger-statement/1`), never recomputed, so that the page shows what was signed.
/// Only the keys the pages show are read.
struct PublishedStatement: Decodable, Sendable {
    let number: String
    let previousHash: String?
    let header: Header
    let period: Period
    let budget: BudgetSection
    let yearToDate: BudgetSection
    let spend: SpendSection
    let outcomes: OutcomeSection
    let riskShare: RiskShare?
    let decisions: [Decision]
    let commentary: [Commentary]
    let integrity: Integrity
    let restates: Restatement?

    struct Header: Decodable, Sendable {
        let alliance: Alliance
        let origin: String?
        let basis: String
        let journalHead: Head
        let publishedBy: Publisher?
        let publishedAt: Timestamp?
    }

    struct Alliance: Decodable, Sendable {
        let slug: String
        let name: String
        let currency: String
    }

    struct Head: Decodable, Sendable {
        let sequence: Int64
        let hash: String?
    }

    struct Publisher: Decodable, Sendable {
        let name: String
        let partner: String?
    }

    struct Period: Decodable, Sendable {
        let name: String
        let from: CalendarDate
        let to: CalendarDate
        let financialYear: String
    }

    struct BudgetSection: Decodable, Sendable {
        let rows: [BudgetRow]
        let byPartner: [BudgetTotal]
        let byLine: [BudgetTotal]
        let total: BudgetTotal
    }

    struct BudgetRow: Decodable, Sendable {
        let partner: String
        let budgetLine: String
        let budget: Int64
        let actual: Int64
        let variance: Int64
    }

    struct BudgetTotal: Decodable, Sendable {
        let key: String?
        let budget: Int64
        let actual: Int64
        let variance: Int64
        let fullYearBudget: Int64?
        let remaining: Int64?
    }

    struct SpendSection: Decodable, Sendable {
        let rows: [SpendRow]
        let total: SpendRow
    }

    struct SpendRow: Decodable, Sendable {
        let partner: String?
        let budgetLine: String?
        let entries: Int64
        let entriesTotal: Int64
        let reversals: Int64
        let reversalsTotal: Int64
        let net: Int64
    }

    struct OutcomeSection: Decodable, Sendable {
        let terms: String?
        let frequency: String?
        let periods: [OutcomePeriod]
    }

    struct OutcomePeriod: Decodable, Sendable {
        let period: String
        let pool: Int64
        let measures: [Measure]
        let earned: Int64
        let unearned: Int64
        let allocations: [Allocation]
        let paid: Posting?
    }

    struct Measure: Decodable, Sendable {
        let code: String
        let name: String
        let unit: String
        let target: String
        let measurement: String?
        /// Basis points of the measure's part of the pool that was earned.
        let attainment: Int
        let available: Int64
        let earned: Int64
        /// The latest measurement's state and who reported and reviewed it: absent from
        /// statements published before measurements were reviewed.
        let state: String?
        let reporter: String?
        let reviewer: Reviewer?
    }

    struct Reviewer: Decodable, Sendable {
        /// `finance`, `auditor` or `migration`.
        let kind: String
        let partner: String?
    }

    struct Allocation: Decodable, Sendable {
        let partner: String
        let share: Int
        let amount: Int64
    }

    struct Posting: Decodable, Sendable {
        let decision: String
        let entry: Int64?
    }

    struct RiskShare: Decodable, Sendable {
        let year: String
        let terms: String
        let target: Int64
        let actual: Int64
        let difference: Int64
        let partnerSide: Int64
        let ownerSide: Int64
        let allocations: [Allocation]
        let unallocated: Int64
        let provisional: Bool
        let settled: Posting?
    }

    struct Decision: Decodable, Sendable {
        let number: String
        let title: String
        let state: String
        let proposer: String
        let proposedAt: Timestamp
        let closedAt: Timestamp?
        let votes: [Vote]
        let effect: String?
    }

    struct Vote: Decodable, Sendable {
        let partner: String
        let vote: String
        let reason: String?
        let castAt: Timestamp
        let current: Bool
    }

    struct Commentary: Decodable, Sendable {
        let partner: String
        let budgetLine: String
        let text: String
        let at: Timestamp
    }

    struct Integrity: Decodable, Sendable {
        let entries: Int64
        let trialBalance: Int64
        let headSequence: Int64
        let headHash: String?
        let treeSize: Int64
        let treeRoot: String
        let governanceTreeSize: Int64
        let governanceTreeRoot: String
    }

    struct Restatement: Decodable, Sendable {
        let supersedes: String
        let reason: String
    }

    /// The statement in `bytes`; a stored statement that does not decode is the service's fault.
    static func decode(_ bytes: some Sequence<UInt8>) throws -> PublishedStatement {
        try JSONDecoder().decode(PublishedStatement.self, from: Data(bytes))
    }

    /// The total earned from outcomes over the statement's outcome periods.
    var outcomeEarnings: Int64 { outcomes.periods.reduce(0) { $0 + $1.earned } }
}
