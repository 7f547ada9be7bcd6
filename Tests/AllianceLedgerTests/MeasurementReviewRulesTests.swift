import Dates
import TestSupport
import Testing

@testable import AllianceLedger

/// Who may record and who may review an outcome measurement, alone with no database: every
/// combination of the reviewer's partner and roles and the measurement's review and currency.
@Suite(.timeLimit(.perTest)) struct MeasurementReviewRulesTests {
    static func measurement(review: MeasurementState?, current: Bool) throws -> OutcomeMeasurement {
        OutcomeMeasurement(
            id: 7, measure: "CARE_PLANS", period: "FY2025-Q1",
            value: try MeasureValue(tenThousandths: 860_000),
            evidence: "report", recordedBy: "finance@slam", reporter: "slam",
            recordedAt: Timestamp(microsecondsSince1970: 0), current: current,
            review: review.map {
                MeasurementReview(
                    verdict: $0, note: $0 == .rejected ? "wrong quarter" : "", reviewedBy: "auditor@icb",
                    partner: "sel-icb", role: .auditor, reviewedAt: Timestamp(microsecondsSince1970: 1))
            })
    }

    static func person(partner: String?, roles: Set<Role>) -> Person {
        Person(
            id: 3, alliance: AllianceID(1), name: "Reviewer", email: "reviewer@example.org", partner: partner,
            roles: roles, createdAt: Timestamp(microsecondsSince1970: 0), removedAt: nil)
    }

    /// Every subset of the roles.
    static let roleSets: [Set<Role>] = (0..<(1 << Role.allCases.count)).map { bits in
        Set(Role.allCases.enumerated().filter { bits & (1 << $0.offset) != 0 }.map(\.element))
    }

    @Test func aFigureIsReviewedOnceWhileLatestByAFinancePersonOfAnotherPartnerOrAnAuditor() throws {
        var accepted = 0
        for partner in [nil, "slam", "lambeth"] as [String?] {
            for roles in Self.roleSets {
                for review in [nil, .validated, .rejected] as [MeasurementState?] {
                    for current in [true, false] {
                        for verdict in [MeasurementState.validated, .rejected] {
                            let measurement = try Self.measurement(review: review, current: current)
                            let person = Self.person(partner: partner, roles: roles)
                            let expectedRole: Role =
                                roles.contains(.finance) && partner != nil ? .finance : .auditor
                            let allowed =
                                review == nil && partner != "slam" && roles.contains(expectedRole) && current
                            let context =
                                "\(partner ?? "no partner") \(roles.sorted()) \(String(describing: review)) \(current)"
                            do {
                                let role = try measurement.reviewerRole(of: person, verdict: verdict)
                                #expect(allowed, "\(context)")
                                #expect(role == expectedRole, "\(context)")
                                accepted += 1
                            } catch {
                                #expect(!allowed, "\(context): \(error)")
                            }
                        }
                    }
                }
            }
        }
        #expect(accepted > 0)
    }

    @Test func aMeasureIsRecordedOnlyByItsReportersFinancePeople() throws {
        let terms = try WorkedExampleTests.o1Terms()
        #expect(try terms.measure("CARE_PLANS", recordedFor: "slam").code == "CARE_PLANS")
        #expect(try terms.measure("OUT_OF_AREA", recordedFor: "lambeth").reporter == "lambeth")
        #expect(
            throws: LedgerError.forbidden(
                "CARE_PLANS is reported by slam: only its finance people record it, not lambeth")
        ) { try terms.measure("CARE_PLANS", recordedFor: "lambeth") }
        #expect(
            throws: LedgerError.forbidden(
                "CARE_PLANS is reported by slam: only its finance people record it, not a person of no partner"
            )
        ) { try terms.measure("CARE_PLANS", recordedFor: nil) }
        #expect(
            throws: LedgerError.invalidField(
                "measure",
                reason:
                    "BED_DAYS is not a measure of FY2025's outcome terms (CARE_PLANS, OUT_OF_AREA, OUTCOME_SCORES)"
            )
        ) { try terms.measure("BED_DAYS", recordedFor: "slam") }
        // Terms set before measures named a reporter let any partner's finance people record.
        let unnamed = try OutcomeTerms(
            year: 2025, frequency: .year, pool: 100,
            measures: [
                try OutcomeMeasure(
                    code: "CARE_PLANS", name: "Care plans", unit: "%", direction: .higher,
                    target: try MeasureValue(tenThousandths: 900_000), weight: 10_000, rule: .threshold)
            ],
            shares: [try OutcomeShare(partner: "slam", share: 10_000)])
        for partner in ["slam", "lambeth", nil] as [String?] {
            #expect(try unnamed.measure("CARE_PLANS", recordedFor: partner).code == "CARE_PLANS")
        }
    }

    @Test func eachRefusalSaysWhy() throws {
        let auditor = Self.person(partner: nil, roles: [.auditor])
        #expect(
            throws: LedgerError.exists(
                "measurement 7 was already validated by sel-icb: a correction is a new measurement")
        ) {
            try Self.measurement(review: .validated, current: true).reviewerRole(
                of: auditor, verdict: .rejected)
        }
        #expect(
            throws: LedgerError.forbidden(
                "measurement 7 of CARE_PLANS is slam's own figure: a finance person of another partner or an auditor must reject it"
            )
        ) {
            try Self.measurement(review: nil, current: true).reviewerRole(
                of: Self.person(partner: "slam", roles: [.finance, .auditor]), verdict: .rejected)
        }
        #expect(throws: LedgerError.forbidden("this needs the role auditor or finance")) {
            try Self.measurement(review: nil, current: true).reviewerRole(
                of: Self.person(partner: nil, roles: [.finance]), verdict: .validated)
        }
        #expect(
            throws: LedgerError.exists(
                "measurement 7 of CARE_PLANS for FY2025-Q1 is superseded by a later correction: validate the latest"
            )
        ) { try Self.measurement(review: nil, current: false).reviewerRole(of: auditor, verdict: .validated) }
    }
}
