public import Dates
import Foundation
public import Postgres

/// What a finance person records of a measure for a period: the value and its evidence.
public struct MeasurementRequest: Hashable, Sendable {
    public let measure: String
    /// A period as written everywhere: `FY2025`, `FY2025-Q3` or `2025-10`.
    public let period: String
    public let value: MeasureValue
    /// Where the figure comes from: a report, a query, a link.
    public let evidence: String

    public init(measure: String, period: String, value: MeasureValue, evidence: String) throws(LedgerError) {
        try Validate.text(evidence, field: "evidence", maximumLength: 2000)
        self.measure = measure
        self.period = period
        self.value = value
        self.evidence = evidence
    }
}

/// Where a measurement stands: provisional when recorded, then validated or rejected by a
/// finance person of another partner or an auditor.
public enum MeasurementState: String, CaseIterable, Sendable, Codable {
    case provisional
    case validated
    case rejected
}

/// The review of a measurement: who validated or rejected it, and why.
public struct MeasurementReview: Hashable, Sendable, Encodable {
    /// `validated` or `rejected`.
    public let verdict: MeasurementState
    /// A validation's note (perhaps empty) or a rejection's reason.
    public let note: String
    /// The reviewer's email; nil for a figure the migration to reviewed measurements validated.
    @ExplicitNull public private(set) var reviewedBy: String?
    /// The reviewer's partner; nil for an auditor of no partner, and for the migration.
    @ExplicitNull public private(set) var partner: String?
    /// `finance` or `auditor`; nil for the migration.
    @ExplicitNull public private(set) var role: Role?
    public let reviewedAt: Timestamp
}

/// A recorded measurement. Measurements are never changed: a correction is a later one, and the
/// latest of a measure and period counts once it is validated.
public struct OutcomeMeasurement: Hashable, Sendable {
    public let id: Int64
    public let measure: String
    public let period: String
    public let value: MeasureValue
    public let evidence: String
    /// The email of the finance person who recorded it.
    public let recordedBy: String
    /// The partner that reported it: the recorder's.
    public internal(set) var reporter: String? = nil
    public let recordedAt: Timestamp
    /// Whether it is the latest of its measure and period, the one that counts.
    public let current: Bool
    /// Its review, once it is validated or rejected.
    public internal(set) var review: MeasurementReview? = nil

    public var state: MeasurementState { review?.verdict ?? .provisional }
}

/// Outcome terms in force for a year, and the carried decision that set them.
public struct OutcomeTermsInForce: Hashable, Sendable, Encodable {
    public let decision: String
    public let terms: OutcomeTerms
}

