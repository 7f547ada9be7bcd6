public import Dates
import Postgres

/// An open-book statement: what partners, auditors and the public read of a period. A preview
/// is computed live; a published statement is frozen as canonical JSON (RFC 8785), numbered,
/// chained to the one before and co-signed by the partners.
///
/// Its JSON keys are a published format (`alliance-ledger-statement/1`): every key is always
/// present (an absent optional as `null`), amounts are integer minor units, every number is an
/// integer within ±(2^53 − 1), measured values are exact decimals written as strings.
public struct Statement: Hashable, Sendable {
    public static let format = "alliance-ledger-statement/1"

    /// `S-0001`; nil for a preview.
    public var number: String?
    /// The previous published statement's hash (hex); nil for the first, and for a preview.
    public var previousHash: String?
    public var header: Header
    public let period: PeriodInfo
    public let budget: BudgetSection
    public let yearToDate: BudgetSection
    public let spend: SpendSection
    public let outcomes: OutcomeSection
    /// Nil when the year has no risk/reward terms.
    public let riskShare: RiskShareSection?
    public let decisions: [DecisionRecord]
    public let commentary: [Commentary]
    public var integrity: Integrity
    /// What a restatement supersedes, why, and what changed since.
    public var restates: Restatement?

    public struct Header: Hashable, Sendable, Encodable {
        public let alliance: AllianceInfo
        /// The checkpoint's origin, such as `ledger.example.org/alliances/lambeth`; nil for a
        /// preview.
        @ExplicitNull public var origin: String? = nil
        /// What the figures are: spend effective in the period, recorded up to entry N.
        public let basis: String
        public let journalHead: Head
        /// Who published it and when; nil for a preview.
        @ExplicitNull public var publishedBy: Publisher? = nil
        @ExplicitNull public var publishedAt: Timestamp? = nil
    }

    public struct AllianceInfo: Hashable, Sendable, Encodable {
        public let slug: String
        public let name: String
        public let currency: String
    }

    public struct Head: Hashable, Sendable, Encodable {
        public let sequence: Int64
        /// Hex; nil before the first entry.
        @ExplicitNull public private(set) var hash: String?
    }

    public struct Publisher: Hashable, Sendable, Encodable {
        public let name: String
        public let email: String
        @ExplicitNull public private(set) var partner: String?
    }

    public struct PeriodInfo: Hashable, Sendable, Encodable {
        /// As the period parser writes it: `FY2025`, `FY2025-Q3`, `2025-10`, `2025-04..2025-09`.
        public let name: String
        public let from: CalendarDate
        public let to: CalendarDate
        public let financialYear: String
    }

    /// Budget against actual by partner × budget line, with totals; for the year to date the rows
    /// also carry the full year's budget and what remains of it.
    public struct BudgetSection: Hashable, Sendable, Encodable {
        public let from: CalendarDate
        public let to: CalendarDate
        public let rows: [BudgetRow]
        public let byPartner: [BudgetTotal]
        public let byLine: [BudgetTotal]
        public let total: BudgetTotal
    }

    public struct BudgetRow: Hashable, Sendable {
        public let partner: String
        public let budgetLine: String
        public let budget: Int64
        public let actual: Int64
        /// Budget − actual: positive is an underspend.
        public var variance: Int64 { budget - actual }
        /// The decisions that set the figures the budget is made of.
        public let decisions: [String]
        /// The year's figure as first set and as it stands at the end of the period.
        public let yearOriginal: Int64
        public let yearRevised: Int64
        /// For the year to date: the full year's budget, and what remains after the actual.
        public let fullYear: Int64?
    }

    public struct BudgetTotal: Hashable, Sendable {
        /// The partner's slug, the line's code, or nil for the whole.
        public let key: String?
        public let budget: Int64
        public let actual: Int64
        public var variance: Int64 { budget - actual }
        public let fullYear: Int64?
    }

    public struct SpendSection: Hashable, Sendable, Encodable {
        public let rows: [SpendRow]
        public let total: SpendRow
    }

    /// Spend entries and reversals counting in the period (a reversal in the period of what it
    /// reverses).
    public struct SpendRow: Hashable, Sendable {
        public let partner: String?
        public let budgetLine: String?
        public let entries: Int64
        public let entriesTotal: Int64
        public let reversals: Int64
        public let reversalsTotal: Int64
        public var net: Int64 { entriesTotal + reversalsTotal }
    }

    public struct OutcomeSection: Hashable, Sendable, Encodable {
        /// The decision whose terms apply, or nil when the year has none.
        @ExplicitNull public private(set) var terms: String?
        @ExplicitNull public private(set) var frequency: String?
        /// The outcome periods wholly inside the statement's period.
        public let periods: [OutcomePeriod]
    }

    public struct OutcomePeriod: Hashable, Sendable {
        public let period: String
        public let pool: Int64
        public let measures: [MeasureLine]
        public let earned: Int64
        public var unearned: Int64 { pool - earned }
        public let allocations: [Allocation]
        /// The decision that paid it and its entry; nil until paid.
        public let paid: Posting?
    }

