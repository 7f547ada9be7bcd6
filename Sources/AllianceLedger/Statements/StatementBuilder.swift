import Dates
import Foundation
import Postgres

/// A statement's figures, read on one snapshot. What it reads grows with partners × lines ×
/// months and the decisions of the year, never with the length of the journal: actuals come
/// from the month totals the database keeps with every posting (SQL/0010), roots from the
/// stored subtrees of the Merkle trees.
enum StatementBuilder {
    /// The figures of `period` as they stand, with nothing published yet.
    static func build(
        _ period: Period, in alliance: Alliance, on connection: PostgresConnection
    ) async throws -> Statement {
        let year = Period.financialYear(
            containing: period.first, startMonth: alliance.financialYearStartMonth)
        let fiscal = try Period.financialYear(year, startMonth: alliance.financialYearStartMonth)
        let months = StatementBuilder.months(of: fiscal)
        // The reads that depend on nothing read before them, sent in one round trip rather
        // than one each (seven of a preview's sixteen).
        let read = try await connection.pipeline([
            "SELECT sequence, hash FROM journal_heads WHERE alliance_id = \(alliance.id.rawValue)",
            BudgetHistory.query(year: year, in: alliance.id),
            MonthTotals.query(months: fiscal, in: alliance.id),
            commentaryQuery(of: period, in: alliance.id),
            "SELECT coalesce(sum(balance), 0)::numeric AS total FROM account_balances WHERE alliance_id = \(alliance.id.rawValue)",
            "SELECT coalesce((SELECT sequence FROM governance_heads WHERE alliance_id = \(alliance.id.rawValue)), 0) AS size",
            """
            SELECT journal_tree_size, published_at FROM statements
            WHERE alliance_id = \(alliance.id.rawValue) ORDER BY number DESC LIMIT 1
            """,
        ])
        let head = try read[0].single()
        let headSequence: Int64 = try head.decode("sequence")
        let headHash: Digest? = headSequence == 0 ? nil : try head.decode("hash")
        let budgets = try BudgetHistory(read[1])
        let totals = try MonthTotals(read[2])
        let commentary = try commentary(read[3])

        let periodMonths = months.filter { period.contains($0) }
        let yearToDateMonths = months.filter { $0 <= period.last }
        let budget = section(
            from: period.first, to: period.last, months: periodMonths, fiscalMonths: months, budgets: budgets,
            totals: totals, fullYearAt: nil)
        let yearToDate = section(
            from: fiscal.first, to: period.last, months: yearToDateMonths, fiscalMonths: months,
            budgets: budgets,
            totals: totals, fullYearAt: period.last)
        let integrity = try await StatementBuilder.integrity(
            headSequence: headSequence, headHash: headHash,
            trialBalance: try read[4].single().decodeTotal("total"),
            governanceSize: try read[5].single().decode("size"),
            verified: try read[6].first.map {
                Statement.Verified(
                    sequence: try $0.decode("journal_tree_size"), at: try $0.decode("published_at"))
            },
            in: alliance.id, on: connection)
        return Statement(
            number: nil, previousHash: nil,
            header: .init(
                alliance: .init(slug: alliance.slug, name: alliance.name, currency: alliance.currency),
                origin: nil,
                basis:
                    "Spend effective in the period, recorded up to entry \(headSequence); a reversal counts in the period of the entry it reverses. Accruals and commitments are not included.",
                journalHead: .init(sequence: headSequence, hash: headHash?.description), publishedBy: nil,
                publishedAt: nil),
            period: .init(
                name: period.description, from: period.first, to: period.last,
                financialYear: DecisionAction.yearName(year)),
            budget: budget, yearToDate: yearToDate,
            spend: spend(months: periodMonths, totals: totals),
            outcomes: try await outcomes(of: period, year: year, in: alliance, on: connection),
            riskShare: try await riskShare(year: year, in: alliance, on: connection),
            decisions: try await decisions(of: period, year: year, in: alliance, on: connection),
            commentary: commentary,
            integrity: integrity, restates: nil)
    }

