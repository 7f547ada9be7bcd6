import Dates
import Postgres

/// The CSV files of a statement: its own tables in long form with identifiers (a Frictionless
/// Data Package), and the UK transparency views of the same spend rows with the headers
/// councils and NHS bodies already publish.
extension OpenDataSource {
    typealias Column = DataTable.Column

    /// Row fields and column lists in parts, joined: one expression of many `+` is beyond the
    /// type checker.
    func joined(_ parts: [String]...) -> [String] { parts.flatMap { $0 } }
    static func columns(_ parts: [Column]...) -> [Column] { parts.flatMap { $0 } }

    func tables() -> [DataTable] {
        [
            partnersTable(), budgetTable(), budgetVsActualTable(), spendTable(), outcomesTable(),
            outcomePaymentsTable(), riskShareTable(), decisionsTable(), votesTable(),
            localTransparencyTable(), centralTransparencyTable(),
        ]
    }

    static let partnerKey = DataTable.ForeignKey(
        fields: ["partner_id"], resource: "partners.csv", reference: ["partner_id"])
    static let decisionKey = DataTable.ForeignKey(
        fields: ["decision_id"], resource: "decisions.csv", reference: ["decision_id"])

    func partnersTable() -> DataTable {
        var table = DataTable(
            file: "partners.csv", title: "Partners",
            description:
                "Every partner of the alliance, current or former, with its roles in the contract (OCDS partyRole).",
            columns: [
                Column(
                    name: "partner_id", type: "string",
                    description: "The partner's identifier in the alliance",
                    columnType: "administrative-classification:generic:level1:code", required: true),
                .classified(
                    "partner_name", "The partner's name",
                    "administrative-classification:generic:level1:label", required: true),
                .code(
                    "partner_kind", "What kind of organisation it is", PartnerKind.allCases.map(\.rawValue)),
                .text(
                    "roles", "Its roles in the alliance contract, OCDS partyRole codes separated by spaces",
                    required: true),
                .date("joined_on", "The day it joined the alliance"),
                .date(
                    "left_on", "The day it left the alliance; empty while it is a partner", required: false),
            ],
            primaryKey: ["partner_id"])
        table.rows = partners.map { partner in
            [
                partner.slug, partner.name, partner.kind.rawValue,
                OpenDataSource.roles(partner.kind).joined(separator: " "), partner.joinedOn.description,
                partner.leftOn?.description ?? "",
            ]
        }
        return table
    }

    func budgetTable() -> DataTable {
        var table = DataTable(
            file: "budget.csv", title: "Budget",
            description:
                "The financial year's budget by partner and budget line in long form: as first approved and as adjusted by decisions up to the end of the period.",
            columns: Self.columns(
                [
                    Column(
                        name: "fiscal_year", type: "integer",
                        description: "The financial year, by the year it starts in",
                        columnType: "date:fiscal-year", required: true),
                    .classified(
                        "partner_id", "The partner that holds the budget",
                        "administrative-classification:generic:level1:code", required: true),
                    .classified(
                        "budget_line_id", "The budget line's code",
                        "functional-classification:generic:level1:code", required: true),
                    .classified(
                        "budget_line_name", "The budget line's name",
                        "functional-classification:generic:level1:label", required: true),
                    Column(
                        name: "phase", type: "string",
                        description: "approved (as first set) or adjusted (as it stands)",
                        columnType: "phase:id", required: true, values: ["approved", "adjusted"]),
                    Column(
                        name: "direction", type: "string", description: "Always expenditure",
                        columnType: "direction",
                        required: true, values: ["expenditure"]),
                ], Column.amount("amount", "The budget", columnType: "value"),
                [
                    Column(
                        name: "currency", type: "string", description: "ISO 4217",
                        columnType: "value-currency:code",
                        required: true)
                ]),
            primaryKey: ["fiscal_year", "partner_id", "budget_line_id", "phase"],
            foreignKeys: [Self.partnerKey])
        for row in statement.yearToDate.rows {
            for (phase, amount) in [("approved", row.yearOriginal), ("adjusted", row.yearRevised)] {
                table.rows.append(
                    joined(
                        [
                            fiscalYear, row.partner, row.budgetLine, budgetLineName(row.budgetLine), phase,
                            "expenditure",
                        ],
                        money(amount), [currency]))
            }
        }
        return table
    }