/// Outcome measures, measurements and payments. Terms are set, and payments posted, only by
/// carried decisions (see ``Decisions``); this records and reviews measurements and computes
/// payments.
public struct OutcomeBook: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Records a measurement, provisional until reviewed: by a finance person of the partner
    /// that reports the measure (any partner's, for terms that name no reporter), for a measure
    /// of the terms in force, for one of the year's payment periods, while that period is not
    /// yet paid.
    public func record(_ request: MeasurementRequest, in alliance: Alliance, by caller: Caller) async throws
        -> OutcomeMeasurement
    {
        try await pool.withTransaction(.readCommitted) { connection in
            try await record(request, in: alliance, by: caller, on: connection)
        }
    }

    /// Records the measurement inside the caller's transaction.
    public func record(
        _ request: MeasurementRequest, in alliance: Alliance, by caller: Caller,
        on connection: PostgresConnection
    ) async throws -> OutcomeMeasurement {
        try caller.require([.finance], in: alliance.id)
        guard case .person(let person) = caller.identity else {
            throw LedgerError.forbidden(
                "only a finance person records outcome measurements; the operator has no partner")
        }
        let (period, year, _, terms) = try await LedgerError.reportingMissingTerms(as: "period") {
            try await OutcomeBook.paymentPeriod(request.period, in: alliance, on: connection)
        }
        guard period.first <= CalendarDate.today else {
            throw LedgerError.invalidField(
                "period",
                reason: "\(period) has not begun: it can be measured from \(period.first)")
        }
        _ = try terms.terms.measure(request.measure, recordedFor: person.partner)
        if let paid = try await OutcomeBook.posting(
            of: period.description, in: alliance.id, on: connection)
        {
            throw LedgerError.exists(
                "outcomes for \(period) were paid by \(paid.decision): their measurements can no longer change"
            )
        }
        let id = try await connection.query(
            """
            INSERT INTO outcome_measurements (alliance_id, financial_year, period, measure, value, evidence, recorded_by)
            VALUES (\(alliance.id.rawValue), \(Int32(year)), \(period.description), \(request.measure),
                    \(request.value.tenThousandths), \(request.evidence), \(person.id))
            RETURNING id
            """
        ).single().decode("id", as: Int64.self)
        try await GovernanceLog.append(
            "measurement.recorded", by: .caller(caller),
            details: [
                "measurement": String(id), "measure": request.measure, "period": period.description,
                "value": request.value.description,
            ], in: alliance.id, on: connection)
        let recorded = try await OutcomeBook.measurements(
            of: period.description, in: alliance.id, on: connection)
        guard let measurement = recorded.first(where: { $0.id == id }) else {
            throw LedgerError.invalidField(
                "measure", reason: "was recorded but cannot be read back")
        }
        return measurement
    }

    /// Every measurement of a period, by measure, oldest first.
    public func measurements(of period: String, in alliance: Alliance) async throws -> [OutcomeMeasurement] {
        let period = try OutcomeBook.period(period, in: alliance)
        guard period.kind != .range, !period.isMonthRange else {
            throw LedgerError.invalidField(
                "period", reason: "must be a financial year, a quarter or a month, not a range of days"
            )
        }
        return try await pool.withConnection { connection in
            try await OutcomeBook.measurements(of: period.description, in: alliance.id, on: connection)
        }
    }

    /// One measurement, marked current if it is the latest of its measure and period.
    public func measurement(_ id: Int64, in alliance: Alliance) async throws -> OutcomeMeasurement {
        try await pool.withConnection { connection in
            let period = try await connection.query(
                """
                SELECT period FROM outcome_measurements WHERE alliance_id = \(alliance.id.rawValue) AND id = \(id)
                """
            ).first?.decode("period", as: String.self)
            guard let period,
                let measurement = try await OutcomeBook.measurements(
                    of: period, in: alliance.id, on: connection
                )
                .first(where: { $0.id == id })
            else { throw LedgerError.measurementNotFound(id) }
            return measurement
        }
    }

    /// Validates a measurement: by a finance person of another partner than the one that
    /// reported it, or by an auditor of no partner or another; only the latest of its measure and
    /// period, once, while the period is not paid.
    public func validate(_ id: Int64, note: String = "", in alliance: Alliance, by caller: Caller)
        async throws -> OutcomeMeasurement
    {
        try await pool.withTransaction(.readCommitted) { connection in
            try await review(id, as: .validated, note: note, in: alliance, by: caller, on: connection)
        }
    }

    /// Rejects a measurement, with a reason, on the same conditions as a validation. The
    /// reporting partner corrects it by recording a later measurement, provisional again.
    public func reject(_ id: Int64, reason: String, in alliance: Alliance, by caller: Caller) async throws
        -> OutcomeMeasurement
    {
        try await pool.withTransaction(.readCommitted) { connection in
            try await review(id, as: .rejected, note: reason, in: alliance, by: caller, on: connection)
        }
    }

    /// Validates or rejects the measurement inside the caller's transaction.
    public func review(
        _ id: Int64, as verdict: MeasurementState, note: String, in alliance: Alliance, by caller: Caller,
        on connection: PostgresConnection
    ) async throws -> OutcomeMeasurement {
        precondition(verdict != .provisional, "a review validates or rejects")
        let field = verdict == .validated ? "note" : "reason"
        if verdict == .rejected {
            try Validate.text(note, field: field, maximumLength: 2000)
        } else {
            try Validate.optionalText(note, field: field, maximumLength: 2000)
        }
        try caller.require([.finance, .auditor], in: alliance.id)
        guard case .person(let person) = caller.identity else {
            throw LedgerError.forbidden(
                "only a finance person of another partner or an auditor reviews a measurement; the operator does not"
            )
        }
        let found = try await connection.query(
            """
            SELECT period FROM outcome_measurements WHERE alliance_id = \(alliance.id.rawValue) AND id = \(id)
            """
        ).first?.decode("period", as: String.self)
        guard let period = found,
            let measurement = try await OutcomeBook.measurements(of: period, in: alliance.id, on: connection)
                .first(where: { $0.id == id })
        else { throw LedgerError.measurementNotFound(id) }
        let role = try measurement.reviewerRole(of: person, verdict: verdict)
        if let paid = try await OutcomeBook.posting(of: period, in: alliance.id, on: connection) {
            throw LedgerError.exists(
                "outcomes for \(period) were paid by \(paid.decision): their measurements can no longer change"
            )
        }
        try await connection.execute(
            """
            INSERT INTO outcome_measurement_reviews (alliance_id, measurement_id, verdict, note, reviewer,
                                                     reviewed_by, reviewer_role)
            VALUES (\(alliance.id.rawValue), \(id), \(verdict.rawValue), \(note), 'person', \(person.id),
                    \(role.rawValue))
            """)
        try await GovernanceLog.append(
            "measurement.\(verdict.rawValue)", by: .caller(caller),
            details: [
                "measurement": String(id), "measure": measurement.measure, "period": period,
                "value": measurement.value.description, "reporter": measurement.reporter ?? "",
                verdict == .validated ? "note" : "reason": note,
            ], in: alliance.id, on: connection)
        guard
            let reviewed = try await OutcomeBook.measurements(of: period, in: alliance.id, on: connection)
                .first(where: { $0.id == id })
        else { throw LedgerError.measurementNotFound(id) }
        return reviewed
    }

    /// The outcome terms in force for a financial year.
    public func terms(year: Int, in alliance: Alliance) async throws -> OutcomeTermsInForce {
        try await pool.withConnection { connection in
            try await OutcomeBook.termsInForce(year: year, in: alliance, on: connection)
        }
    }

    /// A period's payment: as posted, or as it would be now.
    public func payment(for period: String, in alliance: Alliance) async throws -> OutcomePayment {
        try await pool.withConnection { connection in
            try await OutcomeBook.payment(for: period, in: alliance, on: connection)
        }
    }
}