    /// The first day of each month of `period`.
    static func months(of period: Period) -> [CalendarDate] {
        var months: [CalendarDate] = []
        var day = period.first
        while day <= period.last {
            months.append(day)
            day = day.adding(days: CalendarDate.daysInMonth(year: day.year, month: day.month))
        }
        return months
    }

    // MARK: Budget against actual

    /// Rows for every partner × budget line with a budget or a cost in the year, each month's budget the
    /// year's figure in force at that month's end in twelfths; `fullYearAt` adds the full year's
    /// figure in force at that day, for the year to date.
    private static func section(
        from: CalendarDate, to: CalendarDate, months: [CalendarDate], fiscalMonths: [CalendarDate],
        budgets: BudgetHistory, totals: MonthTotals, fullYearAt: CalendarDate?
    ) -> Statement.BudgetSection {
        let keys = Set(budgets.figures.keys).union(totals.costKeys).sorted {
            ($0.partner, $0.budgetLine) < ($1.partner, $1.budgetLine)
        }
        var rows: [Statement.BudgetRow] = []
        for key in keys {
            let changes = budgets.figures[key] ?? []
            var amount: Int64 = 0
            var deciders: [String] = []
            for month in months {
                guard let index = fiscalMonths.firstIndex(of: month) else { continue }
                let inForce = BudgetHistory.inForce(changes, atEndOf: month)
                if let inForce {
                    amount +=
                        Money.allocate(inForce.amount, proportionalTo: Array(repeating: 1, count: 12))[index]
                    if !deciders.contains(inForce.decision) { deciders.append(inForce.decision) }
                }
            }
            let actual = months.reduce(Int64(0)) { $0 + totals.net(key, month: $1) }
            let fullYear = fullYearAt.map { day in BudgetHistory.inForce(changes, on: day)?.amount ?? 0 }
            rows.append(
                Statement.BudgetRow(
                    partner: key.partner, budgetLine: key.budgetLine, budget: amount, actual: actual,
                    decisions: deciders,
                    yearOriginal: changes.first?.amount ?? 0, yearRevised: changes.last?.amount ?? 0,
                    fullYear: fullYear))
        }
        func subtotals(by name: (Statement.BudgetRow) -> String?) -> [Statement.BudgetTotal] {
            var grouped: [String: [Statement.BudgetRow]] = [:]
            for row in rows { grouped[name(row) ?? "", default: []].append(row) }
            return grouped.keys.sorted().map { key in
                total(of: grouped[key] ?? [], key: key, fullYear: fullYearAt != nil)
            }
        }
        return Statement.BudgetSection(
            from: from, to: to, rows: rows, byPartner: subtotals { $0.partner },
            byLine: subtotals { $0.budgetLine },
            total: total(of: rows, key: nil, fullYear: fullYearAt != nil))
    }

    private static func total(of rows: [Statement.BudgetRow], key: String?, fullYear: Bool)
        -> Statement.BudgetTotal
    {
        Statement.BudgetTotal(
            key: key, budget: rows.reduce(0) { $0 + $1.budget }, actual: rows.reduce(0) { $0 + $1.actual },
            fullYear: fullYear ? rows.reduce(0) { $0 + ($1.fullYear ?? 0) } : nil)
    }

    // MARK: Spend

    private static func spend(months: [CalendarDate], totals: MonthTotals) -> Statement.SpendSection {
        var rows: [Statement.SpendRow] = []
        for key in totals.costKeys.sorted(by: { ($0.partner, $0.budgetLine) < ($1.partner, $1.budgetLine) }) {
            let spend = months.map { totals.figures[MonthTotals.Key(account: key, month: $0, kind: "spend")] }
            let reversals = months.map {
                totals.figures[MonthTotals.Key(account: key, month: $0, kind: "reversal")]
            }
            let row = Statement.SpendRow(
                partner: key.partner, budgetLine: key.budgetLine,
                entries: spend.reduce(0) { $0 + ($1?.postings ?? 0) },
                entriesTotal: spend.reduce(0) { $0 + ($1?.net ?? 0) },
                reversals: reversals.reduce(0) { $0 + ($1?.postings ?? 0) },
                reversalsTotal: reversals.reduce(0) { $0 + ($1?.net ?? 0) })
            if row.entries != 0 || row.reversals != 0 { rows.append(row) }
        }
        return Statement.SpendSection(
            rows: rows,
            total: Statement.SpendRow(
                partner: nil, budgetLine: nil, entries: rows.reduce(0) { $0 + $1.entries },
                entriesTotal: rows.reduce(0) { $0 + $1.entriesTotal },
                reversals: rows.reduce(0) { $0 + $1.reversals },
                reversalsTotal: rows.reduce(0) { $0 + $1.reversalsTotal }))
    }