    func budgetVsActualTable() -> DataTable {
        var table = DataTable(
            file: "budget-vs-actual.csv", title: "Budget against actual",
            description:
                "Budget against actual by partner and budget line, for the period and for the year to date; variance is budget − actual, positive an underspend.",
            columns: Self.columns(
                [
                    .code(
                        "basis", "period (the statement's period) or year-to-date",
                        ["period", "year-to-date"]),
                    .date("from", "The first day counted"), .date("to", "The last day counted"),
                    .classified(
                        "partner_id", "The partner", "administrative-classification:generic:level1:code",
                        required: true),
                    .classified(
                        "budget_line_id", "The budget line's code",
                        "functional-classification:generic:level1:code", required: true),
                ], Column.amount("budget", "The budget for the days counted", columnType: "value"),
                Column.amount("actual", "Net spend counted in the days", columnType: "value"),
                Column.amount("variance", "Budget − actual"),
                Column.amount(
                    "full_year_budget", "The whole year's budget (year to date only)", required: false),
                [.text("currency", "ISO 4217", required: true)]),
            primaryKey: ["basis", "partner_id", "budget_line_id"],
            foreignKeys: [Self.partnerKey])
        for (basis, section) in [("period", statement.budget), ("year-to-date", statement.yearToDate)] {
            for row in section.rows {
                table.rows.append(
                    joined(
                        [
                            basis, section.from.description, section.to.description, row.partner,
                            row.budgetLine,
                        ],
                        money(row.budget), money(row.actual), money(row.variance), money(row.fullYear),
                        [currency]))
            }
        }
        return table
    }

    func spendTable() -> DataTable {
        var table = DataTable(
            file: "spend.csv", title: "Spend",
            description:
                "Every spend entry and reversal counting in the period (a reversal in the period of the entry it reverses), with its journal entry's hash. An individual supplier's name and the description are withheld as personal data, and the row says so.",
            columns: Self.columns(
                [
                    Column(
                        name: "transaction_id", type: "integer", description: "The journal entry's sequence",
                        columnType: "transaction-id:code", required: true),
                    .code("kind", "spend, or reversal of a spend", ["spend", "reversal"]),
                    .integer("reverses", "For a reversal, the transaction it reverses"),
                    Column(
                        name: "date", type: "date",
                        description: "The day the spend was incurred (for a reversal, recorded as effective)",
                        columnType: "date:generic", required: true),
                    .instant("recorded_at", "When the entry was recorded"),
                    .classified(
                        "partner_id", "The partner that spent", "administrator:generic:id", required: true),
                    .classified(
                        "budget_line_id", "The budget line charged", "transaction-id:budget-code",
                        required: true),
                    Column(
                        name: "supplier", type: "string",
                        description: "Who was paid; Redacted personal data for an individual",
                        columnType: "recipient:generic:name"),
                    .code(
                        "supplier_type", "company, charity, public-body or individual, when recorded",
                        SupplierType.allCases.map(\.rawValue), required: false),
                    Column(
                        name: "supplier_id", type: "string",
                        description: "The supplier's Companies House or charity number, when recorded",
                        columnType: "recipient:generic:id"),
                    .text("description", "What was bought; withheld when redacted"),
                    Column(
                        name: "expense_type_code", type: "string",
                        description: "The partner's expense type code, when recorded",
                        columnType: "economic-classification:generic:code"),
                    Column(
                        name: "expense_type_label", type: "string",
                        description: "The expense type in words, when recorded",
                        columnType: "economic-classification:generic:label"),
                    Column(
                        name: "reference", type: "string",
                        description: "The partner's own reference, e.g. an invoice number",
                        columnType: "transaction-id:invoice-id"),
                ],
                Column.amount("net_amount", "The net amount, negative for a reversal", columnType: "value"),
                Column.amount(
                    "irrecoverable_vat", "VAT that cannot be recovered, when recorded", required: false),
                [
                    Column(
                        name: "currency", type: "string", description: "ISO 4217",
                        columnType: "value-currency:code",
                        required: true),
                    .flag("redacted", "Whether personal data is withheld from the row"),
                    .text("redaction_reason", "Why, when redacted"),
                    .text("entry_hash", "The journal entry's SHA-256, hex", required: true),
                ]),
            primaryKey: ["transaction_id"],
            foreignKeys: [
                Self.partnerKey,
                .init(fields: ["reverses"], resource: nil, reference: ["transaction_id"]),
            ])
        table.rows = spend.map { line in
            joined(
                [
                    String(line.sequence), line.isReversal ? "reversal" : "spend",
                    line.reverses.map(String.init) ?? "",
                    line.date.description, line.recordedAt.description, line.partner, line.budgetLine,
                    line.redacted ? Self.redactedSupplier : line.supplier, line.supplierType?.rawValue ?? "",
                    line.supplierID, line.redacted ? "" : line.description, line.expenseCode,
                    line.expenseLabel,
                    line.reference,
                ], money(line.amount), money(line.irrecoverableVAT),
                [
                    currency, line.redacted ? "true" : "false", line.redacted ? Self.redactionReason : "",
                    line.hash.description,
                ])
        }
        return table
    }