// MARK: - Reading and checking, inside the caller's transaction

extension OutcomeBook {
    static func period(_ text: String, in alliance: Alliance) throws(LedgerError) -> Period {
        do {
            return try Period(parsing: text, financialYearStartMonth: alliance.financialYearStartMonth)
        } catch {
            throw .invalidField("period", reason: error.description)
        }
    }

    /// The period, its financial year, and its place among the year's payment periods under the
    /// terms in force.
    static func paymentPeriod(_ text: String, in alliance: Alliance, on connection: PostgresConnection)
        async throws -> (period: Period, year: Int, index: Int, terms: OutcomeTermsInForce)
    {
        let period = try period(text, in: alliance)
        let year: Int
        switch period.kind {
        case .financialYear(let financialYear), .quarter(let financialYear, _): year = financialYear
        case .month:
            year = Period.financialYear(
                containing: period.first, startMonth: alliance.financialYearStartMonth)
        case .range, .months:
            throw LedgerError.invalidField(
                "period",
                reason:
                    "must be a financial year, a quarter or a month, not a range of \(period.isMonthRange ? "months" : "days")"
            )
        }
        let inForce = try await termsInForce(year: year, in: alliance, on: connection)
        let terms = inForce.terms
        let periods = try terms.frequency.periods(of: year, startMonth: alliance.financialYearStartMonth)
        guard let index = periods.firstIndex(of: period) else {
            throw LedgerError.invalidField(
                "period",
                reason:
                    "\(DecisionAction.yearName(year))'s outcomes are measured and paid by \(terms.frequency.rawValue), as \(periods[0]) is: \(period) is not one of its periods"
            )
        }
        return (period, year, index, inForce)
    }