    // MARK: Outcomes and risk/reward

    private static func outcomes(
        of period: Period, year: Int, in alliance: Alliance, on connection: PostgresConnection
    ) async throws -> Statement.OutcomeSection {
        let inForce: OutcomeTermsInForce
        do {
            inForce = try await OutcomeBook.termsInForce(year: year, in: alliance, on: connection)
        } catch LedgerError.termsNotFound {
            return Statement.OutcomeSection(terms: nil, frequency: nil, periods: [])
        }
        let paymentPeriods = try inForce.terms.frequency.periods(
            of: year, startMonth: alliance.financialYearStartMonth
        ).filter { $0.first >= period.first && $0.last <= period.last }
        var periods: [Statement.OutcomePeriod] = []
        for paymentPeriod in paymentPeriods {
            let payment = try await OutcomeBook.payment(
                for: paymentPeriod.description, in: alliance, on: connection)
            periods.append(
                Statement.OutcomePeriod(
                    period: payment.period, pool: payment.pool,
                    measures: payment.results.map { result in
                        let review = result.latest?.review
                        return Statement.MeasureLine(
                            code: result.measure.code, name: result.measure.name, unit: result.measure.unit,
                            direction: result.measure.direction.rawValue, rule: result.measure.rule.type,
                            weight: result.measure.weight, target: result.measure.target.description,
                            measurement: (result.latest?.value ?? result.actual)?.description,
                            attainment: result.attainment,
                            available: Int64(Int128(payment.pool) * Int128(result.measure.weight) / 10_000),
                            earned: result.earned, state: result.latest?.state.rawValue,
                            reporter: result.latest?.reporter,
                            reviewer: review.map {
                                Statement.Reviewer(
                                    kind: $0.role?.rawValue ?? "migration", partner: $0.partner)
                            })
                    },
                    earned: payment.earned,
                    allocations: payment.allocations.map {
                        Statement.Allocation(
                            partner: $0.partner, share: $0.share, amount: $0.amount, cap: nil)
                    },
                    paid: payment.posted.map { Statement.Posting(decision: $0.decision, entry: $0.entry) }))
        }
        return Statement.OutcomeSection(
            terms: inForce.decision, frequency: inForce.terms.frequency.rawValue, periods: periods)
    }

    private static func riskShare(year: Int, in alliance: Alliance, on connection: PostgresConnection)
        async throws -> Statement.RiskShareSection?
    {
        let statement: RiskShareStatement
        do {
            statement = try await RiskShareBook.statement(year: year, in: alliance, on: connection)
        } catch LedgerError.termsNotFound {
            return nil
        }
        let position = statement.position
        let side = statement.terms.partnerSide
        var adjustments: Int64 = 0
        if let settled = statement.settled, let entry = settled.entry {
            adjustments = try await postSettlementCost(year: year, after: entry, in: alliance, on: connection)
        }
        return Statement.RiskShareSection(
            year: DecisionAction.yearName(year), terms: statement.termsDecision, target: position.target,
            actual: position.actual, gainBands: side.gainBands.map { .init(upTo: $0.upTo, share: $0.share) },
            painBands: side.painBands.map { .init(upTo: $0.upTo, share: $0.share) }, gainCap: side.gainCap,
            painCap: side.painCap, fee: side.fee, partnerSideBeforeCap: position.partnerSideBeforeCap,
            partnerSide: position.partnerSide,
            allocations: position.allocations.map {
                Statement.Allocation(partner: $0.partner, share: $0.share, amount: $0.amount, cap: $0.cap)
            },
            unallocated: position.unallocated, provisional: statement.settled == nil,
            settled: statement.settled.map { Statement.Posting(decision: $0.decision, entry: $0.entry) },
            postSettlementAdjustments: adjustments)
    }

