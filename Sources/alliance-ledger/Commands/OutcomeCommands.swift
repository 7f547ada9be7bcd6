import AllianceLedger
import ArgumentParser
import Dates
import Foundation

// Outcome terms, measurements and payments. Terms are set, and payments posted, only by carried
// decisions (`decision propose` with an outcomes.setTerms or outcomePayments.approve action).
// Measurements are recorded by finance people with their own tokens (`--token`); the operator
// records none itself, and acts for a finance person with `--as` only while the alliance is
// being set up.

struct OutcomeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outcome",
        abstract: "Read a year's outcome terms and payments, and record and review outcome measurements.",
        discussion: """
            A financial year's outcome terms (the pool at stake, how often it is paid, the \
            measures with their targets, weights and payment rules, and the partners' shares) are \
            set by a carried outcomes.setTerms decision; each measure names the partner that \
            reports it. That partner's finance people record each measure's value for each payment \
            period, with its evidence; another partner's finance person or an auditor validates or \
            rejects it; the latest measurement counts once validated. A period's payment is \
            computed on demand, and posted to the ledger only when an outcomePayments.approve \
            decision for the period is carried, which needs every latest measurement validated.
            """,
        subcommands: [OutcomeTermsCommand.self, OutcomeMeasureCommand.self, OutcomePaymentCommand.self])
}

/// `--period`: one of a year's payment periods, read by the library against the terms in force.
struct OutcomePeriodOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A payment period: FY2025, FY2025-Q3 or 2025-10, as the year's terms are paid by year, quarter or month.",
            valueName: "period"))
    var period: PeriodName

    var text: String { period.text }
}

struct OutcomeTermsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "terms",
        abstract:
            "Show a year's outcome terms: the measures, the pool, the shares and the decision that set them.",
        discussion: """
            The table is the terms' particulars, then the measures, then the partners' shares of \
            what is earned; csv is the measures alone; json is the terms as the HTTP API answers \
            them. Values are in each measure's unit; weights and shares are percentages of the \
            pool and of what it earns.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var year: FinancialYearOption

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let financialYear = try year.financialYear(of: context.alliance)
            let inForce = try await OutcomeBook(pool: context.ledger.pool).terms(
                year: financialYear, in: context.alliance)
            let terms = inForce.terms
            var particulars = Particulars()
            particulars.add("year", "FY\(terms.year)")
            particulars.add("set by", inForce.decision)
            particulars.add("pool", context.groupedMoney(terms.pool))
            particulars.add("paid", try terms.paymentPeriods(context))
            let measures = TextTable(
                columns: [
                    "code", "name", "unit", "better", .number("baseline"), .number("target"),
                    .number("weight"), "rule",
                ],
                rows: terms.measures.map {
                    [
                        $0.code, $0.name, $0.unit, $0.direction.rawValue, $0.baseline?.description ?? "",
                        $0.target.description, Money.percent($0.weight), $0.ruleSummary,
                    ]
                })
            let shares = TextTable(
                columns: ["partner", .number("share")],
                rows: terms.shares.map { [$0.partner, Money.percent($0.share)] })
            try output.emit(particulars, tables: [measures, shares], csv: measures, json: inForce)
        }
    }
}

struct OutcomeMeasureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Record, list, validate and reject the measurements of outcome measures.",
        subcommands: [
            OutcomeMeasureRecordCommand.self, OutcomeMeasureListCommand.self,
            OutcomeMeasureValidateCommand.self,
            OutcomeMeasureRejectCommand.self,
        ])
}

extension OutcomeMeasurement {
    static let columns: [TextTable.Column] = [
        "id", "measure", "period", .number("value"), "evidence", "recorded by", "recorded at", "current",
        "state",
        "reviewed by",
    ]

    var row: [String] {
        [
            String(id), measure, period, value.description, evidence, recordedBy, recordedAt.description,
            current ? "yes" : "no", state.rawValue, review.map { $0.reviewedBy ?? "migration" } ?? "",
        ]
    }
}

/// `outcome measure validate` and `reject`: a finance person of another partner than the one
/// that reported the figure, or an auditor, reviews it with their own token.
struct MeasurementReviewOptions: ParsableArguments {
    @Argument(help: "The measurement's id, as `outcome measure list` shows it.")
    var id: Int64

    func review(
        _ verdict: MeasurementState, note: String, global: GlobalOptions, alliance: AllianceOption,
        person: ActAsOption, output: OutputOptions
    ) async throws {
        try await global.withLedger(alliance) { context in
            let caller = try await person.caller(
                in: context, who: "a finance person of another partner or an auditor")
            let book = OutcomeBook(pool: context.ledger.pool)
            let measurement = try await person.acting(as: caller) {
                try await namingOptions {
                    verdict == .validated
                        ? try await book.validate(id, note: note, in: context.alliance, by: caller)
                        : try await book.reject(id, reason: note, in: context.alliance, by: caller)
                }
            }
            try output.emit(
                table: TextTable(columns: OutcomeMeasurement.columns, rows: [measurement.row]),
                json: measurement)
            printError(
                "\(verdict.rawValue) measurement \(measurement.id): \(measurement.measure) for \(measurement.period), \(measurement.value)"
            )
        }
    }
}

struct OutcomeMeasureValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate a measurement: another partner's finance person or an auditor vouches for it.",
        discussion: """
            A measurement is provisional when recorded and counts towards a payment only once \
            validated. Nobody validates a figure of their own partner; an auditor (also one \
            appointed by decision, of no partner) may validate any other. Only the latest \
            measurement of its measure and period is reviewed, once, while the period is not paid.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var person: ActAsOption
    @OptionGroup var measurement: MeasurementReviewOptions
    @Option(help: "What the figure was checked against; optional.")
    var note: String = ""

    func run() async throws {
        try await measurement.review(
            .validated, note: note, global: global, alliance: alliance, person: person, output: output)
    }
}

