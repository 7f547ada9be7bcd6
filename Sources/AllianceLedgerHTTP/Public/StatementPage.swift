import AllianceLedger
import Dates

/// The statement a person prints for a board meeting: headline figures, what the data is as of,
/// budget against actual with charts and their tables, the year so far, variance, spend,
/// outcomes, the gain/pain position, decisions with every vote, commentary, how to verify it, how
/// it is made, and whom to ask.
///
/// Every figure taken from the statement's JSON carries `data-figure`, its path in that JSON
/// (`budget.total.actual`, `budget.byPartner.2.variance`; `*` for the sum over a list), and
/// `data-statement` when it is another statement's, so that a reader, or the browser test, can
/// check the page against the published bytes.
struct StatementPage {
    let statement: PublishedStatement
    let listing: StatementListing
    /// Published month statements of the same year up to this one's end, oldest first: the
    /// year's course, for the cumulative chart.
    let months: [(number: String, statement: PublishedStatement)]
    let partnerNames: [String: String]
    let budgetLineNames: [String: String]
    let keys: [PartnerKey]
    let exampleData: Bool
    /// Where the service is published, for the commands in the verify box.
    let publicBaseURL: String

    var currency: String { statement.header.alliance.currency }
    var slug: String { statement.header.alliance.slug }

    func money(_ amount: Int64) -> String { PublicFormat.money(amount, currency: currency) }
    func headline(_ amount: Int64) -> String { PublicFormat.headlineMoney(amount, currency: currency) }
    func partner(_ slug: String?) -> String { slug.map { partnerNames[$0] ?? $0 } ?? "All partners" }
    func budgetLine(_ code: String?) -> String { code.map { budgetLineNames[$0] ?? $0 } ?? "All lines" }

    var periodWords: String {
        "\(PublicFormat.day(statement.period.from)) to \(PublicFormat.day(statement.period.to))"
    }

    var cosigning: String {
        listing.cosignedByAll
            ? "Co-signed by all partners"
            : "Awaiting co-signature: \(listing.signedBy) of \(listing.partners) partners have signed"
    }

    func render() -> String {
        let frame = PublicPage.Frame(
            title: "Statement \(statement.number): \(statement.period.name)",
            alliance: (statement.header.alliance.name, slug),
            breadcrumbs: [
                ("Home", "/"), (statement.header.alliance.name, "/public/alliances/\(slug)"),
                ("Statement \(statement.number)", nil),
            ],
            exampleData: exampleData)
        return PublicPage.document(frame) { page in
            heading(&page)
            headlines(&page)
            summaryList(&page)
            budgetSection(&page)
            yearSection(&page)
            varianceSection(&page)
            spendSection(&page)
            outcomeSection(&page)
            riskShareSection(&page)
            decisionSection(&page)
            commentarySection(&page)
            verifySection(&page)
            methodology(&page)
        }
    }

    // MARK: The top of the page

    private func heading(_ page: inout HTMLWriter) {
        page.element(
            "span", ["class": "caption"], "Statement \(statement.number) · \(statement.header.alliance.name)")
        page.element("h1", "Open-book statement for \(statement.period.name): \(periodWords)")
        page.element("p") { page in
            switch (listing.state, statement.restates) {
            case (.superseded, _): page.element("strong", ["class": "tag tag--grey"], "Superseded")
            case (_, .some): page.element("strong", ["class": "tag"], "Restated")
            default: page.element("strong", ["class": "tag"], "Published")
            }
            page.element(
                "strong", ["class": listing.cosignedByAll ? "tag tag--green" : "tag tag--yellow"], cosigning)
        }
        if listing.state == .superseded {
            page.element("div", ["class": "inset"]) { page in
                page.text("This statement has been superseded by a restatement. ")
                page.element(
                    "a", ["href": "/public/alliances/\(slug)"], "See the alliance's current statements")
                page.text(".")
            }
        }
        if let restates = statement.restates {
            page.element("div", ["class": "inset"]) { page in
                page.text("This statement restates ")
                page.element(
                    "a", ["href": "/public/alliances/\(slug)/statements/\(restates.supersedes)"],
                    restates.supersedes)
                page.text(": \(restates.reason)")
            }
        }
        let total = statement.budget.total
        page.element("p", ["class": "lead"]) { page in
            page.text("The alliance spent ")
            figure(&page, "budget.total.actual", total.actual, headline: true)
            page.text(" against a budget of ")
            figure(&page, "budget.total.budget", total.budget, headline: true)
            page.text(": \(headline(total.variance.magnitude.signed)) ")
            page.text(total.variance >= 0 ? "under budget." : "over budget.")
        }
    }