    /// Net cost counting in the year (a reversal in the month of what it reverses) but recorded
    /// after the settlement's entry: only entries since the settlement are read.
    private static func postSettlementCost(
        year: Int, after entry: Int64, in alliance: Alliance, on connection: PostgresConnection
    ) async throws -> Int64 {
        let fiscal = try Period.financialYear(year, startMonth: alliance.financialYearStartMonth)
        let postings = costPostings(
            in: alliance.id, after: entry, countingFrom: fiscal.first, to: fiscal.last)
        return try await connection.query("SELECT coalesce(sum(p.amount), 0)::bigint AS total \(postings)")
            .single().decode("total", as: Int64.self)
    }

    /// `FROM … WHERE …` of the partners' cost postings (`p`, with entry `e` and account `a`) of
    /// entries recorded after `after` and up to `through`, that count from `from` to `to`: a
    /// reversal on the day of the entry it reverses, as the month totals count it (SQL/0010).
    /// What reads postings afresh, rather than the month totals, reads them through this.
    ///
    /// The `coalesce` cannot use an index, so the entries that can count are first found through
    /// indexes: entries other than reversals by their effective date, and reversals (few) by
    /// the date of what they reverse. Without it every entry of the alliance was read: 4 s for a
    /// month's files at 3M entries (Benchmarks/README.md, flat cost).
    static func costPostings(
        in alliance: AllianceID, after: Int64 = 0, through: Int64 = .max, countingFrom from: CalendarDate,
        to: CalendarDate
    ) -> PostgresQuery {
        """
        FROM journal_entries AS e
        JOIN postings AS p ON p.alliance_id = e.alliance_id AND p.entry_sequence = e.sequence
        JOIN accounts AS a ON a.alliance_id = p.alliance_id AND a.id = p.account_id
        LEFT JOIN journal_entries AS r ON r.alliance_id = e.alliance_id AND r.sequence = e.reverses
        WHERE e.alliance_id = \(alliance.rawValue) AND e.sequence > \(after) AND e.sequence <= \(through)
          AND e.sequence IN (
              SELECT d.sequence FROM journal_entries AS d
              WHERE d.alliance_id = \(alliance.rawValue) AND d.effective_on BETWEEN \(from) AND \(to)
                AND d.reverses IS NULL
              UNION ALL
              SELECT x.sequence FROM journal_entries AS x
              JOIN journal_entries AS y ON y.alliance_id = x.alliance_id AND y.sequence = x.reverses
              WHERE x.alliance_id = \(alliance.rawValue) AND x.reverses IS NOT NULL
                AND y.effective_on BETWEEN \(from) AND \(to))
          AND coalesce(r.effective_on, e.effective_on) BETWEEN \(from) AND \(to)
          AND a.code LIKE 'partner:%:cost:%'
        """
    }

    // MARK: Decisions and commentary

