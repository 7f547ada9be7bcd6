public import Dates
import Postgres

/// What a carried decision does to the books. A decision without one is a resolution recorded
/// for the minutes.
public enum DecisionAction: Hashable, Sendable {
    /// Sets exactly the listed figures of one financial year; the others stay.
    case budgetSet(year: Int, lines: [BudgetSetting])
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
    public var type: String {
        switch self {
        case .budgetSet: "budget.set"
        case .partnerAdmit: "partner.admit"
        case .partnerRemove: "partner.remove"
        case .riskShareSetTerms: "riskShare.setTerms"
        case .outcomesSetTerms: "outcomes.setTerms"
        case .outcomePaymentsApprove: "outcomePayments.approve"
        case .riskShareSettle: "riskShare.settle"
        case .partnerAppointAdmin: "partner.appointAdmin"
        case .auditorAppoint: "auditor.appoint"
        case .budgetLineAdd: "budgetLine.add"
        case .allianceSetSettings: "alliance.setSettings"
        }
    }

    /// The types a decision can carry, as the wire format names them.
    public static let types = [
        "budget.set", "partner.admit", "partner.remove", "riskShare.setTerms", "outcomes.setTerms",
        "outcomePayments.approve", "riskShare.settle", "partner.appointAdmin", "auditor.appoint",
        "budgetLine.add", "alliance.setSettings",
    ]
}

/// The alliance's settings a decision may change; nil leaves one as it is.
public struct AllianceSettings: Hashable, Sendable {
    /// Whether an abstention blocks a decision or stands aside.
    public let abstention: Abstention?
    /// The net amounts, minor units, from which spend appears in a published statement's
    /// `spend-over-500.csv` and `spend-over-25000.csv`.
    public let localTransparencyThreshold: Int64?
    public let centralTransparencyThreshold: Int64?

    public init(
        abstention: Abstention?, localTransparencyThreshold: Int64? = nil,
        centralTransparencyThreshold: Int64? = nil
    ) throws(LedgerError) {
        guard abstention != nil || localTransparencyThreshold != nil || centralTransparencyThreshold != nil
        else {
            throw .invalidField(
                "abstention",
                reason:
                    "or localTransparencyThreshold or centralTransparencyThreshold: name at least one setting to change"
            )
        }
        for (field, threshold) in [
            ("localTransparencyThreshold", localTransparencyThreshold),
            ("centralTransparencyThreshold", centralTransparencyThreshold),
        ] {
            guard let threshold else { continue }
            guard threshold >= 0 else {
                throw .invalidField(field, reason: "must be zero or more minor units, not \(threshold)")
            }
            try Validate.amount(threshold, field: field)
        }
        self.abstention = abstention
        self.localTransparencyThreshold = localTransparencyThreshold
        self.centralTransparencyThreshold = centralTransparencyThreshold
    }
}

extension DecisionAction {
    static func check(year: Int) throws(LedgerError) {
        guard (1900...9999).contains(year) else {
            throw .invalidField("year", reason: "must be a financial year from FY1900 to FY9999")
        }
    }

    /// The checks that need the books: what the action names exists and can still be done.
    /// Made when the decision is proposed, and again by `apply` inside the transaction that
    /// applies it. Answers the action as it is to be voted on: an approval or settlement with
    /// its figure filled in, refused if the proposer gave one that differs.
    func validate(in alliance: Alliance, today: CalendarDate, on connection: PostgresConnection) async throws
        -> DecisionAction
    {
        switch self {
        case .budgetSet(let year, let lines):
            _ = try await Budgets.resolve(lines, year: year, in: alliance.id, on: connection)
        case .partnerAdmit(let request, let joinedOn, let admin):
            try await Self.checkAdmission(request, joinedOn: joinedOn, in: alliance, on: connection)
            guard let admin else {
                throw LedgerError.invalidField(
                    "admin",
                    reason: "is required: the new partner's first admin, {\"name\", \"email\"}")
            }
            try await Self.checkAddressFree(admin, field: "admin.email", in: alliance, on: connection)
        case .partnerRemove(let slug, let leftOn):
            _ = try await Self.removablePartner(slug, leftOn: leftOn, in: alliance, on: connection)
        case .partnerAppointAdmin(let slug, let person):
            _ = try await Self.appointment(of: person, asAdminOf: slug, in: alliance, on: connection)
        case .auditorAppoint(let person):
            try await Self.checkAddressFree(person, field: "person.email", in: alliance, on: connection)
        case .budgetLineAdd(let request):
            try await Self.checkLineIsNew(request, in: alliance, on: connection)
        case .allianceSetSettings:
            break
        case .riskShareSetTerms(let terms):
            _ = try await RiskShareBook.resolve(terms, in: alliance, on: connection)
        case .outcomesSetTerms(let terms):
            _ = try await OutcomeBook.checkTerms(terms, requireReporters: true, in: alliance, on: connection)
        case .outcomePaymentsApprove(let period, let earned):
            let payment = try await LedgerError.reportingMissingTerms(as: "period") {
                try await OutcomeBook.approvable(period, in: alliance, today: today, on: connection).payment
            }
            if let earned, earned != payment.earned {
                throw LedgerError.invalidField(
                    "earned",
                    reason: "is \(payment.earned) by the measurements of \(payment.period), not \(earned)")
            }
            return .outcomePaymentsApprove(period: payment.period, earned: payment.earned)
        case .riskShareSettle(let year, let partnerSide):
            let position = try await LedgerError.reportingMissingTerms(as: "year") {
                try await RiskShareBook.settleable(year: year, in: alliance, today: today, on: connection)
            }.statement.position
            if let partnerSide, partnerSide != position.partnerSide {
                throw LedgerError.invalidField(
                    "partnerSide",
                    reason:
                        "is \(position.partnerSide) by the budgets, spend and terms of \(Self.yearName(year)), not \(partnerSide)"
                )
            }
            return .riskShareSettle(year: year, partnerSide: position.partnerSide)
        }
        return self
    }

