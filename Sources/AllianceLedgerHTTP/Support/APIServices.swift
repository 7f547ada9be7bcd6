import AllianceLedger
import Foundation
import Hummingbird
import Logging
import Postgres

/// What every route works with: the library's services over one pool (the public pages' over a
/// read pool when there is one), and the one way
/// creating requests run once per idempotency key.
struct APIServices: Sendable {
    let pool: PostgresPool
    let ledger: Ledger
    let directory: AllianceDirectory
    let tokens: TokenStore
    let budgets: Budgets
    let decisions: Decisions
    let spendBook: SpendBook
    let outcomes: OutcomeBook
    let riskShares: RiskShareBook
    let governance: GovernanceLog
    let statements: Statements
    /// What the public pages and files read, through the read connection when one is
    /// configured (a standby, which may trail the primary by a moment), else the pool.
    let publicDirectory: AllianceDirectory
    let publicStatements: Statements
    let creations: IdempotentCreations
    /// Carries out the publications asked for in the background.
    let publisher: StatementPublisher

    init(
        ledger: Ledger, publicReads: PostgresPool? = nil, tokenUsage: TokenUsage = TokenUsage(),
        publisher: StatementPublisher? = nil
    ) {
        pool = ledger.pool
        self.ledger = ledger
        directory = AllianceDirectory(pool: ledger.pool)
        tokens = TokenStore(pool: ledger.pool, usage: tokenUsage)
        budgets = Budgets(pool: ledger.pool)
        decisions = Decisions(pool: ledger.pool)
        spendBook = SpendBook(ledger: ledger)
        outcomes = OutcomeBook(pool: ledger.pool)
        riskShares = RiskShareBook(pool: ledger.pool)
        governance = GovernanceLog(pool: ledger.pool)
        statements = Statements(pool: ledger.pool)
        publicDirectory = AllianceDirectory(pool: publicReads ?? ledger.pool)
        publicStatements = Statements(pool: publicReads ?? ledger.pool)
        creations = IdempotentCreations(pool: ledger.pool)
        self.publisher =
            publisher
            ?? StatementPublisher(
                statements: statements, logger: Logger(label: "alliance-ledger.publications"))
    }
}