    /// Decisions closed in the period, and every decision whose action concerns the period's
    /// financial year whenever it closed, oldest first.
    private static func decisions(
        of period: Period, year: Int, in alliance: Alliance, on connection: PostgresConnection
    ) async throws -> [Statement.DecisionRecord] {
        let fiscal = try Period.financialYear(year, startMonth: alliance.financialYearStartMonth)
        let yearName = DecisionAction.yearName(year)
        // An action's stored fields keep `year` and `period` in their wire form (SQL/0016's
        // format 1), which the database's own guards read too.
        let ids = try await connection.query(
            """
            SELECT id FROM decisions
            WHERE alliance_id = \(alliance.id.rawValue) AND state <> 'open' AND (
                (closed_at AT TIME ZONE 'UTC')::date BETWEEN \(period.first) AND \(period.last)
                OR action ->> 'year' = \(yearName)
                OR (action_type = 'outcomePayments.approve'
                    AND action ->> 'period' = ANY(\(try paymentPeriodNames(of: fiscal, in: alliance))::text[])))
            ORDER BY id
            """
        ).map { try $0.decode("id", as: Int64.self) }
        var records: [Statement.DecisionRecord] = []
        for id in ids {
            let decision = try await Decisions.read(.id(id), in: alliance, on: connection)
            records.append(
                Statement.DecisionRecord(
                    number: decision.reference, title: decision.title, state: decision.state.rawValue,
                    proposer: decision.proposer, proposedAt: decision.proposedAt, closesAt: decision.closesAt,
                    closedAt: decision.closedAt, action: decision.action?.type,
                    electorate: decision.electorate,
                    votes: decision.votes.map {
                        Statement.Vote(
                            partner: $0.partner, person: $0.person, vote: $0.vote.rawValue, reason: $0.reason,
                            castAt: $0.castAt, current: $0.current)
                    },
                    effect: decision.state == .failed
                        ? decision.failure
                        : decision.effect.flatMap { effect in
                            decision.action?.kind.statementSummary(effect) {
                                Money.written($0, currency: alliance.currency)
                            }
                        },
                    entry: decision.effect.flatMap(postedEntry)))
        }
        return records
    }

    /// Every name an outcome period of the year can have, whatever the frequency.
    private static func paymentPeriodNames(of fiscal: Period, in alliance: Alliance) throws -> [String] {
        guard case .financialYear(let year) = fiscal.kind else { return [] }
        var names = [fiscal.description]
        for frequency in [OutcomeFrequency.quarter, .month] {
            names += try frequency.periods(of: year, startMonth: alliance.financialYearStartMonth).map(
                \.description)
        }
        return names
    }

    private static func postedEntry(_ effect: DecisionEffect) -> Int64? {
        switch effect {
        case .outcomePayment(_, let entry), .riskShareSettlement(_, let entry): entry?.sequence
        default: nil
        }
    }

    /// The latest note of each partner × line for the period: the query, then its rows read.
    private static func commentaryQuery(of period: Period, in alliance: AllianceID) -> PostgresQuery {
        """
        SELECT DISTINCT ON (p.slug, l.code) p.slug, l.code, c.text, people.email, c.recorded_at
        FROM statement_commentary AS c
        JOIN partners AS p ON p.alliance_id = c.alliance_id AND p.id = c.partner_id
        JOIN budget_lines AS l ON l.alliance_id = c.alliance_id AND l.id = c.budget_line_id
        JOIN people ON people.alliance_id = c.alliance_id AND people.id = c.recorded_by
        WHERE c.alliance_id = \(alliance.rawValue) AND c.period = \(period.description)
        ORDER BY p.slug, l.code, c.id DESC
        """
    }

    private static func commentary(_ rows: PostgresRows) throws -> [Statement.Commentary] {
        try rows.map { row in
            Statement.Commentary(
                partner: try row.decode("slug"), budgetLine: try row.decode("code"),
                text: try row.decode("text"),
                by: try row.decode("email"), at: try row.decode("recorded_at"))
        }
    }

    // MARK: Integrity

    /// The integrity section from the figures read with the rest, and the two trees' roots.
    private static func integrity(
        headSequence: Int64, headHash: Digest?, trialBalance: Int64, governanceSize: Int64,
        verified: Statement.Verified?, in alliance: AllianceID, on connection: PostgresConnection
    ) async throws -> Statement.Integrity {
        let roots = try await TreeStore.roots(
            [(.journal, headSequence), (.governance, governanceSize)], in: alliance, on: connection)
        return Statement.Integrity(
            entries: headSequence, trialBalance: trialBalance, headSequence: headSequence,
            headHash: headHash?.description, treeSize: headSequence, treeRoot: roots[0].description,
            governanceTreeSize: governanceSize, governanceTreeRoot: roots[1].description,
            verifiedThrough: verified)
    }
}

/// Each partner × budget line's budget changes of a year, oldest first, with when their decision
/// carried: what a month's budget is read from.
struct BudgetHistory {
    struct Key: Hashable {
        let partner: String
        let budgetLine: String
    }

