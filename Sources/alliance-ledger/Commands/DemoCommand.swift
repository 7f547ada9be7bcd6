import AllianceLedger
import ArgumentParser
import Foundation
import Postgres

/// Loads a realistic example alliance, so that a new user has something to read, serve and
/// query straight away: five partners of a mental-health alliance, two budget lines, an admin, a
/// finance lead and a board member per partner and an auditor, the year's budget set by a
/// unanimous decision of the board, a second decision still open, the year's outcome terms set by
/// a third and its four quarters measured, and a year of spend with a correction.
///
/// It does what the rules ask of a real alliance: the operator sets the alliance up and creates
/// each partner's first admin, who adds their partner's people; once the first decision has
/// carried, everything is done by the partners' own people. Being trusted set-up code, it acts
/// as them directly, without tokens.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Load a realistic example alliance (applies pending migrations first).",
        discussion: """
            Creates the alliance (default lambeth-living-well) with five partners — a \
            commissioner, an NHS trust, a council and two voluntary organisations — budget lines \
            STAFF and PREMISES, people with roles (an admin, a finance lead and a board member \
            per partner, and an auditor), FY2025's budget set by decision D-0001 (carried: \
            every partner's board member approved), decision D-0002 on FY2025's gain and pain shares (open, three of \
            five partners approving), decision D-0003 setting FY2025's outcome terms (carried: \
            three mental-health measures, a pool of 3% of the year's budget paid quarterly to the \
            four providers), the finance leads' measurements of FY2025's four quarters (one \
            corrected), and FY2025's monthly spend of every partner, one entry reversed. No \
            outcome payment is approved and nothing is settled: that is left to try. Once D-0001 \
            has carried only a partner's admin issues its people's tokens, so with --tokens it \
            issues one for every person (by their partner's admin) and one for the operator, and \
            prints them: they are shown once. Refuses an alliance that exists already.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The example alliance's slug.")
    var alliance = "lambeth-living-well"

    @Flag(help: "Issue and print an API token for every person and for the operator.")
    var tokens = false

    /// Monthly spend in whole pounds: about £18.6 million a year across the alliance.
    static let partners: [(slug: String, name: String, kind: PartnerKind, staff: Int64, premises: Int64)] = [
        ("sel-icb", "South East London ICB", .commissioner, 185_000, 21_000),
        ("slam", "South London and Maudsley NHS Foundation Trust", .nhsProvider, 642_000, 90_500),
        ("lambeth", "Lambeth Council", .localAuthority, 311_500, 46_000),
        ("certitude", "Certitude", .vcse, 129_000, 18_500),
        ("thamesreach", "Thames Reach", .vcse, 97_500, 14_250),
    ]

    func run() async throws {
        let settings = try global.settings()
        try await DatabaseSession.with(settings, logger: settings.logger()) { session in
            _ = try await SchemaMigrator.allianceLedger().migrate(session.ownerPool)
            let directory = AllianceDirectory(pool: session.pool)
            let created = try await directory.create(
                try AllianceRequest(
                    slug: alliance, name: "Lambeth Living Well Network Alliance",
                    contractStart: CalendarDate(year: 2025, month: 4, day: 1),
                    contractEnd: CalendarDate(year: 2030, month: 3, day: 31)))
            for code in ["STAFF", "PREMISES"] {
                try await directory.addBudgetLine(
                    try BudgetLineRequest(code: code, name: code == "STAFF" ? "Staff" : "Premises"),
                    to: created)
            }
            // The operator creates each partner's first admin; the admin adds the partner's people.
            var people: [(key: String, person: Person)] = []
            @discardableResult
            func add(_ key: String, _ name: String, partner: String, _ roles: Set<Role>, by caller: Caller)
                async throws -> Person
            {
                let person = try await directory.addPerson(
                    try PersonRequest(
                        name: name, email: "\(key)@\(partner).example.org", partner: partner, roles: roles),
                    to: created, by: caller)
                people.append((key, person))
                return person
            }
            for partner in Self.partners {
                try await directory.addPartner(
                    try PartnerRequest(slug: partner.slug, name: partner.name, kind: partner.kind),
                    to: created)
                let admin = Self.acting(
                    as: try await add(
                        "admin", "Admin, \(partner.name)", partner: partner.slug, [.admin], by: .commandLine))
                try await add(
                    "finance", "Finance lead, \(partner.name)", partner: partner.slug, [.finance], by: admin)
                try await add(
                    "board", "Board member, \(partner.name)", partner: partner.slug, [.board], by: admin)
                if partner.slug == "sel-icb" {
                    try await add("auditor", "Internal auditor", partner: partner.slug, [.auditor], by: admin)
                }
            }
            /// The partner's person with this key (admin, finance, board), as a caller.
            func caller(_ key: String, of partner: String) throws -> Caller {
                guard let found = people.first(where: { $0.key == key && $0.person.partner == partner })
                else {
                    throw CommandFailure(.failure, "no \(key) person for \(partner)")
                }
                return Self.acting(as: found.person)
            }

            // The board: budgets change only by a carried decision.
            let board = try Self.partners.map { try caller("board", of: $0.slug) }
            let decisions = Decisions(pool: session.pool)
            let budget = try await decisions.propose(
                try DecisionProposal(
                    title: "Set the FY2025 budget",
                    description:
                        "Each partner's staff and premises budget for FY2025, as the board agreed it.",
                    action: .budgetSet(year: 2025, lines: try Self.budget())),
                in: created, by: board[0])
            for member in board {
                _ = try await decisions.vote(.approve, on: .id(budget.id), in: created, by: member)
            }
            let shares = try await decisions.propose(
                try DecisionProposal(
                    title: "Share FY2025's gain and pain",
                    description:
                        "An underspend is shared by the partners' weight in the contract; an overspend likewise, "
                        + "with the voluntary organisations' part capped at £50,000 each.",
                    closesAt: Timestamp(
                        microsecondsSince1970: Timestamp(Date()).microsecondsSince1970 + 30 * 86_400_000_000),
                    action: .riskShareSetTerms(try Self.riskShareTerms())),
                in: created, by: board[1])
            for member in board.prefix(3) {
                _ = try await decisions.vote(.approve, on: .id(shares.id), in: created, by: member)
            }
            let outcomeTerms = try Self.outcomeTerms()
            let outcomes = try await decisions.propose(
                try DecisionProposal(
                    title: "Agree FY2025's outcome measures",
                    description:
                        "3% of the contract is paid only as outcomes are achieved: care plans reviewed, fewer "
                        + "out-of-area bed-days and better outcome scores, measured and paid each quarter.",
                    action: .outcomesSetTerms(outcomeTerms)),
                in: created, by: board[0])
            for member in board {
                _ = try await decisions.vote(.approve, on: .id(outcomes.id), in: created, by: member)
            }

            // The finance leads measure each quarter: the trust its clinical records, the
            // commissioner its placements.
            let outcomeBook = OutcomeBook(pool: session.pool)
            var measured = 0
            for measurement in try Self.measurements() {
                _ = try await outcomeBook.record(
                    measurement.request, in: created, by: try caller("finance", of: measurement.partner))
                measured += 1
            }

            // Each partner's finance lead records its spend, and corrects it.
            let book = SpendBook(ledger: Ledger(pool: session.pool))
            var recorded = 0
            var first: Spend?
            for month in 0..<12 {
                let incurredOn = try Self.payday(monthsAfterApril2025: month)
                for partner in Self.partners {
                    for (line, monthly) in [("STAFF", partner.staff), ("PREMISES", partner.premises)] {
                        // A little month-to-month variation, the same on every run.
                        let amount =
                            monthly * 100 + Int64((month * 7 + partner.slug.count * 13) % 19) * 1_250_00
                        let spend = try await book.record(
                            try SpendRequest(
                                partner: partner.slug, budgetLine: line, amount: amount,
                                incurredOn: incurredOn,
                                description:
                                    "\(line == "STAFF" ? "Payroll" : "Rent and service charge"), \(incurredOn.description.prefix(7))",
                                supplier: line == "STAFF" ? "Payroll" : "Landlord",
                                reference:
                                    "\(partner.slug.uppercased())-\(line)-\(incurredOn.description.prefix(7))"
                            ),
                            in: created, by: try caller("finance", of: partner.slug))
                        first = first ?? spend
                        recorded += 1
                    }
                }
            }
            if let first {
                _ = try await book.reverse(
                    first.id, reason: "Payroll posted twice in the finance system; corrected", in: created,
                    by: try caller("finance", of: first.partner))
            }
            print(
                "Loaded \(created.slug): \(Self.partners.count) partners, 2 budget lines, \(people.count) people, "
                    + "\(recorded) spend entries for FY2025 and 1 reversal.")
            print(
                "Decisions: \(budget.reference) set the FY2025 budget (carried, every partner approving); "
                    + "\(shares.reference) on FY2025's gain and pain shares is open, 3 of 5 partners approving; "
                    + "\(outcomes.reference) set FY2025's outcome terms (carried): \(outcomeTerms.measures.count) measures, "
                    + "a pool of \(Money.format(outcomeTerms.pool, currency: created.currency)) paid quarterly."
            )
            print(
                "Outcomes: \(measured) measurements of FY2025's four quarters, one corrected; no payment approved yet. "
                    + "Try: alliance-ledger outcome payment --alliance \(created.slug) --period FY2025-Q3"
            )
            guard tokens else {
                print(
                    "Tokens: none issued. Now that the board has decided, only each partner's admin issues its "
                        + "people's tokens: load the demo with --tokens to have every person's printed."
                )
                return
            }
            let store = TokenStore(pool: session.pool)
            print("API tokens (shown once):")
            print("  operator  \(try await store.issueOperatorToken())")
            for (_, person) in people {
                guard let partner = person.partner else { continue }
                let issued = try await store.issue(for: person, by: try caller("admin", of: partner))
                print("  \(person.email)  \(issued)")
            }
        }
    }

    /// A person of the demo as a caller without a token: the demo is trusted set-up code, which
    /// acts as the partners' own people would with theirs.
    static func acting(as person: Person) -> Caller { Caller(identity: .person(person), tokenID: nil) }

    /// FY2025's budget: each line's monthly spend for twelve months and £120,000 besides, so
    /// that some partners end the year under budget and some over.
    static func budget() throws -> [BudgetSetting] {
        try partners.flatMap { partner in
            try [("STAFF", partner.staff), ("PREMISES", partner.premises)].map { line, monthly in
                try BudgetSetting(
                    partner: partner.slug, budgetLine: line, amount: (monthly * 12 + 120_000) * 100)
            }
        }
    }

    /// Gain shared by weight in the contract; pain likewise, with the voluntary organisations'
    /// part capped at £50,000 each.
    static func riskShareTerms() throws -> RiskShareTerms {
        let weights: [(partner: String, share: Int)] = [
            ("sel-icb", 2500), ("slam", 3500), ("lambeth", 2000), ("certitude", 1000), ("thamesreach", 1000),
        ]
        return try RiskShareTerms(
            year: 2025,
            gain: try weights.map { try RiskShare(partner: $0.partner, share: $0.share) },
            pain: try weights.map {
                try RiskShare(partner: $0.partner, share: $0.share, cap: $0.share == 1000 ? 5_000_000 : nil)
            })
    }

    /// FY2025's outcome terms, in the manner of the worked example O1: 3% of the contract (the
    /// year's budget) at stake, paid quarterly on three measures, to the four providers by their
    /// weight in the contract; the commissioner pays, so has no share.
    static func outcomeTerms() throws -> OutcomeTerms {
        let contract = try budget().reduce(Int64(0)) { $0 + $1.amount }
        func value(_ number: Int64) throws -> MeasureValue {
            try MeasureValue(tenThousandths: number * MeasureValue.scale)
        }
        return try OutcomeTerms(
            year: 2025, frequency: .quarter, pool: contract * 300 / 10_000,
            measures: [
                try OutcomeMeasure(
                    code: "CPA_REVIEW", name: "Care plans reviewed within 12 months", unit: "%",
                    direction: .higher,
                    baseline: try value(78), target: try value(90), weight: 4000,
                    rule: .linear(floor: try value(80), cap: nil)),
                try OutcomeMeasure(
                    code: "OOA_BED_DAYS", name: "Reduction in out-of-area bed-days", unit: "%",
                    direction: .higher, baseline: try value(0), target: try value(20), weight: 3500,
                    rule: .linear(floor: try value(5), cap: nil)),
                try OutcomeMeasure(
                    code: "IMPROVED_OUTCOMES", name: "People with improved DIALOG outcome scores", unit: "%",
                    direction: .higher, baseline: try value(42), target: try value(60), weight: 2500,
                    rule: .bands([
                        try PaymentBand(from: try value(45), factor: 5000),
                        try PaymentBand(from: try value(52), factor: 7500),
                        try PaymentBand(from: try value(60), factor: 10_000),
                    ])),
            ],
            shares: [
                try OutcomeShare(partner: "slam", share: 5000),
                try OutcomeShare(partner: "lambeth", share: 2500),
                try OutcomeShare(partner: "certitude", share: 1250),
                try OutcomeShare(partner: "thamesreach", share: 1250),
            ])
    }

    /// FY2025's measurements, in the order they were recorded, with the partner whose finance
    /// lead recorded each; the third quarter's care-plan figure is corrected by a later one.
    static func measurements() throws -> [(partner: String, request: MeasurementRequest)] {
        // Values in tenths of a percent, per quarter.
        let quarters: [(cpa: Int64, beds: Int64, outcomes: Int64, extracted: String)] = [
            (824, 65, 440, "2025-07-09"), (840, 110, 485, "2025-10-08"), (859, 155, 530, "2026-01-12"),
            (881, 200, 612, "2026-04-09"),
        ]
        func value(_ tenths: Int64) throws -> MeasureValue {
            try MeasureValue(tenThousandths: tenths * MeasureValue.scale / 10)
        }
        var list: [(partner: String, request: MeasurementRequest)] = []
        for (index, quarter) in quarters.enumerated() {
            let period = "FY2025-Q\(index + 1)"
            list += [
                (
                    "slam",
                    try MeasurementRequest(
                        measure: "CPA_REVIEW", period: period, value: try value(quarter.cpa),
                        evidence: "SLaM care-plan review report, extract of \(quarter.extracted)")
                ),
                (
                    "sel-icb",
                    try MeasurementRequest(
                        measure: "OOA_BED_DAYS", period: period, value: try value(quarter.beds),
                        evidence: "ICB out-of-area placements return against the FY2024 baseline, \(period)")
                ),
                (
                    "slam",
                    try MeasurementRequest(
                        measure: "IMPROVED_OUTCOMES", period: period, value: try value(quarter.outcomes),
                        evidence:
                            "DIALOG scores at review, SLaM and VCSE partners, extract of \(quarter.extracted)"
                    )
                ),
            ]
        }
        list.append(
            (
                "slam",
                try MeasurementRequest(
                    measure: "CPA_REVIEW", period: "FY2025-Q3", value: try value(865),
                    evidence:
                        "SLaM care-plan review report re-run on 2026-01-26: reviews entered late in December now counted"
                )
            ))
        return list
    }

    /// The 28th of each month from April 2025: a payroll day every month has.
    static func payday(monthsAfterApril2025 offset: Int) throws -> CalendarDate {
        let monthsSinceJanuary2025 = 3 + offset
        guard
            let day = CalendarDate(
                year: 2025 + monthsSinceJanuary2025 / 12, month: monthsSinceJanuary2025 % 12 + 1, day: 28)
        else { throw CommandFailure(.failure, "no 28th in month \(offset) of FY2025") }
        return day
    }
}