    private func headlines(_ page: inout HTMLWriter) {
        let total = statement.budget.total
        page.element("ul", ["class": "headline", "aria-label": "Headline figures"]) { page in
            headlineItem(&page, "Budget", "budget.total.budget", total.budget, note: nil)
            headlineItem(&page, "Actual spend", "budget.total.actual", total.actual, note: nil)
            headlineItem(
                &page, "Variance", "budget.total.variance", total.variance,
                note: total.variance >= 0 ? "under budget" : "over budget")
            page.element("li") { page in
                page.element("span", ["class": "headline__label"], "Outcome payments earned")
                page.element(
                    "span", ["class": "headline__figure", "data-figure": "outcomes.periods.*.earned"]
                ) {
                    page in
                    page.text(headline(statement.outcomeEarnings))
                }
                let pool = statement.outcomes.periods.reduce(Int64(0)) { $0 + $1.pool }
                page.element("span", ["class": "headline__note"], "of \(headline(pool)) available")
            }
            if let risk = statement.riskShare {
                headlineItem(
                    &page, risk.difference >= 0 ? "Gain to share" : "Pain to share", "riskShare.difference",
                    risk.difference, note: risk.provisional ? "provisional until settled" : "settled")
            }
        }
    }

    private func headlineItem(
        _ page: inout HTMLWriter, _ label: String, _ path: String, _ amount: Int64, note: String?
    ) {
        page.element("li") { page in
            page.element("span", ["class": "headline__label"], label)
            page.element("span", ["class": "headline__figure", "data-figure": path], headline(amount))
            if let note { page.element("span", ["class": "headline__note"], note) }
        }
    }

    private func summaryList(_ page: inout HTMLWriter) {
        page.element("dl", ["class": "summary"]) { page in
            page.summaryRow("Period") { page in page.text("\(statement.period.name), \(periodWords)") }
            page.summaryRow("Data as of") { page in
                page.text("Entry ")
                page.element("span", ["data-figure": "integrity.headSequence", "data-kind": "count"]) {
                    page in
                    page.text(PublicFormat.count(statement.integrity.headSequence))
                }
                page.text(" of the alliance's journal")
                if let at = statement.header.publishedAt {
                    page.text(", published \(PublicFormat.instant(at))")
                }
            }
            if let publisher = statement.header.publishedBy {
                page.summaryRow("Published by") { page in
                    page.text(publisher.name + (publisher.partner.map { ", \(partner($0))" } ?? ""))
                }
            }
            page.summaryRow("Co-signing") { page in page.text(cosigning) }
            page.summaryRow("Statement hash") { page in
                page.element("code", ["class": "hash"], "sha256:\(listing.hash)")
            }
            page.summaryRow("Machine-readable") { page in
                page.element(
                    "a", ["href": "/public/alliances/\(slug)/statements/\(statement.number).json"],
                    "The statement as JSON (the exact published bytes)")
            }
        }
    }

    /// A figure of the statement, exact or as a headline, with its JSON path.
    private func figure(_ page: inout HTMLWriter, _ path: String, _ amount: Int64, headline: Bool = false) {
        page.element("span", ["data-figure": path], headline ? self.headline(amount) : money(amount))
    }

    // MARK: Budget against actual

    private func budgetSection(_ page: inout HTMLWriter) {
        page.element("h2", ["id": "budget"], "Budget against actual")
        let budget = statement.budget
        for (section, totals, name, noun) in [
            ("byPartner", budget.byPartner, partner as (String?) -> String, "partner"),
            ("byLine", budget.byLine, budgetLine, "budget line"),
        ] {
            let over = totals.filter { $0.variance < 0 }.map { name($0.key) }
            let summary =
                over.isEmpty
                ? "Every \(noun) spent within its budget for the period."
                : "\(over.joined(separator: ", ")) spent more than \(over.count == 1 ? "its" : "their") budget; "
                    + "every other \(noun) spent within it."
            page.element("h3", "By \(noun)")
            Charts.bullets(
                &page, id: "chart-\(section)", title: "Budget against actual by \(noun)", summary: summary,
                bars: totals.map { Charts.Bar(label: name($0.key), budget: $0.budget, actual: $0.actual) },
                money: headline)
            budgetTable(
                &page, caption: "Budget against actual by \(noun), \(statement.period.name)", noun: noun,
                path: "budget.\(section)", rows: totals, name: name)
        }
    }

