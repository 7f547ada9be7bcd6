import AllianceLedger

/// The demo's invented alliance: a community mental-health alliance in Kestrelford, a town that
/// does not exist, of five partners with invented names, and a year of plausible figures. Every
/// number is made the same way on every run.
enum DemoData {
    static let allianceName = "Kestrelford Community Mental Health Alliance"
    static let defaultSlug = "kestrelford-mental-health"

    struct DemoPartner {
        let slug: String
        let name: String
        let kind: PartnerKind
        /// What the partner budgets each month on each of its budget lines, in whole pounds.
        let monthly: [(budgetLine: String, pounds: Int64)]
        /// How far its spend runs from its budget, in tenths of a percent: agency cover at the
        /// Trust, vacancies at the Council.
        let drift: Int64
        /// Its admin, finance lead and board member.
        let people: (admin: String, finance: String, board: String)
    }

    static let budgetLines: [(code: String, name: String)] = [
        ("STAFF", "Staff"), ("PREMISES", "Premises"), ("COMMISSIONED", "Commissioned services"),
        ("PEER", "Peer support"), ("CRISIS", "Crisis safe space"),
    ]

    /// About £25 million a year across the alliance.
    static let partners: [DemoPartner] = [
        DemoPartner(
            slug: "kestrelford-icb", name: "Kestrelford Integrated Care Board", kind: .commissioner,
            monthly: [("STAFF", 58_000), ("COMMISSIONED", 412_000)], drift: -10,
            people: ("Priya Okonkwo-Hale", "Tomasz Brennan", "Dr Ruth Achterberg")),
        DemoPartner(
            slug: "kestrelford-trust", name: "Kestrelford and Wyvern Mental Health NHS Trust",
            kind: .nhsProvider,
            monthly: [
                ("STAFF", 642_000), ("PREMISES", 90_500), ("COMMISSIONED", 61_000), ("CRISIS", 44_000),
            ],
            drift: 32, people: ("Gwen Castellano", "Idris Faulkner-Mba", "Prof. Helena Strand")),
        DemoPartner(
            slug: "kestrelford-council", name: "Kestrelford Borough Council", kind: .localAuthority,
            monthly: [("STAFF", 211_500), ("PREMISES", 41_000), ("COMMISSIONED", 148_000)], drift: -45,
            people: ("Marcus Delacroix-Pye", "Ayesha Lindqvist", "Cllr Bernard Oyelaran")),
        DemoPartner(
            slug: "harbour-lights", name: "Harbour Lights Peer Network", kind: .vcse,
            monthly: [("STAFF", 47_500), ("PREMISES", 6_250), ("PEER", 38_000)], drift: 28,
            people: ("Sunny Abernethy", "Kofi Marchetti", "Rosalind Quayle")),
        DemoPartner(
            slug: "open-door", name: "Open Door Crisis Café", kind: .vcse,
            monthly: [("STAFF", 41_750), ("PREMISES", 7_500), ("CRISIS", 52_250)], drift: -5,
            people: ("Nell Fairweather", "Yusuf Penhaligon", "Mags O'Rourke-Tan")),
    ]

    /// Invented suppliers, by budget line.
    static let suppliers: [String: [String]] = [
        "STAFF": ["Payroll", "Kestrel Staffing Bank", "Wyvern Locum Agency (example)"],
        "PREMISES": [
            "Harbourside Estates (example)", "Kestrelford Facilities Co-op", "Riverbank Utilities (example)",
        ],
        "COMMISSIONED": [
            "Meadowlane Therapies (example)", "Kestrel Talking Therapies", "Brightpath Housing Support",
        ],
        "PEER": ["Peer Trainers Collective (example)", "Harbour Lights volunteer expenses"],
        "CRISIS": [
            "Night Light Crisis Line (example)", "Safe Haven Catering (example)", "Kestrelford Taxi Co.",
        ],
    ]

    /// FY2025's budget: each budget line's monthly figure for twelve months, plus 1.5%, rounded to
    /// £1,000; the partners' drift leaves some over and some under.
    static func budget() throws -> [BudgetSetting] {
        try partners.flatMap { partner in
            try partner.monthly.map { budgetLine, pounds in
                let year = pounds * 12
                let budget = (year + year * 15 / 1000 + 500) / 1000 * 1000
                return try BudgetSetting(partner: partner.slug, budgetLine: budgetLine, amount: budget * 100)
            }
        }
    }

    /// A small deterministic generator, so every run invents the same year.
    struct Numbers {
        var state: UInt64

        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    /// One partner's year of spend as the bulk import reads it
    /// (`date,partner,budget_line,amount,description,supplier,reference`): per month and line a
    /// payroll run or a main invoice and a handful of smaller ones, summing to the month's figure
    /// give or take a few percent.
    static func spendFile(of partner: DemoPartner) -> (csv: String, rows: Int) {
        var numbers = Numbers(state: UInt64(partner.slug.utf8.reduce(7) { $0 &* 31 &+ Int($1) }.magnitude))
        var csv = "date,partner,budget_line,amount,description,supplier,reference\n"
        var rows = 0
        for month in 0..<12 {
            let year = month < 9 ? 2025 : 2026
            let monthNumber = (month + 3) % 12 + 1
            let monthText = "\(year)-" + (monthNumber < 10 ? "0" : "") + "\(monthNumber)"
            for (budgetLine, pounds) in partner.monthly {
                // The month's spend: the budgeted twelfth, run over or under by the partner's drift,
                // give or take 4%, in pence.
                let target = pounds * 100 * (1000 + partner.drift + Int64(numbers.next(80)) - 40) / 1000
                let invoices = budgetLine == "STAFF" ? 6 + numbers.next(6) : 10 + numbers.next(12)
                let names = suppliers[budgetLine] ?? ["Supplier (example)"]
                // The largest part first (payroll, the main contract), then smaller invoices.
                var remaining = target
                for index in 0..<invoices {
                    let amount =
                        index == invoices - 1
                        ? remaining
                        : (index == 0 ? remaining * 60 / 100 : remaining * Int64(5 + numbers.next(20)) / 100)
                    remaining -= amount
                    let day = index == 0 ? 28 : 1 + numbers.next(27)
                    let supplier = index == 0 ? names[0] : names[1 + numbers.next(names.count - 1)]
                    let description =
                        index == 0
                        ? (budgetLine == "STAFF" ? "Payroll, \(monthText)" : "Monthly contract, \(monthText)")
                        : "\(budgetLineName(budgetLine)): invoice \(index) of \(monthText)"
                    csv +=
                        "\(monthText)-\(day < 10 ? "0" : "")\(day),\(partner.slug),\(budgetLine),"
                        + "\(Money.format(amount, currency: "GBP")),\"\(description)\",\"\(supplier)\","
                        + "\(partner.slug.prefix(4).uppercased())-\(budgetLine.prefix(4))-\(monthText)-\(index + 1)\n"
                    rows += 1
                }
            }
        }
        return (csv, rows)
    }