    func outcomesTable() -> DataTable {
        var table = DataTable(
            file: "outcomes.csv", title: "Outcomes",
            description:
                "Each outcome measure of each outcome period wholly inside the statement's period: its target, latest measurement, attainment, and what it earned of the pool.",
            columns: Self.columns(
                [
                    .text("outcome_period", "The outcome period", required: true),
                    .text("measure_code", "The measure's code", required: true),
                    .text("measure_name", "The measure", required: true),
                    .text("unit", "The measure's unit"),
                    .text("direction", "Whether higher or lower is better"),
                    .text("rule", "How attainment is scored"),
                    .integer("weight", "The measure's weight in the pool, basis points"),
                    .text("target", "The target, an exact decimal"),
                    .text("measurement", "The latest measurement; empty while unmeasured"),
                    .integer("attainment", "Attainment, basis points"),
                ], Column.amount("available", "The measure's part of the pool"),
                Column.amount("earned", "What it earned"),
                Column.amount("unearned", "Available − earned"),
                [.text("currency", "ISO 4217", required: true)]),
            primaryKey: ["outcome_period", "measure_code"])
        for period in statement.outcomes.periods {
            for measure in period.measures {
                table.rows.append(
                    joined(
                        [
                            period.period, measure.code, measure.name, measure.unit, measure.direction,
                            measure.rule,
                            String(measure.weight), measure.target, measure.measurement ?? "",
                            String(measure.attainment),
                        ], money(measure.available), money(measure.earned), money(measure.unearned),
                        [currency]))
            }
        }
        return table
    }

    func outcomePaymentsTable() -> DataTable {
        var table = DataTable(
            file: "outcome-payments.csv", title: "Outcome payments",
            description:
                "What each partner is allotted of each outcome period's earned pool, and the decision and entry that paid it once paid.",
            columns: Self.columns(
                [
                    .text("outcome_period", "The outcome period", required: true),
                    .classified("partner_id", "The partner paid", "recipient:generic:id", required: true),
                    .integer("share", "Its share, basis points"),
                ], Column.amount("amount", "Its payment", columnType: "value"),
                Column.amount("cap", "Its cap, if any", required: false),
                [
                    .text("currency", "ISO 4217", required: true),
                    .text("decision_id", "The decision that approved the payment, once paid"),
                    .integer("transaction_id", "The journal entry that paid it, once paid"),
                ]),
            primaryKey: ["outcome_period", "partner_id"],
            foreignKeys: [Self.partnerKey])
        for period in statement.outcomes.periods {
            for allocation in period.allocations {
                table.rows.append(
                    joined(
                        [period.period, allocation.partner, String(allocation.share)],
                        money(allocation.amount),
                        money(allocation.cap),
                        [currency, period.paid?.decision ?? "", period.paid?.entry.map(String.init) ?? ""]))
            }
        }
        return table
    }