    private func budgetTable(
        _ page: inout HTMLWriter, caption: String, noun: String, path: String,
        rows: [PublishedStatement.BudgetTotal],
        name: (String?) -> String
    ) {
        page.table(caption: caption, columns: [noun.capitalizedFirst, "Budget", "Actual", "Variance"]) {
            page in
            for (index, row) in rows.enumerated() {
                page.element("tr") { page in
                    page.element("th", ["scope": "row"], name(row.key))
                    cell(&page, "\(path).\(index).budget", row.budget)
                    cell(&page, "\(path).\(index).actual", row.actual)
                    cell(&page, "\(path).\(index).variance", row.variance)
                }
            }
            let total = statement.budget.total
            page.element("tr") { page in
                page.element("th", ["scope": "row"], "Total")
                cell(&page, "budget.total.budget", total.budget)
                cell(&page, "budget.total.actual", total.actual)
                cell(&page, "budget.total.variance", total.variance)
            }
        }
    }

    private func cell(_ page: inout HTMLWriter, _ path: String, _ amount: Int64) {
        page.element("td", ["class": "numeric", "data-figure": path], money(amount))
    }

    // MARK: The year so far

    private func yearSection(_ page: inout HTMLWriter) {
        page.element("h2", ["id": "year"], "The year so far")
        let ytd = statement.yearToDate.total
        page.element("p") { page in
            page.text(
                "From the start of \(statement.period.financialYear) to \(PublicFormat.day(statement.period.to)) "
            )
            page.text("the alliance spent ")
            figure(&page, "yearToDate.total.actual", ytd.actual)
            page.text(" against a budget to date of ")
            figure(&page, "yearToDate.total.budget", ytd.budget)
            if let full = ytd.fullYearBudget, let remaining = ytd.remaining {
                page.text("; of the full year's budget of ")
                figure(&page, "yearToDate.total.fullYearBudget", full)
                page.text(", ")
                figure(&page, "yearToDate.total.remaining", remaining)
                page.text(" remains.")
            } else {
                page.text(".")
            }
        }
        guard months.count >= 2 else {
            page.element(
                "p",
                "The chart of the year's course needs at least two published month statements of "
                    + "\(statement.period.financialYear); there \(months.count == 1 ? "is one" : "are none") yet."
            )
            return
        }
        var budget: Int64 = 0
        var actual: Int64 = 0
        let cumulative = months.map { month in
            budget += month.statement.budget.total.budget
            actual += month.statement.budget.total.actual
            return (
                label: String(PublicFormat.months[month.statement.period.from.month - 1].prefix(3)),
                budget: budget, actual: actual
            )
        }
        let last = cumulative[cumulative.count - 1]
        let difference = last.budget - last.actual
        Charts.cumulative(
            &page, id: "chart-year", title: "Cumulative spend against the profiled budget",
            summary:
                "By the end of \(PublicFormat.month(months[months.count - 1].statement.period.to)) the alliance "
                + "had spent \(headline(last.actual)) against a profiled budget of \(headline(last.budget)), "
                + "\(headline(difference.magnitude.signed)) \(difference >= 0 ? "under" : "over").",
            months: cumulative, money: headline)
        page.table(
            caption: "Spend by month from the month statements, cumulative",
            columns: ["Month", "Statement", "Budget", "Actual", "Cumulative budget", "Cumulative actual"],
            numericFrom: 2
        ) { page in
            for (index, month) in months.enumerated() {
                page.element("tr") { page in
                    page.element("th", ["scope": "row"], PublicFormat.month(month.statement.period.from))
                    page.element("td") { page in
                        page.element(
                            "a", ["href": "/public/alliances/\(slug)/statements/\(month.number)"],
                            month.number)
                    }
                    for (key, amount) in [
                        ("budget", month.statement.budget.total.budget),
                        ("actual", month.statement.budget.total.actual),
                    ] {
                        page.element(
                            "td",
                            [
                                "class": "numeric", "data-figure": "budget.total.\(key)",
                                "data-statement": month.number,
                            ], money(amount))
                    }
                    page.element("td", ["class": "numeric"], money(cumulative[index].budget))
                    page.element("td", ["class": "numeric"], money(cumulative[index].actual))
                }
            }
        }
    }