    static func termsInForce(year: Int, in alliance: Alliance, on connection: PostgresConnection)
        async throws -> OutcomeTermsInForce
    {
        let decision = try await connection.query(
            "SELECT outcome_terms_in_force(\(alliance.id.rawValue), \(Int32(year))) AS id"
        ).single().decode("id", as: Int64?.self)
        guard let decision else {
            throw LedgerError.termsNotFound(
                "\(DecisionAction.yearName(year)) has no outcome terms: an outcomes.setTerms decision must carry first"
            )
        }
        return try await terms(setBy: decision, in: alliance.id, on: connection)
    }

    /// The terms `decision` set.
    static func terms(setBy decision: Int64, in alliance: AllianceID, on connection: PostgresConnection)
        async throws -> OutcomeTermsInForce
    {
        let results = try await connection.pipeline([
            """
            SELECT t.financial_year, t.frequency, t.pool, d.number FROM outcome_terms AS t
            JOIN decisions AS d ON d.alliance_id = t.alliance_id AND d.id = t.decision_id
            WHERE t.alliance_id = \(alliance.rawValue) AND t.decision_id = \(decision)
            """,
            """
            SELECT m.code, m.name, m.unit, m.direction, m.baseline, m.target, m.weight, m.rule, m.floor, m.cap,
                   m.band_starts, m.band_factors, p.slug AS reporter
            FROM outcome_measures AS m
            LEFT JOIN partners AS p ON p.alliance_id = m.alliance_id AND p.id = m.reporter_id
            WHERE m.alliance_id = \(alliance.rawValue) AND m.decision_id = \(decision)
            ORDER BY m.position
            """,
            """
            SELECT p.slug, s.share FROM outcome_shares AS s
            JOIN partners AS p ON p.alliance_id = s.alliance_id AND p.id = s.partner_id
            WHERE s.alliance_id = \(alliance.rawValue) AND s.decision_id = \(decision)
            ORDER BY p.slug
            """,
            """
            SELECT code, period, target, floor, cap, band_starts, band_factors FROM outcome_measure_periods
            WHERE alliance_id = \(alliance.rawValue) AND decision_id = \(decision)
            ORDER BY code, period
            """,
        ])
        let row = try results[0].single()
        func rule(_ type: String, _ row: PostgresRow) throws -> PaymentRule {
            switch type {
            case "linear":
                return .linear(
                    floor: try MeasureValue(tenThousandths: try row.decode("floor")),
                    cap: try (try row.decode("cap", as: Int64?.self)).map(MeasureValue.init(tenThousandths:)))
            case "bands":
                let starts: [Int64] = try row.decode("band_starts")
                let factors: [Int32] = try row.decode("band_factors")
                return .bands(
                    try zip(starts, factors).map { start, factor in
                        try PaymentBand(from: MeasureValue(tenThousandths: start), factor: Int(factor))
                    })
            case "threshold": return .threshold
            default:
                // A rule this program does not know is not a threshold: reading it as one would
                // pay on figures nobody agreed.
                throw PostgresError(
                    .decoding, "column \"rule\" does not hold a valid PaymentRule", column: "rule")
            }
        }
        var periodRows: [String: [PostgresRow]] = [:]
        for row in results[3] { periodRows[try row.decode("code"), default: []].append(row) }
        let measures = try results[1].map { row in
            let direction = try row.decode("direction", as: MeasureDirection.self)
            let code: String = try row.decode("code")
            let type: String = try row.decode("rule")
            // Period names sort in time order within a year (FY2025-Q1…Q4, 2025-04…2026-03).
            let periods = try (periodRows[code] ?? []).map { row in
                PeriodFigures(
                    period: try row.decode("period"),
                    target: try MeasureValue(tenThousandths: try row.decode("target")),
                    rule: try rule(type, row))
            }
            return try OutcomeMeasure(
                code: try row.decode("code"), name: try row.decode("name"), unit: try row.decode("unit"),
                direction: direction,
                baseline: try (try row.decode("baseline", as: Int64?.self)).map(
                    MeasureValue.init(tenThousandths:)),
                target: try MeasureValue(tenThousandths: try row.decode("target")),
                weight: Int(try row.decode("weight", as: Int32.self)), rule: try rule(type, row),
                reporter: try row.decode("reporter"), periods: periods)
        }
        let shares = try results[2].map { row in
            try OutcomeShare(
                partner: try row.decode("slug"), share: Int(try row.decode("share", as: Int32.self)))
        }
        return OutcomeTermsInForce(
            decision: Decision.reference(Int(try row.decode("number", as: Int32.self))),
            terms: try OutcomeTerms(
                year: Int(try row.decode("financial_year", as: Int32.self)),
                frequency: try row.decode("frequency", as: OutcomeFrequency.self),
                pool: try row.decode("pool"), measures: measures, shares: shares))
    }

