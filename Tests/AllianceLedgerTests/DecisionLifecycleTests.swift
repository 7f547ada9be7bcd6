import Dates
import TestSupport
import Testing

@testable import AllianceLedger

/// The decision rule and state machine alone, with no database: how votes are counted, when a
/// decision carries, and where each event takes it, for every electorate and history of votes a
/// seeded generator makes.
@Suite(.timeLimit(.perTest)) struct DecisionLifecycleTests {
    static let closesAt = Timestamp(microsecondsSince1970: 1_746_100_800_000_000)

    /// An electorate of `count` partners, each with a history of zero to three votes whose last
    /// is the one that counts; also each partner's latest choice, as the rule is stated.
    static func ballot(partners count: Int, _ random: inout SplitMix)
        -> (tally: DecisionTally, latest: [VoteChoice?])
    {
        let electorate = (0..<count).map { "partner-\($0)" }
        var votes: [DecisionVote] = []
        var latest: [VoteChoice?] = []
        for partner in electorate {
            let history = (0..<Int(random.next() % 4)).map { _ in
                VoteChoice.allCases[Int(random.next() % 3)]
            }
            for (index, choice) in history.enumerated() {
                votes.append(
                    DecisionVote(
                        partner: partner, person: "board@\(partner)", vote: choice,
                        reason: choice == .object ? "not yet" : nil,
                        castAt: Timestamp(microsecondsSince1970: Int64(votes.count)),
                        current: index == history.count - 1))
            }
            latest.append(history.last)
        }
        votes.shuffle(using: &random)
        return (DecisionTally(votes: votes, electorate: electorate), latest)
    }

    @Test func theTallyCountsEachPartnersLatestVoteOnce() {
        var random = SplitMix(seed: 17_2001)
        for _ in 0..<2000 {
            let count = Int(random.next() % 7)
            let (tally, latest) = Self.ballot(partners: count, &random)
            #expect(tally.electorate == count)
            #expect(tally.approve == latest.count { $0 == .approve })
            #expect(tally.object == latest.count { $0 == .object })
            #expect(tally.abstain == latest.count { $0 == .abstain })
            #expect(tally.notVoted == latest.count { $0 == nil })
        }
    }

    @Test func unanimityCarriesIfAndOnlyIfEveryPartnerApproves() {
        var random = SplitMix(seed: 17_2002)
        for _ in 0..<2000 {
            let (tally, latest) = Self.ballot(partners: Int(random.next() % 7), &random)
            let everyoneApproves = !latest.isEmpty && latest.allSatisfy { $0 == .approve }
            #expect(tally.carries(under: .blocks) == everyoneApproves, "\(latest)")
        }
    }

    @Test func whereAbstentionStandsAsideEveryPartnerVotesNoneObjectsAndOneApproves() {
        var random = SplitMix(seed: 17_2003)
        for _ in 0..<2000 {
            let (tally, latest) = Self.ballot(partners: Int(random.next() % 7), &random)
            let carries =
                latest.allSatisfy { $0 != nil } && !latest.contains(.object) && latest.contains(.approve)
            #expect(tally.carries(under: .standsAside) == carries, "\(latest)")
            // Standing aside never makes a decision harder to carry than unanimity.
            if tally.carries(under: .blocks) { #expect(tally.carries(under: .standsAside)) }
        }
    }

    @Test func atTheClosingTimeAnObjectionOrABlockingAbstentionRejectsAndSilenceLapses() {
        var random = SplitMix(seed: 17_2004)
        for _ in 0..<2000 {
            let (tally, latest) = Self.ballot(partners: Int(random.next() % 7), &random)
            for abstention in Abstention.allCases {
                let blocked = latest.contains(.object) || (abstention == .blocks && latest.contains(.abstain))
                let expected: DecisionState =
                    tally.carries(under: abstention) ? .carried : blocked ? .rejected : .lapsed
                #expect(tally.outcomeAtClose(under: abstention) == expected, "\(latest) \(abstention)")
            }
        }
    }

    @Test func aVoteCarriesTheDecisionTheMomentTheRuleIsMetAndNotAfterItsClosingTime() {
        var random = SplitMix(seed: 17_2005)
        for _ in 0..<2000 {
            let (tally, _) = Self.ballot(partners: Int(random.next() % 7), &random)
            let abstention = Abstention.allCases[Int(random.next() % 2)]
            let open = DecisionLifecycle(state: .open, closesAt: Self.closesAt, abstention: abstention)
            let before = Timestamp(microsecondsSince1970: Self.closesAt.microsecondsSince1970 - 1)
            #expect(
                open.state(after: .vote(tally), at: before)
                    == (tally.carries(under: abstention) ? .carried : .open))
            #expect(open.state(after: .vote(tally), at: Self.closesAt) == nil)
        }
    }

    @Test func theClosingTimeRejectsOrLapsesAnOpenDecisionAndNeverCarriesIt() {
        var random = SplitMix(seed: 17_2006)
        for _ in 0..<2000 {
            let (tally, latest) = Self.ballot(partners: Int(random.next() % 7), &random)
            let abstention = Abstention.allCases[Int(random.next() % 2)]
            let open = DecisionLifecycle(state: .open, closesAt: Self.closesAt, abstention: abstention)
            let blocked = latest.contains(.object) || (abstention == .blocks && latest.contains(.abstain))
            let later = Timestamp(
                microsecondsSince1970: Self.closesAt.microsecondsSince1970 + Int64(random.next() % 1_000_000))
            #expect(open.state(after: .closingTime(tally), at: later) == (blocked ? .rejected : .lapsed))
            let earlier = Timestamp(microsecondsSince1970: Self.closesAt.microsecondsSince1970 - 1)
            #expect(open.state(after: .closingTime(tally), at: earlier) == nil)
        }
    }

    @Test func onlyAnOpenDecisionBeforeItsClosingTimeTakesVotesAndWithdrawals() {
        let before = Timestamp(microsecondsSince1970: Self.closesAt.microsecondsSince1970 - 1)
        for state in DecisionState.allCases {
            let lifecycle = DecisionLifecycle(state: state, closesAt: Self.closesAt, abstention: .blocks)
            #expect(lifecycle.closedReason(at: before) == (state == .open ? nil : state.rawValue))
            #expect(
                lifecycle.closedReason(at: Self.closesAt)
                    == (state == .open ? "past its closing time" : state.rawValue))
            #expect(lifecycle.state(after: .withdrawal, at: before) == (state == .open ? .withdrawn : nil))
            #expect(lifecycle.state(after: .withdrawal, at: Self.closesAt) == nil)
        }
    }

    /// Random histories of events at rising times: once a decision has left `open`, no event
    /// moves it again.
    @Test func aClosedDecisionNeverChangesAgain() {
        var random = SplitMix(seed: 17_2007)
        var reached: [DecisionState: Int] = [:]
        for _ in 0..<1000 {
            let abstention = Abstention.allCases[Int(random.next() % 2)]
            var lifecycle = DecisionLifecycle(state: .open, closesAt: Self.closesAt, abstention: abstention)
            var now = Self.closesAt.microsecondsSince1970 - 10
            var closedAs: DecisionState?
            for _ in 0..<12 {
                now += Int64(random.next() % 3)
                let (tally, _) = Self.ballot(partners: Int(random.next() % 5), &random)
                let event: DecisionLifecycle.Event =
                    switch random.next() % 3 {
                    case 0: .vote(tally)
                    case 1: .withdrawal
                    default: .closingTime(tally)
                    }
                let next = lifecycle.state(after: event, at: Timestamp(microsecondsSince1970: now))
                if let closedAs {
                    #expect(next == nil, "\(closedAs) moved on \(event)")
                    continue
                }
                guard let next, next != .open else { continue }
                closedAs = next
                reached[next, default: 0] += 1
                lifecycle = DecisionLifecycle(state: next, closesAt: Self.closesAt, abstention: abstention)
            }
        }
        // The histories reach every way of closing, so the property is not held vacuously.
        #expect(Set(reached.keys) == [.carried, .rejected, .lapsed, .withdrawn], "\(reached)")
    }

    @Test func anObjectionNeedsAReasonAndABlankReasonIsNone() throws {
        #expect(
            throws: LedgerError.invalidField(
                "reason", reason: "is required to object: say what would need to change")
        ) {
            try VoteChoice.object.recordedReason(nil)
        }
        #expect(throws: LedgerError.self) { try VoteChoice.object.recordedReason(" \n\t") }
        #expect(
            try VoteChoice.object.recordedReason("the figures are a year old") == "the figures are a year old"
        )
        #expect(try VoteChoice.approve.recordedReason("   ") == nil)
        #expect(try VoteChoice.abstain.recordedReason(nil) == nil)
        #expect(try VoteChoice.approve.recordedReason("with thanks") == "with thanks")
        #expect(throws: LedgerError.self) {
            try VoteChoice.approve.recordedReason(String(repeating: "x", count: 2001))
        }
    }
}