    public struct MeasureLine: Hashable, Sendable {
        public let code: String
        public let name: String
        public let unit: String
        public let direction: String
        public let rule: String
        public let weight: Int
        public let target: String
        /// The latest measurement, as an exact decimal; nil while unmeasured.
        public let measurement: String?
        /// Basis points, from the latest measurement once validated.
        public let attainment: Int
        /// The measure's part of the pool: pool × weight.
        public let available: Int64
        public let earned: Int64
        public var unearned: Int64 { available - earned }
        /// The latest measurement's state, the partner that reported it and who reviewed it;
        /// nil while unmeasured, and in statements made before measurements were reviewed.
        public var state: String? = nil
        public var reporter: String? = nil
        public var reviewer: Reviewer? = nil
    }

    /// Who validated or rejected a measurement: a finance person of another partner, an
    /// auditor (of a partner or of none), or the migration that validated earlier figures.
    public struct Reviewer: Hashable, Sendable, Encodable {
        /// `finance`, `auditor` or `migration`.
        public let kind: String
        @ExplicitNull public private(set) var partner: String?
    }

    public struct Allocation: Hashable, Sendable, Encodable {
        public let partner: String
        public let share: Int
        public let amount: Int64
        @ExplicitNull public private(set) var cap: Int64?
    }

    public struct Posting: Hashable, Sendable, Encodable {
        public let decision: String
        @ExplicitNull public private(set) var entry: Int64?
    }

    public struct RiskShareSection: Hashable, Sendable {
        public let year: String
        public let terms: String
        public let target: Int64
        public let actual: Int64
        public var difference: Int64 { target - actual }
        /// The partner side's bands as set: `upTo` in basis points of target (nil: no end),
        /// `share` in basis points.
        public let gainBands: [Band]
        public let painBands: [Band]
        public let gainCap: Int64?
        public let painCap: Int64?
        public let fee: Int64?
        public let partnerSideBeforeCap: Int64
        public let partnerSide: Int64
        public var ownerSide: Int64 { difference - partnerSide }
        public let allocations: [Allocation]
        public let unallocated: Int64
        /// True until the year is settled.
        public let provisional: Bool
        public let settled: Posting?
        /// Net cost dated in the year but recorded after the settlement: not in the figures
        /// above, which are as settled.
        public let postSettlementAdjustments: Int64
    }

    public struct Band: Hashable, Sendable, Encodable {
        @ExplicitNull public private(set) var upTo: Int?
        public let share: Int
    }

    public struct DecisionRecord: Hashable, Sendable, Encodable {
        public let number: String
        public let title: String
        public let state: String
        public let proposer: String
        public let proposedAt: Timestamp
        public let closesAt: Timestamp
        @ExplicitNull public private(set) var closedAt: Timestamp?
        @ExplicitNull public private(set) var action: String?
        public let electorate: [String]
        public let votes: [Vote]
        /// What the carried decision did, in words; why a failed one failed.
        @ExplicitNull public private(set) var effect: String?
        /// The journal entry it posted, if any.
        @ExplicitNull public private(set) var entry: Int64?
    }

    public struct Vote: Hashable, Sendable, Encodable {
        public let partner: String
        public let person: String
        public let vote: String
        @ExplicitNull public private(set) var reason: String?
        public let castAt: Timestamp
        public let current: Bool
    }

    public struct Commentary: Hashable, Sendable, Encodable {
        public let partner: String
        public let budgetLine: String
        public let text: String
        public let by: String
        public let at: Timestamp
    }

    public struct Integrity: Hashable, Sendable, Encodable {
        public let entries: Int64
        /// Must be zero: publishing is refused otherwise.
        public let trialBalance: Int64
        public let headSequence: Int64
        @ExplicitNull public private(set) var headHash: String?
        public let treeSize: Int64
        public let treeRoot: String
        public let governanceTreeSize: Int64
        public let governanceTreeRoot: String
        /// The last point of the journal verified entry by entry, and when.
        @ExplicitNull public var verifiedThrough: Verified? = nil
    }

    public struct Verified: Hashable, Sendable, Encodable {
        public let sequence: Int64
        public let at: Timestamp
    }

    public struct Restatement: Hashable, Sendable, Encodable {
        public let supersedes: String
        public let reason: String
        /// Entries recorded since the superseded statement that count in the period.
        public let changes: [Change]
    }

    public struct Change: Hashable, Sendable, Encodable {
        public let sequence: Int64
        public let kind: String
        public let effectiveOn: CalendarDate
        public let partner: String
        public let budgetLine: String
        public let amount: Int64
        public let description: String
    }

    /// `S-0001`.
    public static func reference(_ number: Int) -> String {
        let digits = String(number)
        return "S-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The number of `S-0001`, or nil for anything else.
    public static func number(_ reference: String) -> Int? {
        guard reference.hasPrefix("S-"), reference.count >= 6, let number = Int(reference.dropFirst(2)),
            number > 0, reference == Statement.reference(number)
        else { return nil }
        return number
    }
}