    // MARK: Variance

    private func varianceSection(_ page: inout HTMLWriter) {
        page.element("h2", ["id": "variance"], "Variance by partner")
        let rows = statement.budget.byPartner
        let largest = rows.max { $0.variance.magnitude < $1.variance.magnitude }
        let summary =
            largest.map {
                "The largest difference from budget is \(partner($0.key))'s: \(headline($0.variance.magnitude.signed)) "
                    + ($0.variance >= 0 ? "under budget." : "over budget.")
            } ?? "No partner has a budget in this period."
        Charts.diverging(
            &page, id: "chart-variance", title: "Variance from budget by partner", summary: summary,
            rows: rows.map { (partner($0.key), $0.variance, $0.budget) }, money: headline)
        page.table(
            caption: "Variance by partner (budget minus actual: positive is an underspend)",
            columns: ["Partner", "Variance", "Share of budget"]
        ) { page in
            for (index, row) in rows.enumerated() {
                page.element("tr") { page in
                    page.element("th", ["scope": "row"], partner(row.key))
                    cell(&page, "budget.byPartner.\(index).variance", row.variance)
                    page.element(
                        "td", ["class": "numeric"],
                        PublicFormat.percent(
                            basisPoints: PublicFormat.basisPoints(row.variance, of: row.budget)))
                }
            }
        }
    }

    // MARK: Spend

    private func spendSection(_ page: inout HTMLWriter) {
        page.element("h2", ["id": "spend"], "Spend recorded")
        let spend = statement.spend
        page.element("p") { page in
            page.element("span", ["data-figure": "spend.total.entries", "data-kind": "count"]) { page in
                page.text(PublicFormat.count(spend.total.entries))
            }
            page.text(" entries of spend count in this period, with ")
            page.element("span", ["data-figure": "spend.total.reversals", "data-kind": "count"]) { page in
                page.text(PublicFormat.count(spend.total.reversals))
            }
            page.text(" reversals: a correction is a reversal with a reason, never an edit.")
        }
        page.table(
            caption: "Spend entries and reversals by partner and budget line",
            columns: ["Partner", "Budget line", "Entries", "Spent", "Reversals", "Reversed", "Net"],
            numericFrom: 2
        ) { page in
            for (index, row) in spend.rows.enumerated() {
                page.element("tr") { page in
                    page.element("th", ["scope": "row"], partner(row.partner))
                    page.element("td", budgetLine(row.budgetLine))
                    page.element(
                        "td",
                        [
                            "class": "numeric", "data-figure": "spend.rows.\(index).entries",
                            "data-kind": "count",
                        ],
                        PublicFormat.count(row.entries))
                    cell(&page, "spend.rows.\(index).entriesTotal", row.entriesTotal)
                    page.element(
                        "td",
                        [
                            "class": "numeric", "data-figure": "spend.rows.\(index).reversals",
                            "data-kind": "count",
                        ],
                        PublicFormat.count(row.reversals))
                    cell(&page, "spend.rows.\(index).reversalsTotal", row.reversalsTotal)
                    cell(&page, "spend.rows.\(index).net", row.net)
                }
            }
            page.element("tr") { page in
                page.element("th", ["scope": "row", "colspan": "2"], "Total")
                page.element(
                    "td", ["class": "numeric", "data-figure": "spend.total.entries", "data-kind": "count"],
                    PublicFormat.count(spend.total.entries))
                cell(&page, "spend.total.entriesTotal", spend.total.entriesTotal)
                page.element(
                    "td", ["class": "numeric", "data-figure": "spend.total.reversals", "data-kind": "count"],
                    PublicFormat.count(spend.total.reversals))
                cell(&page, "spend.total.reversalsTotal", spend.total.reversalsTotal)
                cell(&page, "spend.total.net", spend.total.net)
            }
        }
    }

    // MARK: Outcomes

