import Dates
import TestSupport
import Testing

@testable import AllianceLedger

/// Gain/pain sharing alone, with no database: how a year's difference between target and actual
/// cost is split between the owner side and the partners, for any terms and outturn a seeded
/// generator makes, and when a year may be settled.
@Suite(.timeLimit(.perTest)) struct RiskShareRulesTests {
    /// Shares of one to five partners summing to 10000, some perhaps capped.
    static func shares(_ random: inout SplitMix) throws -> [RiskShare] {
        try OutcomePaymentRulesTests.basisPoints(Int.random(in: 1...5, using: &random), &random).enumerated()
            .map { index, share in
                try RiskShare(
                    partner: "partner-\(index)", share: share,
                    cap: Bool.random(using: &random) ? Int64.random(in: 0...50_000_000, using: &random) : nil)
            }
    }

    /// One to three bands with rising ends and any shares, the last without end.
    static func bands(_ random: inout SplitMix) throws -> [RiskShareBand] {
        var ends = Set(
            (0..<Int.random(in: 0...2, using: &random)).map { _ in Int.random(in: 1...3000, using: &random) }
        )
        .sorted().map(Optional.some)
        ends.append(nil)
        return try ends.map { try RiskShareBand(upTo: $0, share: Int.random(in: 0...10_000, using: &random)) }
    }

    static func terms(_ random: inout SplitMix) throws -> RiskShareTerms {
        try RiskShareTerms(
            year: 2025, gain: try shares(&random), pain: try shares(&random),
            partnerSide: try RiskSharePartnerSide(
                gainBands: try bands(&random), painBands: try bands(&random),
                gainCap: Bool.random(using: &random)
                    ? Int64.random(in: 0...100_000_000, using: &random) : nil,
                painCap: Bool.random(using: &random) ? Int64.random(in: 0...100_000_000, using: &random) : nil
            ))
    }

    @Test func thePartnerSideAndTheOwnerSideShareTheDifferenceExactly() throws {
        var random = SplitMix(seed: 17_2201)
        for _ in 0..<2000 {
            let terms = try Self.terms(&random)
            let target = Int64.random(in: 0...10_000_000_000, using: &random)
            let actual = Int64.random(in: 0...(2 * target + 1000), using: &random)
            let position = terms.position(target: target, actual: actual)
            let context = "\(terms) target \(target) actual \(actual)"
            #expect(position.difference == target - actual)
            #expect(position.partnerSide + position.ownerSide == position.difference, "\(context)")
            // The partners' part goes the same way as the difference and is never more of it.
            #expect(position.partnerSide.signum() * position.difference.signum() >= 0, "\(context)")
            #expect(position.partnerSideBeforeCap.magnitude <= position.difference.magnitude, "\(context)")
            let cap = position.difference > 0 ? terms.partnerSide.gainCap : terms.partnerSide.painCap
            #expect(
                position.partnerSide.magnitude
                    == min(position.partnerSideBeforeCap.magnitude, cap.map(\.magnitude) ?? .max),
                "\(context)")
            // Every partner's part goes the same way too, and stays within its cap.
            for allocation in position.allocations {
                #expect(allocation.amount.signum() * position.difference.signum() >= 0, "\(context)")
                if let cap = allocation.cap {
                    #expect(allocation.amount.magnitude <= cap.magnitude, "\(context)")
                }
                if allocation.capped {
                    #expect(allocation.amount.magnitude == allocation.cap?.magnitude, "\(context)")
                }
            }
            #expect(position.allocated + position.unallocated == position.partnerSide)
            #expect(position.allocated.magnitude <= position.partnerSide.magnitude, "\(context)")
            // Caps leave something with the owner side only when every partner with a share is held.
            if position.unallocated != 0 {
                #expect(position.allocations.allSatisfy { $0.capped || $0.share == 0 }, "\(context)")
            }
            let postings = position.postings
            #expect(postings.reduce(0) { $0 + $1.amount } == 0)
            #expect(postings.first?.amount == position.allocated)
        }
    }

    @Test func withoutCapsTheWholePartnerSideIsDividedAndOneBandIsOneRounding() throws {
        var random = SplitMix(seed: 17_2202)
        for _ in 0..<2000 {
            let gain = try OutcomePaymentRulesTests.basisPoints(
                Int.random(in: 1...5, using: &random), &random
            )
            .enumerated().map { try RiskShare(partner: "partner-\($0.offset)", share: $0.element) }
            let share = Int.random(in: 0...10_000, using: &random)
            let terms = try RiskShareTerms(
                year: 2025, gain: gain, pain: gain,
                partnerSide: try RiskSharePartnerSide(
                    gainBands: [try RiskShareBand(upTo: nil, share: share)],
                    painBands: [try RiskShareBand(upTo: nil, share: share)]))
            let target = Int64.random(in: 0...10_000_000_000, using: &random)
            let actual = Int64.random(in: 0...(2 * target + 1000), using: &random)
            let position = terms.position(target: target, actual: actual)
            // The difference times the share, rounded once to the penny, halves away from zero.
            let exact = Int128(target - actual) * Int128(share)
            let quotient = exact / 10_000
            let rounded =
                (exact % 10_000).magnitude * 2 >= 10_000 ? quotient + Int128(exact.signum()) : quotient
            #expect(Int128(position.partnerSide) == rounded, "\(share) of \(target - actual)")
            #expect(position.allocated == position.partnerSide)
            #expect(position.unallocated == 0)
        }
    }

    @Test func eachPartnersTermsJoinItsGainAndItsPainInSlugOrder() throws {
        let terms = try RiskShareTerms(
            year: 2025,
            gain: [
                try RiskShare(partner: "trust", share: 6000, cap: 500),
                try RiskShare(partner: "council", share: 4000),
            ],
            pain: [
                try RiskShare(partner: "trust", share: 7000),
                try RiskShare(partner: "charity", share: 3000, cap: 90),
            ])
        #expect(
            terms.partnerTerms == [
                RiskShareTerm(partner: "charity", gainShare: 0, painShare: 3000, gainCap: nil, painCap: 90),
                RiskShareTerm(partner: "council", gainShare: 4000, painShare: 0, gainCap: nil, painCap: nil),
                RiskShareTerm(partner: "trust", gainShare: 6000, painShare: 7000, gainCap: 500, painCap: nil),
            ])
        var random = SplitMix(seed: 17_2203)
        for _ in 0..<500 {
            let terms = try Self.terms(&random)
            let joined = terms.partnerTerms
            #expect(
                joined.map(\.partner) == Set(terms.gain.map(\.partner) + terms.pain.map(\.partner)).sorted())
            #expect(joined.reduce(0) { $0 + $1.gainShare } == 10_000)
            #expect(joined.reduce(0) { $0 + $1.painShare } == 10_000)
        }
    }

    @Test func aYearIsSettledOnlyOnceItHasEndedAndOnlyOnce() throws {
        let terms = try WorkedExampleTests.r1()
        func statement(settled: SettlementPosting?) -> RiskShareStatement {
            RiskShareStatement(
                termsDecision: "D-0001", terms: terms,
                position: terms.position(target: 10_000_000_00, actual: 10_900_000_00), settled: settled)
        }
        let open = statement(settled: nil)
        let yearEnds = date(2026, 3, 31)
        try open.checkSettleable(yearEnds: yearEnds, today: date(2026, 4, 1))
        #expect(
            throws: LedgerError.invalidField(
                "year", reason: "FY2025 has not ended: it can be settled from the day after 2026-03-31")
        ) { try open.checkSettleable(yearEnds: yearEnds, today: yearEnds) }
        let settled = statement(
            settled: SettlementPosting(
                decision: "D-0004", entry: 12, postedAt: Timestamp(microsecondsSince1970: 0)))
        #expect(throws: LedgerError.exists("FY2025 was already settled by D-0004")) {
            try settled.checkSettleable(yearEnds: yearEnds, today: date(2026, 4, 1))
        }
        // Only the figure voted on is settled.
        try open.position.checkPartnerSide(asProposed: nil, by: "D-0005")
        try open.position.checkPartnerSide(asProposed: -450_000_00, by: "D-0005")
        #expect(
            throws: LedgerError.invalidField(
                "partnerSide",
                reason:
                    "was -45000001 when D-0005 was proposed but the budgets, spend or terms now give -45000000: propose it again"
            )
        ) { try open.position.checkPartnerSide(asProposed: -450_000_01, by: "D-0005") }
        #expect(open.position.postings.map(\.amount) == [-450_000_00, 450_000_00])
        #expect(
            open.position.postings.map(\.account.rawValue) == [
                "alliance:risk-share", "partner:partners:funding",
            ])
    }
}