    struct Change {
        let amount: Int64
        let decision: String
        let carriedOn: CalendarDate
    }

    var figures: [Key: [Change]] = [:]

    /// The year's changes: the query, then its rows read by `init`.
    static func query(year: Int, in alliance: AllianceID) -> PostgresQuery {
        """
        SELECT p.slug, l.code, c.amount, d.number, d.closed_at
        FROM budget_changes AS c
        JOIN decisions AS d ON d.alliance_id = c.alliance_id AND d.id = c.decision_id
        JOIN partners AS p ON p.alliance_id = c.alliance_id AND p.id = c.partner_id
        JOIN budget_lines AS l ON l.alliance_id = c.alliance_id AND l.id = c.budget_line_id
        WHERE c.alliance_id = \(alliance.rawValue) AND c.financial_year = \(Int32(clamping: year))
        ORDER BY c.id
        """
    }

    init(_ rows: PostgresRows) throws {
        for row in rows {
            let carried: Timestamp = try row.decode("closed_at")
            figures[
                Key(partner: try row.decode("slug"), budgetLine: try row.decode("code")), default: []
            ]
            .append(
                Change(
                    amount: try row.decode("amount"),
                    decision: Decision.reference(Int(try row.decode("number", as: Int32.self))),
                    carriedOn: carried.calendarDate))
        }
    }

    /// The figure in force at the end of the month that starts on `month`.
    static func inForce(_ changes: [Change], atEndOf month: CalendarDate) -> Change? {
        inForce(
            changes,
            on: month.adding(days: CalendarDate.daysInMonth(year: month.year, month: month.month) - 1))
    }

    /// The latest change carried by `day`; before the first, the first: the budget as first
    /// agreed covers the whole year, however late in it the board agreed it.
    static func inForce(_ changes: [Change], on day: CalendarDate) -> Change? {
        changes.last { $0.carriedOn <= day } ?? changes.first
    }
}

/// The month totals of a year's cost accounts (`partner:<slug>:cost:<LINE>`), by kind.
struct MonthTotals {
    struct Key: Hashable {
        let account: BudgetHistory.Key
        let month: CalendarDate
        let kind: String
    }

    struct Figure {
        let net: Int64
        let postings: Int64
    }

    var figures: [Key: Figure] = [:]
    var costKeys: Set<BudgetHistory.Key> = []
    /// Net cost of every kind, by account and month.
    private var nets: [BudgetHistory.Key: [CalendarDate: Int64]] = [:]

    /// Every account's totals of the months of `period`; `init` keeps the cost accounts'. A
    /// pattern on the code in the query let the planner, on a stale estimate of one total,
    /// scan the alliance's accounts by code once per total (6 ms for 210 totals, not 0.3).
    static func query(months period: Period, in alliance: AllianceID) -> PostgresQuery {
        """
        SELECT a.code, t.month, t.kind, t.net, t.postings
        FROM account_month_totals AS t
        JOIN accounts AS a ON a.alliance_id = t.alliance_id AND a.id = t.account_id
        WHERE t.alliance_id = \(alliance.rawValue) AND t.month BETWEEN \(period.first) AND \(period.last)
        """
    }

    init(_ rows: PostgresRows) throws {
        for row in rows {
            let parts = try row.decode("code", as: String.self).split(separator: ":")
            guard parts.count == 4, parts[0] == "partner", parts[2] == "cost" else { continue }
            let account = BudgetHistory.Key(partner: String(parts[1]), budgetLine: String(parts[3]))
            costKeys.insert(account)
            let month: CalendarDate = try row.decode("month")
            let figure = Figure(
                net: try row.decode("net"), postings: Int64(try row.decode("postings", as: Int32.self)))
            figures[Key(account: account, month: month, kind: try row.decode("kind"))] = figure
            nets[account, default: [:]][month, default: 0] += figure.net
        }
    }

    /// Net cost of every kind in a month.
    func net(_ account: BudgetHistory.Key, month: CalendarDate) -> Int64 {
        nets[account]?[month] ?? 0
    }
}