    func riskShareTable() -> DataTable {
        var table = DataTable(
            file: "risk-share.csv", title: "Gain/pain share",
            description:
                "Each partner's part of the year's gain or pain share against target cost: provisional until the year is settled.",
            columns: Self.columns(
                [
                    .text("year", "The financial year", required: true),
                    .classified("partner_id", "The partner", "recipient:generic:id", required: true),
                    .integer("share", "Its share, basis points"),
                ],
                Column.amount(
                    "amount", "Its part: positive a gain paid to it, negative a pain it bears",
                    columnType: "value"),
                Column.amount("cap", "Its cap, if any", required: false),
                [
                    .text("currency", "ISO 4217", required: true),
                    .flag("provisional", "Whether the year is still to be settled"),
                    .text("decision_id", "The decision that settled it, once settled"),
                    .integer("transaction_id", "The journal entry that settled it, once settled"),
                ]),
            primaryKey: ["year", "partner_id"],
            foreignKeys: [Self.partnerKey])
        if let share = statement.riskShare {
            for allocation in share.allocations {
                table.rows.append(
                    joined(
                        [share.year, allocation.partner, String(allocation.share)], money(allocation.amount),
                        money(allocation.cap),
                        [
                            currency, share.provisional ? "true" : "false", share.settled?.decision ?? "",
                            share.settled?.entry.map(String.init) ?? "",
                        ]))
            }
        }
        return table
    }

    func decisionsTable() -> DataTable {
        var table = DataTable(
            file: "decisions.csv", title: "Decisions",
            description:
                "The board's decisions of the period and of its financial year, shaped on Popolo's Motion: every partner holds one vote and the requirement is unanimity.",
            columns: [
                .text("decision_id", "The decision's number", required: true),
                .text("title", "What was proposed", required: true),
                .text("classification", "The action it carries, if any"),
                .code("requirement", "How it is decided", ["unanimous"]),
                .text("result", "open, carried, failed, rejected, lapsed or withdrawn", required: true),
                .instant("proposed_at", "When it was proposed"), .instant("closes_at", "When voting closes"),
                .instant("closed_at", "When it closed", required: false),
                .text("effect", "What the carried decision did, or why a failed one failed"),
                .integer("transaction_id", "The journal entry it posted, if any"),
            ],
            primaryKey: ["decision_id"])
        table.rows = statement.decisions.map { decision in
            [
                decision.number, decision.title, decision.action ?? "", "unanimous", decision.state,
                decision.proposedAt.description, decision.closesAt.description,
                decision.closedAt?.description ?? "",
                decision.effect ?? "", decision.entry.map(String.init) ?? "",
            ]
        }
        return table
    }

    func votesTable() -> DataTable {
        var table = DataTable(
            file: "votes.csv", title: "Votes",
            description:
                "Every vote cast on the decisions in decisions.csv, one per partner (a later vote replaces an earlier one, which stays with current false), shaped on Popolo's VoteEvent.",
            columns: [
                .text("decision_id", "The decision", required: true),
                .text("partner_id", "The partner whose vote it is", required: true),
                .text("option", "for, against or abstain", required: true),
                .text("reason", "The reason given, if any"),
                .instant("cast_at", "When it was cast"),
                .flag("current", "Whether it is the partner's vote that counts"),
            ],
            primaryKey: ["decision_id", "partner_id", "cast_at"],
            foreignKeys: [Self.decisionKey, Self.partnerKey])
        for decision in statement.decisions {
            for vote in decision.votes {
                table.rows.append(
                    [
                        decision.number, vote.partner, vote.vote, vote.reason ?? "", vote.castAt.description,
                        vote.current ? "true" : "false",
                    ])
            }
        }
        return table
    }

    // MARK: UK transparency views