struct OutcomeMeasureRejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject",
        abstract: "Reject a measurement, with a reason: the reporting partner must record a correction.",
        discussion: """
            On the same conditions as `outcome measure validate`. A rejected figure earns nothing \
            and blocks the period's payment until the reporting partner records a correction and \
            it is validated.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var person: ActAsOption
    @OptionGroup var measurement: MeasurementReviewOptions
    @Option(help: "Why the figure cannot stand.")
    var reason: String

    func run() async throws {
        try await measurement.review(
            .rejected, note: reason, global: global, alliance: alliance, person: person, output: output)
    }
}

struct OutcomeMeasureRecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record a measure's value for a payment period, with its evidence.",
        discussion: """
            A measurement is never changed: to correct one, record the measure again, and the \
            latest counts once validated (`outcome measure list` keeps every one); every new one is \
            provisional. Refused for a measure that is not in the year's terms or that another \
            partner reports, a period that is not one of the year's payment periods, and a period \
            already paid.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var person: ActAsOption

    @Option(help: "The measure's code, as the year's terms list it.")
    var measure: String
    @OptionGroup var period: OutcomePeriodOption
    @Option(
        help: ArgumentHelp(
            "The value in the measure's unit, exactly as written: e.g. 86.5, with at most four decimal places (a negative value as --value=-2.5).",
            valueName: "number"),
        transform: { try measureValue($0, option: "--value") })
    var value: MeasureValue
    @Option(help: "Where the figure comes from: a report, a query, a link.")
    var evidence: String

    func run() async throws {
        let request = try await namingOptions {
            try MeasurementRequest(measure: measure, period: period.text, value: value, evidence: evidence)
        }
        try await global.withLedger(alliance) { context in
            let caller = try await person.caller(in: context, who: "a finance person")
            let measurement = try await person.acting(as: caller) {
                try await namingOptions {
                    try await OutcomeBook(pool: context.ledger.pool).record(
                        request, in: context.alliance, by: caller)
                }
            }
            try output.emit(
                table: TextTable(columns: OutcomeMeasurement.columns, rows: [measurement.row]),
                json: measurement)
            printError(
                "recorded \(measurement.measure) for \(measurement.period): \(measurement.value) (measurement \(measurement.id))"
            )
        }
    }
}