    /// Does what the action says, on behalf of the carried decision `decision`, after the same
    /// checks as `validate` (budgets and terms make theirs as they resolve what they name).
    func apply(
        decision: Int64, reference: String, in alliance: Alliance, today: CalendarDate,
        on connection: PostgresConnection
    ) async throws {
        switch self {
        case .budgetSet(let year, let lines):
            try await Budgets.apply(
                lines, year: year, decision: decision, reference: reference, in: alliance.id, on: connection)
        case .partnerAdmit(let request, let joinedOn, let admin):
            try await Self.checkAdmission(request, joinedOn: joinedOn, in: alliance, on: connection)
            let partner = try await AllianceDirectory.insertPartner(
                request, joinedOn: joinedOn, admittedBy: decision, in: alliance, actor: .decision,
                details: ["decision": reference], on: connection)
            if let admin {
                try await Self.checkAddressFree(admin, field: "admin.email", in: alliance, on: connection)
                try await Self.appoint(
                    admin, partner: partner.id, role: .admin, decision: decision, reference: reference,
                    in: alliance,
                    on: connection)
            }
        case .partnerRemove(let slug, let leftOn):
            let partner = try await Self.removablePartner(slug, leftOn: leftOn, in: alliance, on: connection)
            try await connection.execute(
                """
                SELECT partners_remove(\(alliance.id.rawValue), \(partner.id), \(leftOn), \(decision))
                """)
            try await GovernanceLog.append(
                "partner.removed", by: .decision,
                details: ["decision": reference, "partner": slug, "leftOn": leftOn.description],
                in: alliance.id,
                on: connection)
        case .riskShareSetTerms(let terms):
            try await RiskShareBook.apply(terms, decision: decision, in: alliance, on: connection)
        case .outcomesSetTerms(let terms):
            try await OutcomeBook.setTerms(terms, decision: decision, in: alliance, on: connection)
        case .outcomePaymentsApprove(let period, let earned):
            try await OutcomeBook.pay(
                period, expecting: earned, decision: decision, reference: reference, in: alliance,
                today: today,
                on: connection)
        case .riskShareSettle(let year, let partnerSide):
            try await RiskShareBook.settle(
                year: year, expecting: partnerSide, decision: decision, reference: reference, in: alliance,
                today: today, on: connection)
        case .partnerAppointAdmin(let slug, let person):
            switch try await Self.appointment(of: person, asAdminOf: slug, in: alliance, on: connection) {
            case .existing(let id, _):
                try await AllianceDirectory.grant(
                    [.admin], to: id, by: .decision(decision), actor: .decision, in: alliance,
                    details: ["decision": reference], on: connection)
            case .new(let partner):
                try await Self.appoint(
                    person, partner: partner, role: .admin, decision: decision, reference: reference,
                    in: alliance,
                    on: connection)
            }
        case .auditorAppoint(let person):
            try await Self.checkAddressFree(person, field: "person.email", in: alliance, on: connection)
            try await Self.appoint(
                person, partner: nil, role: .auditor, decision: decision, reference: reference, in: alliance,
                on: connection)
        case .budgetLineAdd(let request):
            try await Self.checkLineIsNew(request, in: alliance, on: connection)
            _ = try await AllianceDirectory.insertBudgetLine(
                request, addedBy: decision, in: alliance, actor: .decision, details: ["decision": reference],
                on: connection)
        case .allianceSetSettings(let settings):
            try await connection.execute(
                """
                SELECT alliances_apply_settings(\(alliance.id.rawValue), \(decision), \(settings.abstention?.rawValue),
                                                \(settings.localTransparencyThreshold), \(settings.centralTransparencyThreshold))
                """)
            var details = ["decision": reference]
            if let abstention = settings.abstention { details["abstention"] = abstention.rawValue }
            details["localTransparencyThreshold"] = settings.localTransparencyThreshold.map { String($0) }
            details["centralTransparencyThreshold"] = settings.centralTransparencyThreshold.map { String($0) }
            try await GovernanceLog.append(
                "settings.changed", by: .decision, details: details, in: alliance.id, on: connection)
        }
    }