    /// The spend rows at or above `threshold` net, with the reversals of those rows.
    func spend(atLeast threshold: Int64) -> [SpendLine] {
        spend.filter { $0.amount.magnitude >= threshold.magnitude }
    }

    /// Local Government Transparency Code 2015, expenditure over £500, in the column layout of
    /// the LGA's practitioner guidance.
    func localTransparencyTable() -> DataTable {
        var table = DataTable(
            file: "spend-over-500.csv", title: "Spend over £500 (Local Government Transparency Code)",
            description:
                "The spend rows whose net amount is at least the alliance's threshold (£\(money(thresholds.local)) at publication), in the Local Government Transparency Code layout. It supplements, and does not replace, each partner's own statutory publication.",
            columns: [
                .text("Organisation", "The partner that incurred the expenditure", required: true),
                .text("OrganisationCode", "The partner's identifier in the alliance", required: true),
                .text("Department", "The budget line charged", required: true),
                .text("Supplier(Beneficiary)", "Who was paid; Redacted personal data for an individual"),
                .text("Supplier(Beneficiary)ID", "Companies House or charity number, when recorded"),
                .text(
                    "Supplier(Beneficiary)Type", "company, charity, public-body or individual, when recorded"),
                .text("PurposeofExpenditure(Narrative)", "What was bought; withheld when redacted"),
                .text(
                    "PurposeofExpenditure(ExpenditureCategory)", "The expense type in words, when recorded"),
                .text("CIPFAExpenditureCode", "The expense type code, when recorded"),
                .date("Date", "The day the expenditure was incurred"),
                .text("TransactionNumber", "The partner's own reference"),
                Column(
                    name: "NetAmount", type: "number", description: "The net amount, in pounds",
                    required: true),
                Column(
                    name: "IrrecoverableVAT", type: "number",
                    description: "VAT that cannot be recovered, in pounds"),
            ],
            primaryKey: [])
        table.rows = spend(atLeast: thresholds.local).map { line in
            [
                partnerName(line.partner), line.partner, budgetLineName(line.budgetLine),
                line.redacted ? Self.redactedSupplier : line.supplier, line.supplierID,
                line.supplierType?.rawValue ?? "",
                line.redacted ? "" : line.description, line.expenseLabel, line.expenseCode,
                line.date.description,
                line.reference, money(line.amount), line.irrecoverableVAT.map(money) ?? "",
            ]
        }
        return table
    }

    /// HM Treasury's spend over £25,000, the layout NHS bodies and departments publish, with
    /// `Description`.
    func centralTransparencyTable() -> DataTable {
        var table = DataTable(
            file: "spend-over-25000.csv", title: "Spend over £25,000 (HM Treasury and NHS)",
            description:
                "The spend rows whose net amount is at least the alliance's threshold (£\(money(thresholds.central)) at publication), in the HM Treasury layout NHS bodies publish. It supplements, and does not replace, each partner's own statutory publication.",
            columns: [
                .text("Department Family", "The alliance", required: true),
                .text("Entity", "The partner that incurred the expenditure", required: true),
                .date("Date", "The day the expenditure was incurred"),
                .text("Expense Type", "The expense type in words (or its code), when recorded"),
                .text("Expense Area", "The budget line charged", required: true),
                .text("Supplier", "Who was paid; Redacted personal data for an individual"),
                .text("Transaction Number", "The partner's own reference"),
                Column(
                    name: "Amount", type: "number", description: "The net amount, in pounds", required: true),
                .text("Description", "What was bought; withheld when redacted"),
            ],
            primaryKey: [])
        table.rows = spend(atLeast: thresholds.central).map { line in
            [
                alliance.name, partnerName(line.partner), line.date.description,
                line.expenseLabel.isEmpty ? line.expenseCode : line.expenseLabel,
                budgetLineName(line.budgetLine),
                line.redacted ? Self.redactedSupplier : line.supplier, line.reference, money(line.amount),
                line.redacted ? "" : line.description,
            ]
        }
        return table
    }
}