struct OutcomeMeasureListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every measurement of a period, by measure, oldest first.",
        discussion: """
            Every measurement is kept; `current` marks the latest of each measure, the one the \
            period's payment counts. The JSON is {"items","nextCursor"}, with every item on one page.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var period: OutcomePeriodOption

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let measurements = try await namingOptions {
                try await OutcomeBook(pool: context.ledger.pool).measurements(
                    of: period.text, in: context.alliance)
            }
            try output.emit(
                table: TextTable(columns: OutcomeMeasurement.columns, rows: measurements.map(\.row)),
                json: ListPage(items: measurements, nextCursor: nil))
            if measurements.isEmpty, output.format != .json {
                printError("no measurements of \(period.text) yet")
            }
        }
    }
}

struct OutcomePaymentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payment",
        abstract: "Show a period's outcome payment: what each measure earned, and each partner's part.",
        discussion: """
            Computed from the terms in force and the latest measurements, or as posted once an \
            outcomePayments.approve decision for the period has carried. Each measure earns the \
            period's pool × its weight × its attainment, rounded down to the penny; what is earned \
            is divided among the partners by their shares. The table is the payment's particulars, \
            then the measures, then the partners; csv is the measures alone; json is the payment \
            as the HTTP API answers it.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var period: OutcomePeriodOption

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let payment = try await namingOptions {
                try await OutcomeBook(pool: context.ledger.pool).payment(
                    for: period.text, in: context.alliance)
            }
            var particulars = Particulars()
            particulars.add("period", payment.period)
            particulars.add("terms", payment.termsDecision)
            particulars.add("pool", context.groupedMoney(payment.pool))
            particulars.add("earned", context.groupedMoney(payment.earned))
            particulars.add("unearned", context.groupedMoney(payment.unearned))
            let unmeasured = payment.results.filter { $0.actual == nil && $0.latest == nil }.map(
                \.measure.code)
            particulars.add(
                "measured",
                unmeasured.isEmpty ? "every measure" : "not yet: \(unmeasured.joined(separator: ", "))")
            let pending = payment.results.compactMap { result in
                result.latest.flatMap {
                    $0.state == .validated ? nil : "\(result.measure.code) (\($0.state.rawValue))"
                }
            }
            particulars.add(
                "validated",
                pending.isEmpty ? "every measurement" : "not yet: \(pending.joined(separator: ", "))")
            particulars.add("posted", payment.posted.map { $0.summary } ?? "no")
            let measures = TextTable(
                columns: [
                    "measure", "unit", .number("weight"), .number("target"), .number("actual"),
                    .number("attainment"),
                    .number("earned"), "state",
                ],
                rows: payment.results.map {
                    [
                        $0.measure.code, $0.measure.unit, Money.percent($0.measure.weight),
                        $0.measure.target.description,
                        $0.actual?.description ?? "", $0.actual == nil ? "" : Money.percent($0.attainment),
                        context.money($0.earned), $0.latest?.state.rawValue ?? "",
                    ]
                })
            let allocations = TextTable(
                columns: ["partner", .number("share"), .number("amount")],
                rows: payment.allocations.map {
                    [$0.partner, Money.percent($0.share), context.money($0.amount)]
                })
            try output.emit(particulars, tables: [measures, allocations], csv: measures, json: payment)
        }
    }
}

// MARK: Printing

extension OutputOptions {
    /// Labelled particulars and then tables, a blank line apart, as the table; `csv` alone as CSV;
    /// `json` as JSON.
    func emit(_ particulars: Particulars, tables: [TextTable], csv: TextTable, json: some Encodable) throws {
        switch format {
        case .json: print(try jsonText(json))
        case .csv: printCSV(csv)
        case .table:
            print(
                ([particulars.rendered] + tables.map { $0.renderTable() }).joined(separator: "\n"),
                terminator: "")
        }
    }
}

extension SettlementPosting {
    /// `yes: D-0005 at 2026-11-02T10:00:00Z, entry 130`.
    var summary: String {
        "yes: \(decision) at \(postedAt), " + (entry.map { "entry \($0)" } ?? "nothing to post")
    }
}

extension OutcomeTerms {
    /// `quarterly: FY2025-Q1 to FY2025-Q4, 150000.00 each`, or each period's part when the
    /// pool does not divide equally.
    fileprivate func paymentPeriods(_ context: LedgerContext) throws -> String {
        let periods = try frequency.periods(of: year, startMonth: context.alliance.financialYearStartMonth)
        let pools = periodPools
        guard periods.count > 1 else { return frequency.adverb + ": \(periods[0])" }
        if Set(pools).count == 1 {
            return frequency.adverb
                + ": \(periods[0]) to \(periods[periods.count - 1]), \(context.money(pools[0])) each"
        }
        return frequency.adverb + ": "
            + zip(periods, pools).map { "\($0) \(context.money($1))" }.joined(separator: ", ")
    }
}

extension OutcomeMeasure {
    /// The payment rule in words: `linear: 0% at 80, 100% at 90`.
    var ruleSummary: String {
        switch rule {
        case .threshold: "threshold: 100% at \(target), else 0%"
        case .linear(let floor, let cap):
            "linear: 0% at \(floor), 100% at \(target)"
                + (cap.map { ", up to \(Money.percent(attainment(of: $0))) at \($0)" } ?? "")
        case .bands(let bands):
            "bands: " + bands.map { "\(Money.percent($0.factor)) from \($0.from)" }.joined(separator: ", ")
        }
    }
}

/// Runs `body`, turning the library's refusal of a field that an option of these commands gave
/// (`--period`, `--measure`, `--evidence`) into a fault of that option: `--period: …`.
func namingOptions<Value>(_ body: () async throws -> Value) async throws -> Value {
    do {
        return try await body()
    } catch LedgerError.invalidField(let field, let reason)
        where ["period", "measure", "evidence", "note", "reason"].contains(field)
    {
        throw CommandFailure(.invalidInput, "--\(field): \(reason)")
    }
}

/// Reads a measured value such as `86.5` from an option exactly, by the library's parser of
/// decimal text (never through floating point): at most four decimal places, no exponent or
/// separators. Anything else is a usage error naming the option.
func measureValue(_ text: String, option: String) throws -> MeasureValue {
    do {
        return try MeasureValue(parsing: text)
    } catch LedgerError.invalidField(_, let reason) {
        throw ValidationError("\(option) \(reason)")
    }
}
