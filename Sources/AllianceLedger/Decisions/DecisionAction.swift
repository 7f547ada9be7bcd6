public import Dates
import Postgres

/// What a carried decision does to the books. A decision without one is a resolution recorded
/// for the minutes.
public enum DecisionAction: Hashable, Sendable {
    /// Sets exactly the listed figures of one financial year; the others stay.
    case budgetSet(year: Int, figures: [BudgetSetting])
    /// Admits a new partner from `joinedOn`, opening its accounts, with its first admin (a
    /// proposal must name one; decisions made before admins were appointed by decision have none).
    case partnerAdmit(PartnerRequest, joinedOn: CalendarDate, admin: Appointee?)
    /// Records the day a partner leaves; it votes on nothing opened after that day.
    case partnerRemove(partner: String, leftOn: CalendarDate)
    /// Sets how a financial year's gain (underspend) and pain (overspend) are shared.
    case riskShareSetTerms(RiskShareTerms)
    /// Sets a financial year's outcome measures, pool and partners' shares of it.
    case outcomesSetTerms(OutcomeTerms)
    /// Approves and posts a period's outcome payment. `earned` is the total the measurements
    /// earned when it was proposed (filled in then when left out); if they earn anything else
    /// when it carries, the decision fails rather than pay a figure nobody voted on.
    case outcomePaymentsApprove(period: String, earned: Int64?)
    /// Settles a financial year's gain or pain to the ledger. `partnerSide`, like `earned`
    /// above, is the figure voted on.
    case riskShareSettle(year: Int, partnerSide: Int64?)
    /// Appoints the admin of a partner that has none: one admitted without, or one that lost its
    /// last. A person of that partner with this address is made admin; else a new person is.
    case partnerAppointAdmin(partner: String, person: Appointee)
    /// Appoints an auditor who belongs to no partner, such as the external auditor.
    case auditorAppoint(Appointee)
    /// Adds a budget line once the alliance is set up, opening every partner's account for it.
    case budgetLineAdd(BudgetLineRequest)
    /// Changes the alliance's settings.
    case allianceSetSettings(AllianceSettings)

    /// The `type` field of the wire format.
    public var type: String { kind.wireType }

    /// The types a decision can carry, as the wire format names them.
    public static let types = DecisionActionKinds.all.map { $0.type }

    /// The kind that holds the action's behaviour: the one place that maps a case to its kind.
    var kind: any DecisionActionKind {
        switch self {
        case .budgetSet(let year, let figures): BudgetSetAction(year: year, figures: figures)
        case .partnerAdmit(let request, let joinedOn, let admin):
            PartnerAdmitAction(request: request, joinedOn: joinedOn, admin: admin)
        case .partnerRemove(let partner, let leftOn): PartnerRemoveAction(partner: partner, leftOn: leftOn)
        case .riskShareSetTerms(let terms): RiskShareSetTermsAction(terms: terms)
        case .outcomesSetTerms(let terms): OutcomesSetTermsAction(terms: terms)
        case .outcomePaymentsApprove(let period, let earned):
            OutcomePaymentsApproveAction(period: period, earned: earned)
        case .riskShareSettle(let year, let partnerSide):
            RiskShareSettleAction(year: year, partnerSide: partnerSide)
        case .partnerAppointAdmin(let partner, let person):
            PartnerAppointAdminAction(partner: partner, person: person)
        case .auditorAppoint(let person): AuditorAppointAction(person: person)
        case .budgetLineAdd(let request): BudgetLineAddAction(request: request)
        case .allianceSetSettings(let settings): AllianceSetSettingsAction(settings: settings)
        }
    }

    /// The action in a phrase, `budget.set: 3 figures for FY2025, total £1.00`, with amounts
    /// written by `money`.
    public func summary(money: (Int64) -> String) -> String {
        "\(type): " + kind.summary(money: money)
    }

    /// What a carried decision with this action did, `effect`, in a phrase; nil when `effect` is
    /// not what this action produces.
    public func effectSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        kind.effectSummary(effect, money: money)
    }

    /// The field of the action, by its path, that a refusal from the books concerns; nil when
    /// the refusal names none.
    public func field(concerning error: LedgerError) -> String? {
        kind.field(concerning: error)
    }
}

extension DecisionAction {
    static func check(year: Int) throws(LedgerError) {
        guard (1900...9999).contains(year) else {
            throw .invalidField("year", reason: "must be a financial year from FY1900 to FY9999")
        }
    }
}