    static func measurements(of period: String, in alliance: AllianceID, on connection: PostgresConnection)
        async throws -> [OutcomeMeasurement]
    {
        try await connection.query(
            """
            SELECT m.id, m.measure, m.period, m.value, m.evidence, p.email, rp.slug AS reporter, m.recorded_at,
                   m.id = max(m.id) OVER (PARTITION BY m.measure) AS current,
                   r.verdict, r.note, v.email AS reviewer_email, vp.slug AS reviewer_partner,
                   r.reviewer_role, r.reviewed_at
            FROM outcome_measurements AS m
            JOIN people AS p ON p.alliance_id = m.alliance_id AND p.id = m.recorded_by
            LEFT JOIN partners AS rp ON rp.alliance_id = p.alliance_id AND rp.id = p.partner_id
            LEFT JOIN outcome_measurement_reviews AS r ON r.alliance_id = m.alliance_id AND r.measurement_id = m.id
            LEFT JOIN people AS v ON v.alliance_id = r.alliance_id AND v.id = r.reviewed_by
            LEFT JOIN partners AS vp ON vp.alliance_id = v.alliance_id AND vp.id = v.partner_id
            WHERE m.alliance_id = \(alliance.rawValue) AND m.period = \(period)
            ORDER BY m.measure, m.id
            """
        ).map { row in
            let verdict = try row.decode("verdict", as: MeasurementState?.self)
            let review = try verdict.map { verdict in
                MeasurementReview(
                    verdict: verdict, note: try row.decode("note"),
                    reviewedBy: try row.decode("reviewer_email"),
                    partner: try row.decode("reviewer_partner"),
                    role: try row.decode("reviewer_role", as: Role?.self),
                    reviewedAt: try row.decode("reviewed_at"))
            }
            return OutcomeMeasurement(
                id: try row.decode("id"), measure: try row.decode("measure"),
                period: try row.decode("period"),
                value: try MeasureValue(tenThousandths: try row.decode("value")),
                evidence: try row.decode("evidence"), recordedBy: try row.decode("email"),
                reporter: try row.decode("reporter"),
                recordedAt: try row.decode("recorded_at"), current: try row.decode("current"), review: review)
        }
    }

    /// The posting of a period's payment, if it is paid.
    static func posting(of period: String, in alliance: AllianceID, on connection: PostgresConnection)
        async throws -> SettlementPosting?
    {
        try await connection.query(
            """
            SELECT d.number, o.entry_sequence, o.paid_at FROM outcome_payments AS o
            JOIN decisions AS d ON d.alliance_id = o.alliance_id AND d.id = o.decision_id
            WHERE o.alliance_id = \(alliance.rawValue) AND o.period = \(period)
            """
        ).first.map { row in
            SettlementPosting(
                decision: Decision.reference(Int(try row.decode("number", as: Int32.self))),
                entry: try row.decode("entry_sequence"), postedAt: try row.decode("paid_at"))
        }
    }

    /// A period's payment from the terms in force and the latest measurements. Once a period is
    /// paid neither can change (the database refuses both), so this is also the posted payment.
    static func payment(for text: String, in alliance: Alliance, on connection: PostgresConnection)
        async throws -> OutcomePayment
    {
        let (period, year, index, inForce) = try await paymentPeriod(text, in: alliance, on: connection)
        let measurements = try await measurements(of: period.description, in: alliance.id, on: connection)
        var latest: [String: OutcomeMeasurement] = [:]
        for measurement in measurements where measurement.current {
            latest[measurement.measure] = measurement
        }
        return OutcomePayment(
            period: period.description, year: year, termsDecision: inForce.decision,
            pool: inForce.terms.periodPools[index], terms: inForce.terms, latest: latest,
            posted: try await posting(of: period.description, in: alliance.id, on: connection))
    }
}