    /// A new person appointed by a carried decision to `role`, of `partner` (nil: of none).
    private static func appoint(
        _ appointee: Appointee, partner: Int64?, role: Role, decision: Int64, reference: String,
        in alliance: Alliance, on connection: PostgresConnection
    ) async throws {
        let person = try await AllianceDirectory.insertPerson(
            appointee, partner: partner, in: alliance, by: .decision, details: ["decision": reference],
            on: connection)
        try await AllianceDirectory.grant(
            [role], to: person, by: .decision(decision), actor: .decision, in: alliance,
            details: ["decision": reference], on: connection)
    }

    /// Whom appointing `person` admin of `slug` makes admin: a current person of that partner
    /// with that address, or a new one. Refused when the partner has left, has an admin
    /// already, or the address is someone else's.
    enum Appointment {
        case existing(Int64, email: String)
        case new(partner: Int64)
    }

    static func appointment(
        of person: Appointee, asAdminOf slug: String, in alliance: Alliance, on connection: PostgresConnection
    ) async throws -> Appointment {
        let partner = try await AllianceDirectory.partner(slug, in: alliance.id, on: connection)
        if let left = partner.leftOn {
            throw LedgerError.exists("partner \(slug) left on \(left)")
        }
        let admins = try await connection.query(
            """
            SELECT p.email FROM people AS p
            JOIN person_roles AS r ON r.alliance_id = p.alliance_id AND r.person_id = p.id AND r.role = 'admin'
            WHERE p.alliance_id = \(alliance.id.rawValue) AND p.partner_id = \(partner.id) AND p.removed_at IS NULL
            ORDER BY p.email
            """
        ).map { try $0.decode("email", as: String.self) }
        guard admins.isEmpty else {
            throw LedgerError.exists(
                "\(slug) has an admin already (\(admins.joined(separator: ", "))), who appoints its people")
        }
        let holder = try await connection.query(
            """
            SELECT id, partner_id FROM people
            WHERE alliance_id = \(alliance.id.rawValue) AND lower(email) = lower(\(person.email)) AND removed_at IS NULL
            """
        ).first
        guard let holder else { return .new(partner: partner.id) }
        guard try holder.decode("partner_id", as: Int64?.self) == partner.id else {
            throw LedgerError.invalidField(
                "person.email", reason: "\(person.email) is a person of another partner, or of none")
        }
        return .existing(try holder.decode("id"), email: person.email)
    }

    /// Refuses an address a current person of the alliance has.
    private static func checkAddressFree(
        _ person: Appointee, field: String, in alliance: Alliance, on connection: PostgresConnection
    ) async throws {
        let taken = try await connection.query(
            """
            SELECT 1 FROM people
            WHERE alliance_id = \(alliance.id.rawValue) AND lower(email) = lower(\(person.email)) AND removed_at IS NULL
            """)
        guard taken.isEmpty else {
            throw LedgerError.invalidField(
                field, reason: "\(person.email) is already a person of \(alliance.slug)")
        }
    }

    private static func checkLineIsNew(
        _ request: BudgetLineRequest, in alliance: Alliance, on connection: PostgresConnection
    ) async throws {
        let existing = try await connection.query(
            "SELECT 1 FROM budget_lines WHERE alliance_id = \(alliance.id.rawValue) AND code = \(request.code)"
        )
        guard existing.isEmpty else {
            throw LedgerError.exists("budget line \(request.code) already exists in \(alliance.slug)")
        }
    }

    /// Refuses a partner that exists already, or a joining day outside the contract.
    private static func checkAdmission(
        _ request: PartnerRequest, joinedOn: CalendarDate, in alliance: Alliance,
        on connection: PostgresConnection
    ) async throws {
        let existing = try await connection.query(
            "SELECT 1 FROM partners WHERE alliance_id = \(alliance.id.rawValue) AND slug = \(request.slug)")
        guard existing.isEmpty else {
            throw LedgerError.exists("partner \(request.slug) already exists in \(alliance.slug)")
        }
        guard alliance.contractCovers(joinedOn) else {
            throw LedgerError.invalidField(
                "joinedOn", reason: "\(joinedOn) is outside the contract's dates")
        }
    }

    /// The partner, once it is known not to have left already and `leftOn` is not before it
    /// joined.
    private static func removablePartner(
        _ slug: String, leftOn: CalendarDate, in alliance: Alliance, on connection: PostgresConnection
    ) async throws -> Partner {
        let partner = try await AllianceDirectory.partner(slug, in: alliance.id, on: connection)
        if let left = partner.leftOn {
            throw LedgerError.exists("partner \(slug) already left on \(left)")
        }
        guard leftOn >= partner.joinedOn else {
            throw LedgerError.invalidField(
                "leftOn", reason: "\(leftOn) is before \(slug) joined on \(partner.joinedOn)")
        }
        return partner
    }
}