    static func budgetLineName(_ code: String) -> String {
        budgetLines.first { $0.code == code }?.name ?? code
    }

    /// Gain shared by weight in the contract; pain likewise, with the voluntary organisations'
    /// part capped at £50,000 each.
    static func riskShareTerms() throws -> RiskShareTerms {
        let weights: [(partner: String, share: Int)] = [
            ("kestrelford-icb", 2500), ("kestrelford-trust", 3500), ("kestrelford-council", 2000),
            ("harbour-lights", 1000), ("open-door", 1000),
        ]
        return try RiskShareTerms(
            year: 2025,
            gain: try weights.map { try RiskShare(partner: $0.partner, share: $0.share) },
            pain: try weights.map {
                try RiskShare(partner: $0.partner, share: $0.share, cap: $0.share == 1000 ? 5_000_000 : nil)
            })
    }

    /// FY2025's outcome terms: 3% of the contract (the year's budget) at stake, paid quarterly
    /// on three measures to the four providers by their weight in the contract; the commissioner
    /// pays, so has no share. Each measure names the partner that reports it: the Trust its
    /// care-plan reviews and wellbeing scores, the ICB the out-of-area placements it commissions.
    static func outcomeTerms() throws -> OutcomeTerms {
        let contract = try budget().reduce(Int64(0)) { $0 + $1.amount }
        func value(_ number: Int64) throws -> MeasureValue {
            try MeasureValue(tenThousandths: number * MeasureValue.scale)
        }
        return try OutcomeTerms(
            year: 2025, frequency: .quarter, pool: contract * 300 / 10_000,
            measures: [
                try OutcomeMeasure(
                    code: "CARE_PLANS", name: "Care plans reviewed within 12 months", unit: "%",
                    direction: .higher, baseline: try value(78), target: try value(90), weight: 4000,
                    rule: .linear(floor: try value(80), cap: nil), reporter: "kestrelford-trust"),
                try OutcomeMeasure(
                    code: "OUT_OF_AREA", name: "Reduction in out-of-area bed-days", unit: "%",
                    direction: .higher, baseline: try value(0), target: try value(20), weight: 3500,
                    rule: .linear(floor: try value(5), cap: nil), reporter: "kestrelford-icb"),
                try OutcomeMeasure(
                    code: "WELLBEING", name: "People reporting improved wellbeing scores", unit: "%",
                    direction: .higher, baseline: try value(42), target: try value(60), weight: 2500,
                    rule: .bands([
                        try PaymentBand(from: try value(45), factor: 5000),
                        try PaymentBand(from: try value(52), factor: 7500),
                        try PaymentBand(from: try value(60), factor: 10_000),
                    ]), reporter: "kestrelford-trust"),
            ],
            shares: [
                try OutcomeShare(partner: "kestrelford-trust", share: 5000),
                try OutcomeShare(partner: "kestrelford-council", share: 2500),
                try OutcomeShare(partner: "harbour-lights", share: 1250),
                try OutcomeShare(partner: "open-door", share: 1250),
            ])
    }

    /// FY2025's measurements, in the order recorded, with the partner whose finance lead
    /// recorded each; the third quarter's care-plan figure is rejected on review and corrected by
    /// a later one.
    static func measurements() throws -> [(partner: String, request: MeasurementRequest)] {
        // Values in tenths of a percent, per quarter.
        let quarters: [(plans: Int64, beds: Int64, wellbeing: Int64, extracted: String)] = [
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
                    "kestrelford-trust",
                    try MeasurementRequest(
                        measure: "CARE_PLANS", period: period, value: try value(quarter.plans),
                        evidence: "Trust care-plan review report, extract of \(quarter.extracted)")
                ),
                (
                    "kestrelford-icb",
                    try MeasurementRequest(
                        measure: "OUT_OF_AREA", period: period, value: try value(quarter.beds),
                        evidence: "ICB out-of-area placements return against the FY2024 baseline, \(period)")
                ),
                (
                    "kestrelford-trust",
                    try MeasurementRequest(
                        measure: "WELLBEING", period: period, value: try value(quarter.wellbeing),
                        evidence: "Wellbeing scores at review, all partners, extract of \(quarter.extracted)")
                ),
            ]
        }
        list.append(
            (
                "kestrelford-trust",
                try MeasurementRequest(
                    measure: "CARE_PLANS", period: "FY2025-Q3", value: try value(865),
                    evidence:
                        "Care-plan review report re-run on 2026-01-26: reviews entered late in December now counted"
                )
            ))
        return list
    }
}