// MARK: - What decisions do

extension OutcomeBook {
    /// Outcome terms can be set while none of the year's periods is paid, for partners of the
    /// alliance.
    /// Terms proposed from now on (`requireReporters`) name the partner that reports each
    /// measure; terms carried before then may not.
    static func checkTerms(
        _ terms: OutcomeTerms, requireReporters: Bool = false, in alliance: Alliance,
        on connection: PostgresConnection
    ) async throws -> (shares: [Int64], reporters: [String: Int64]) {
        try alliance.checkContractCovers(year: terms.year)
        if requireReporters, let unnamed = terms.measures.first(where: { $0.reporter == nil }) {
            throw LedgerError.invalidField(
                "measures",
                reason:
                    "\(unnamed.code) names no reporter: each measure names the partner whose finance people record it"
            )
        }
        let periods = try terms.frequency.periods(
            of: terms.year, startMonth: alliance.financialYearStartMonth
        )
        .map(\.description)
        for measure in terms.measures where !measure.periods.isEmpty {
            guard Set(measure.periods.map(\.period)) == Set(periods) else {
                throw LedgerError.invalidField(
                    "measures",
                    reason:
                        "\(measure.code) must set its figures for every period of \(DecisionAction.yearName(terms.year)), once each: \(periods.joined(separator: ", "))"
                )
            }
        }
        let alliance = alliance.id
        let paid = try await connection.query(
            """
            SELECT period FROM outcome_payments
            WHERE alliance_id = \(alliance.rawValue) AND financial_year = \(Int32(terms.year)) ORDER BY period LIMIT 1
            """)
        if let period = try paid.first?.decode("period", as: String.self) {
            throw LedgerError.exists(
                "outcomes for \(period) are paid: \(DecisionAction.yearName(terms.year))'s outcome terms can no longer change"
            )
        }
        let reporters = terms.measures.compactMap(\.reporter)
        let ids = try Budgets.keyedIDs(
            try await connection.query(
                """
                SELECT slug AS key, id FROM partners
                WHERE alliance_id = \(alliance.rawValue)
                  AND slug = ANY(\(terms.shares.map(\.partner) + reporters)::text[])
                """))
        let shares = try terms.shares.map { share in
            guard let id = ids[share.partner] else { throw LedgerError.partnerNotFound(share.partner) }
            return id
        }
        var reporterIDs: [String: Int64] = [:]
        for reporter in reporters {
            guard let id = ids[reporter] else { throw LedgerError.partnerNotFound(reporter) }
            reporterIDs[reporter] = id
        }
        return (shares, reporterIDs)
    }

    static func setTerms(
        _ terms: OutcomeTerms, decision: Int64, in alliance: Alliance, on connection: PostgresConnection
    ) async throws {
        let (partners, reporters) = try await checkTerms(terms, in: alliance, on: connection)
        let alliance = alliance.id
        let measures = terms.measures.enumerated().map { position, measure in
            MeasureRow(measure, position: position, reporter: measure.reporter.flatMap { reporters[$0] })
        }
        let json = String(decoding: try JSONEncoder().encode(measures), as: UTF8.self)
        try await connection.execute(
            """
            SELECT outcome_set_terms(
                \(alliance.rawValue), \(decision), \(Int32(terms.year)), \(terms.frequency.rawValue), \(terms.pool),
                \(json)::jsonb, \(partners)::bigint[], \(terms.shares.map { Int32($0.share) })::integer[])
            """)
    }

    /// A measure as `outcome_set_terms` reads it: values in ten-thousandths.
    private struct MeasureRow: Encodable {
        let code: String
        let position: Int
        let name: String
        let unit: String
        let direction: String
        let baseline: Int64?
        let target: Int64
        let weight: Int
        let rule: String
        let floor: Int64?
        let cap: Int64?
        let bandStarts: [Int64]?
        let bandFactors: [Int]?
        let reporterID: Int64?
        let periods: [PeriodRow]