    private func outcomeSection(_ page: inout HTMLWriter) {
        page.element("h2", ["id": "outcomes"], "Outcomes")
        let outcomes = statement.outcomes
        guard let terms = outcomes.terms, !outcomes.periods.isEmpty else {
            page.element("p", "No outcome payments are due in this period.")
            return
        }
        let pool = outcomes.periods.reduce(Int64(0)) { $0 + $1.pool }
        page.element("p") { page in
            page.text(
                "Part of the contract is paid only as outcomes are achieved, on the terms of \(terms). Of ")
            page.text(money(pool))
            page.text(" available in this period, ")
            page.element(
                "span", ["data-figure": "outcomes.periods.*.earned"], money(statement.outcomeEarnings))
            page.text(" was earned.")
        }
        var bars: [(label: String, basisPoints: Int)] = []
        for period in outcomes.periods {
            for measure in period.measures {
                bars.append(("\(measure.name), \(period.period)", measure.attainment))
            }
        }
        let full = bars.filter { $0.basisPoints >= 10_000 }.count
        Charts.attainment(
            &page, id: "chart-outcomes", title: "Outcome attainment by measure and period",
            summary:
                "\(full) of \(bars.count) measure-periods earned their full payment; the table gives each "
                + "measurement against its target.",
            rows: bars)
        page.table(
            caption: "Outcome measures: measurement against target, and payment earned",
            columns: ["Measure", "Period", "Measured", "Target", "Attainment", "Available", "Earned"],
            numericFrom: 2
        ) { page in
            for (periodIndex, period) in outcomes.periods.enumerated() {
                for (index, measure) in period.measures.enumerated() {
                    let path = "outcomes.periods.\(periodIndex).measures.\(index)"
                    page.element("tr") { page in
                        page.element("th", ["scope": "row"], measure.name)
                        page.element("td", period.period)
                        page.element(
                            "td", ["class": "numeric"],
                            measure.measurement.map {
                                // A figure nobody has validated yet earns nothing: the reader is told so.
                                let state = measure.state.map { $0 == "validated" ? "" : " (\($0))" } ?? ""
                                return "\($0)\(measure.unit)\(state)"
                            } ?? "not measured")
                        page.element("td", ["class": "numeric"], "\(measure.target)\(measure.unit)")
                        page.element(
                            "td", ["class": "numeric"], PublicFormat.percent(basisPoints: measure.attainment))
                        cell(&page, "\(path).available", measure.available)
                        cell(&page, "\(path).earned", measure.earned)
                    }
                }
            }
        }
        // Who stands behind each figure: the partner that reported it and whoever checked it
        // (another partner's finance lead, or an auditor). Statements published before reviews
        // began do not say, and show no such table.
        if outcomes.periods.contains(where: { $0.measures.contains { $0.state != nil } }) {
            page.table(
                caption: "Who reported each measurement and who checked it",
                columns: ["Measure", "Period", "Reported by", "State", "Checked by"], numericFrom: 5
            ) { page in
                for period in outcomes.periods {
                    for measure in period.measures {
                        page.element("tr") { page in
                            page.element("th", ["scope": "row"], measure.name)
                            page.element("td", period.period)
                            page.element("td", measure.reporter.map { partner($0) } ?? "Any partner")
                            page.element(
                                "td", measure.state.map { $0.prefix(1).uppercased() + $0.dropFirst() } ?? "")
                            page.element("td", checker(measure))
                        }
                    }
                }
            }
        }
        page.table(
            caption: "Outcome payments by period", columns: ["Period", "Pool", "Earned", "Unearned", "Paid"],
            numericFrom: 1
        ) { page in
            for (index, period) in outcomes.periods.enumerated() {
                page.element("tr") { page in
                    page.element("th", ["scope": "row"], period.period)
                    cell(&page, "outcomes.periods.\(index).pool", period.pool)
                    cell(&page, "outcomes.periods.\(index).earned", period.earned)
                    cell(&page, "outcomes.periods.\(index).unearned", period.unearned)
                    page.element(
                        "td", ["class": "numeric"],
                        period.paid.map { "Paid by \($0.decision)" } ?? "Not yet approved")
                }
            }
        }
    }

    /// Who checked a measure's latest figure, in words.
    private func checker(_ measure: PublishedStatement.Measure) -> String {
        guard let reviewer = measure.reviewer else {
            return measure.measurement == nil ? "" : "Not checked yet"
        }
        switch reviewer.kind {
        case "finance": return "A finance lead of \(partner(reviewer.partner))"
        case "auditor":
            return reviewer.partner.map { "An auditor of \(partner($0))" }
                ?? "An auditor appointed by the alliance"
        case "migration": return "Recorded before reviews began, counted as checked"
        default: return reviewer.kind
        }
    }