        private enum CodingKeys: String, CodingKey {
            case code, position, name, unit, direction, baseline, target, weight, rule, floor, cap, periods
            case bandStarts = "band_starts"
            case bandFactors = "band_factors"
            case reporterID = "reporter_id"
        }

        init(_ measure: OutcomeMeasure, position: Int, reporter: Int64?) {
            code = measure.code
            self.position = position
            reporterID = reporter
            periods = measure.periods.map(PeriodRow.init)
            name = measure.name
            unit = measure.unit
            direction = measure.direction.rawValue
            baseline = measure.baseline?.tenThousandths
            target = measure.target.tenThousandths
            weight = measure.weight
            rule = measure.rule.type
            (floor, cap, bandStarts, bandFactors) = measure.rule.columns
        }
    }

    /// A period's figures as `outcome_set_terms` reads them.
    private struct PeriodRow: Encodable {
        let period: String
        let target: Int64
        let floor: Int64?
        let cap: Int64?
        let bandStarts: [Int64]?
        let bandFactors: [Int]?

        private enum CodingKeys: String, CodingKey {
            case period, target, floor, cap
            case bandStarts = "band_starts"
            case bandFactors = "band_factors"
        }

        init(_ figures: PeriodFigures) {
            period = figures.period
            target = figures.target.tenThousandths
            (floor, cap, bandStarts, bandFactors) = figures.rule.columns
        }
    }

    /// The payment an approval of `period` would post, refused unless the period has ended,
    /// every measure is measured and the period is not yet paid.
    static func approvable(
        _ period: String, in alliance: Alliance, today: CalendarDate, on connection: PostgresConnection
    ) async throws -> (payment: OutcomePayment, period: Period) {
        let payment = try await payment(for: period, in: alliance, on: connection)
        let period = try self.period(payment.period, in: alliance)
        try payment.checkApprovable(periodEnds: period.last, today: today)
        return (payment, period)
    }

    /// Posts the approved period's payment: one `outcome-payment` entry debiting the alliance's
    /// outcome payments and crediting each partner's funding with its part.
    static func pay(
        _ period: String, expecting earned: Int64?, decision: Int64, reference: String, in alliance: Alliance,
        today: CalendarDate, on connection: PostgresConnection
    ) async throws {
        let (payment, paid) = try await approvable(period, in: alliance, today: today, on: connection)
        try payment.checkEarned(asProposed: earned, by: reference)
        var entry: Int64?
        if payment.earned > 0 {
            try await LedgerStore.openAccountIfMissing(
                OutcomePayment.account, type: .expense, in: alliance.id, on: connection)
            entry = try await LedgerStore.append(
                try EntryRequest(
                    kind: .outcomePayment, effectiveOn: paid.last,
                    description: "Outcome payment for \(payment.period), approved by \(reference)",
                    metadata: ["decision": reference, "period": payment.period], postings: payment.postings,
                    recordedBy: reference),
                to: alliance.id, on: connection
            ).sequence
        }
        try await connection.execute(
            """
            SELECT outcome_payment_record(
                \(alliance.id.rawValue), \(decision), \(Int32(payment.year)), \(payment.period),
                \(payment.pool), \(payment.earned), \(entry))
            """)
    }
}

extension PaymentRule {
    /// The rule as `outcome_set_terms` stores it, for the year's rule and a period's alike: a
    /// linear rule's floor and cap, or the bands' starts and factors, in ten-thousandths.
    fileprivate var columns: (floor: Int64?, cap: Int64?, bandStarts: [Int64]?, bandFactors: [Int]?) {
        switch self {
        case .threshold: (nil, nil, nil, nil)
        case .linear(let floor, let cap): (floor.tenThousandths, cap?.tenThousandths, nil, nil)
        case .bands(let bands): (nil, nil, bands.map(\.from.tenThousandths), bands.map(\.factor))
        }
    }
}