    // MARK: Gain and pain

    private func riskShareSection(_ page: inout HTMLWriter) {
        page.element("h2", ["id": "gain-pain"], "Gain and pain")
        guard let risk = statement.riskShare else {
            page.element("p", "This year has no agreed terms for sharing gain or pain.")
            return
        }
        let gain = risk.difference >= 0
        page.element("p") { page in
            page.element(
                "strong", ["class": risk.provisional ? "tag tag--yellow" : "tag tag--green"],
                risk.provisional ? "Provisional" : "Settled")
            page.text(
                " On the terms of \(risk.terms), the year's actual cost against its target leaves a "
                    + (gain ? "gain" : "loss (pain)") + " of ")
            page.element("span", ["data-figure": "riskShare.difference"], money(risk.difference))
            page.text(
                risk.provisional
                    ? ", provisional until the year is settled."
                    : ", settled by \(risk.settled?.decision ?? "decision").")
        }
        let steps =
            [(label: gain ? "Gain" : "Pain", amount: risk.difference)]
            + risk.allocations.map { (label: partner($0.partner), amount: $0.amount) }
            + [(label: "Commissioners' side", amount: risk.ownerSide)]
            + (risk.unallocated == 0 ? [] : [(label: "Not allocated", amount: risk.unallocated)])
        Charts.waterfall(
            &page, id: "chart-risk-share", title: "How the \(gain ? "gain" : "pain") is shared",
            summary:
                "The \(gain ? "gain" : "pain") of \(headline(risk.difference)) is shared: \(headline(risk.partnerSide)) "
                + "to the partners by their shares and \(headline(risk.ownerSide)) to the commissioners' side.",
            steps: steps, money: headline)
        page.table(caption: "Gain and pain: the arithmetic", columns: ["Step", "Amount"]) { page in
            for (label, path, amount) in [
                ("Target cost", "riskShare.target", risk.target),
                ("Actual cost", "riskShare.actual", risk.actual),
                ("Difference (target minus actual)", "riskShare.difference", risk.difference),
                ("Partners' side", "riskShare.partnerSide", risk.partnerSide),
            ] {
                page.element("tr") { page in
                    page.element("th", ["scope": "row"], label)
                    cell(&page, path, amount)
                }
            }
            for (index, allocation) in risk.allocations.enumerated() {
                page.element("tr") { page in
                    page.element(
                        "th", ["scope": "row"],
                        "\(partner(allocation.partner)) (\(PublicFormat.percent(basisPoints: allocation.share)))"
                    )
                    cell(&page, "riskShare.allocations.\(index).amount", allocation.amount)
                }
            }
            page.element("tr") { page in
                page.element("th", ["scope": "row"], "Commissioners' side")
                cell(&page, "riskShare.ownerSide", risk.ownerSide)
            }
        }
    }

    // MARK: Decisions and commentary

    private func decisionSection(_ page: inout HTMLWriter) {
        page.element("h2", ["id": "decisions"], "Decisions")
        guard !statement.decisions.isEmpty else {
            page.element("p", "The board made no decisions in this period.")
            return
        }
        page.element(
            "p",
            "The partners decide unanimously. Every vote is kept: a partner that changes its vote has its "
                + "earlier vote shown as replaced.")
        for decision in statement.decisions {
            page.element("h3", "\(decision.number): \(decision.title)")
            page.element("p") { page in
                page.element(
                    "strong", ["class": decision.state == "carried" ? "tag tag--green" : "tag tag--grey"],
                    decision.state.capitalizedFirst)
                page.text(
                    " Proposed by \(decision.proposer) on \(PublicFormat.day(decision.proposedAt.calendarDate))"
                        + (decision.closedAt.map { ", closed \(PublicFormat.day($0.calendarDate))" } ?? "")
                        + ".")
                if let effect = decision.effect { page.text(" \(effect)") }
            }
            page.table(
                caption: "Votes on \(decision.number)",
                columns: ["Partner", "Vote", "Reason", "Cast", "Standing"],
                numericFrom: 99
            ) { page in
                for vote in decision.votes {
                    page.element("tr") { page in
                        page.element("th", ["scope": "row"], partner(vote.partner))
                        page.element("td", vote.vote.capitalizedFirst)
                        page.element("td", vote.reason ?? "")
                        page.element("td", PublicFormat.day(vote.castAt.calendarDate))
                        page.element("td", vote.current ? "Current" : "Replaced by a later vote")
                    }
                }
            }
        }
    }

    private func commentarySection(_ page: inout HTMLWriter) {
        guard !statement.commentary.isEmpty else { return }
        page.element("h2", ["id": "commentary"], "Finance leads' commentary")
        page.element("ul", ["class": "list"]) { page in
            for comment in statement.commentary {
                page.element("li") { page in
                    page.element("strong", "\(partner(comment.partner)), \(budgetLine(comment.budgetLine)): ")
                    page.text(comment.text)
                }
            }
        }
    }

    // MARK: Verify, methodology, contact

    private func verifySection(_ page: inout HTMLWriter) {
        page.element("section", ["class": "verify", "aria-labelledby": "verify"]) { page in
            page.element("h2", ["id": "verify"], "Verify this statement")
            page.element(
                "p",
                "The statement is published as canonical JSON. Its SHA-256 hash chains it to the statement "
                    + "before it, and each partner's board signs a checkpoint naming the hash and the roots of "
                    + "the alliance's journal and governance log. Anyone can check it with no access to the "
                    + "ledger.")
            page.element("dl", ["class": "summary"]) { page in
                page.summaryRow("Statement hash") { page in
                    page.element("code", ["class": "hash"], "sha256:\(listing.hash)")
                }
                page.summaryRow("Previous statement") { page in
                    page.element(
                        "code", ["class": "hash"],
                        listing.previousHash.map { "sha256:\($0)" } ?? "none: the first")
                }
                page.summaryRow("Journal") { page in
                    page.text("\(PublicFormat.count(statement.integrity.treeSize)) entries, root ")
                    page.element("code", ["class": "hash"], statement.integrity.treeRoot)
                }
                page.summaryRow("Governance log") { page in
                    page.text("\(PublicFormat.count(statement.integrity.governanceTreeSize)) records, root ")
                    page.element("code", ["class": "hash"], statement.integrity.governanceTreeRoot)
                }
                page.summaryRow("Co-signers") { page in
                    if listing.signatures.isEmpty {
                        page.text("No partner has signed yet.")
                    } else {
                        page.element("ul", ["class": "list"]) { page in
                            for signature in listing.signatures {
                                let key = keys.first { $0.id == signature.key }
                                page.element(
                                    "li",
                                    "\(partner(signature.partner)), key \(key?.fingerprint ?? "#\(signature.key)"), "
                                        + "signed \(PublicFormat.day(signature.at.calendarDate))")
                            }
                        }
                    }
                }
            }
            let url = "\(publicBaseURL)/public/alliances/\(slug)/statements/\(statement.number).json"
            page.element("p", "Download it and check its hash, canonical form and arithmetic:")
            page.element("pre") { page in
                page.element(
                    "code",
                    "curl -sO \(url)\nalliance-ledger statement verify \(statement.number).json")
            }
        }
    }

    private func methodology(_ page: inout HTMLWriter) {
        page.element("h2", ["id": "methodology"], "How these figures are made")
        page.element("ul", ["class": "list"]) { page in
            page.element("li", statement.header.basis)
            page.element(
                "li",
                "A month's budget is the year's budget in force at the month's end in twelfths; a period's "
                    + "budget is the sum of its months. Variance is budget minus actual: positive is an underspend."
            )
            page.element(
                "li",
                "A reversal counts in the period of the entry it reverses, however late it is recorded. Nothing "
                    + "recorded is ever edited or deleted.")
            page.element(
                "li",
                "Outcome payments are earned as each measure's latest measurement meets its rule; gain and pain "
                    + "are provisional until the board settles the year.")
            page.element(
                "li",
                "Amounts in tables are exact; headline figures are rounded to one decimal place of a million."
            )
        }
        page.element("h2", ["id": "contact"], "Contact")
        page.element(
            "p",
            "Questions about this statement go to the finance lead of the partner concerned, or to the "
                + "alliance's board through any partner.")
    }
}

extension String {
    /// "carried" as "Carried".
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}

extension UInt64 {
    /// A magnitude back as a signed amount, for words that carry the sign ("over", "under").
    var signed: Int64 { Int64(clamping: self) }
}
