import Dates
import Foundation
import Testing

@testable import AllianceLedger

/// The JSON of the ledger's values is a frozen wire format: these are the bytes the HTTP API
/// answers (keys sorted, slashes unescaped) for representative values, a nil optional written
/// as `null` and a set one as its value. They were taken from the hand-written `encode(to:)`
/// each type had before it used synthesized `Encodable` with `@ExplicitNull`, so a change of
/// key, of null against absent, or of a number's form fails here. No database.
@Suite struct WireShapeTests {
    /// As `JSONAnswerEncoder` and the command line write JSON (the command line also indents).
    private func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static let day = CalendarDate(year: 2025, month: 4, day: 1) ?? CalendarDate(daysSince1970: 0)
    private static let lastDay = CalendarDate(year: 2026, month: 3, day: 31) ?? CalendarDate(daysSince1970: 0)
    private static let instant = Timestamp(microsecondsSince1970: 1_743_465_600_123_456)
    private static let digest = Digest(Array(repeating: 0xAB, count: 32))
    private static let otherDigest = Digest(Array(0..<32))

    @Test func aPostingAndAJournalEntry() throws {
        let posting = Posting(
            line: 2, accountID: 99, account: try AccountCode("partner:slam:cost:STAFF"), amount: -1250)
        #expect(try json(posting) == #"{"account":"partner:slam:cost:STAFF","amount":-1250,"line":2}"#)
        let entry = JournalEntry(
            alliance: AllianceID(7), sequence: 12, kind: .spend, effectiveOn: Self.day,
            recordedAt: Self.instant,
            recordedBy: "lead@example.org", description: "Agency staff / April",
            metadata: ["b": "2", "a": "1"],
            idempotencyKey: nil, requestHash: Self.digest, reverses: nil, previousHash: Self.otherDigest,
            hash: Self.digest, postings: [posting])
        #expect(
            try json(entry)
                == #"{"description":"Agency staff / April","effectiveOn":"2025-04-01","hash":"abababababababababababababababababababababababababababababababab","idempotencyKey":null,"kind":"spend","metadata":{"a":"1","b":"2"},"postings":[{"account":"partner:slam:cost:STAFF","amount":-1250,"line":2}],"previousHash":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f","recordedAt":"2025-04-01T00:00:00.123456Z","recordedBy":"lead@example.org","requestHash":"abababababababababababababababababababababababababababababababab","reverses":null,"sequence":12}"#
        )
        let reversal = JournalEntry(
            alliance: AllianceID(7), sequence: 13, kind: .reversal, effectiveOn: Self.day,
            recordedAt: Self.instant, recordedBy: "lead@example.org", description: "", metadata: [:],
            idempotencyKey: "key-1", requestHash: Self.digest, reverses: 12, previousHash: Self.digest,
            hash: Self.otherDigest, postings: [])
        #expect(
            try json(reversal)
                == #"{"description":"","effectiveOn":"2025-04-01","hash":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f","idempotencyKey":"key-1","kind":"reversal","metadata":{},"postings":[],"previousHash":"abababababababababababababababababababababababababababababababab","recordedAt":"2025-04-01T00:00:00.123456Z","recordedBy":"lead@example.org","requestHash":"abababababababababababababababababababababababababababababababab","reverses":12,"sequence":13}"#
        )
    }

    @Test func anAlliance() throws {
        let open = Alliance(
            id: AllianceID(3), slug: "lambeth", name: "Lambeth Living Well", currency: "GBP",
            financialYearStartMonth: 4, contractStart: nil, contractEnd: nil, abstention: .blocks,
            createdAt: Self.instant)
        #expect(
            try json(open)
                == #"{"abstention":"blocks","contractEnd":null,"contractStart":null,"createdAt":"2025-04-01T00:00:00.123456Z","currency":"GBP","financialYearStartMonth":4,"id":3,"name":"Lambeth Living Well","slug":"lambeth"}"#
        )
        let dated = Alliance(
            id: AllianceID(4), slug: "somerset", name: "Somerset", currency: "EUR",
            financialYearStartMonth: 1,
            contractStart: Self.day, contractEnd: Self.lastDay, abstention: .standsAside,
            createdAt: Self.instant)
        #expect(
            try json(dated)
                == #"{"abstention":"stands-aside","contractEnd":"2026-03-31","contractStart":"2025-04-01","createdAt":"2025-04-01T00:00:00.123456Z","currency":"EUR","financialYearStartMonth":1,"id":4,"name":"Somerset","slug":"somerset"}"#
        )
    }

    @Test func aGovernanceRecordAndItsVerification() throws {
        let first = GovernanceRecord(
            alliance: AllianceID(3), sequence: 1, kind: "alliance.created",
            actor: .init(kind: "operator", person: nil, partner: nil, token: nil),
            details: ["slug": "lambeth"],
            requestID: nil, recordedAt: Self.instant, previousHash: nil, hash: Self.digest)
        #expect(
            try json(first)
                == #"{"actor":{"kind":"operator","partner":null,"person":null,"token":null},"details":{"slug":"lambeth"},"hash":"abababababababababababababababababababababababababababababababab","kind":"alliance.created","previousHash":null,"recordedAt":"2025-04-01T00:00:00.123456Z","requestId":null,"sequence":1}"#
        )
        let later = GovernanceRecord(
            alliance: AllianceID(3), sequence: 2, kind: "vote.cast",
            actor: .init(kind: "person", person: 5, partner: "slam", token: 8),
            details: ["decision": "D-0001", "vote": "approve"], requestID: "req-1", recordedAt: Self.instant,
            previousHash: Self.digest, hash: Self.otherDigest)
        #expect(
            try json(later)
                == #"{"actor":{"kind":"person","partner":"slam","person":5,"token":8},"details":{"decision":"D-0001","vote":"approve"},"hash":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f","kind":"vote.cast","previousHash":"abababababababababababababababababababababababababababababababab","recordedAt":"2025-04-01T00:00:00.123456Z","requestId":"req-1","sequence":2}"#
        )
        #expect(
            try json(GovernanceVerification(records: 0, headHash: nil, firstMismatch: nil))
                == #"{"firstMismatch":null,"headHash":null,"ok":true,"records":0}"#)
        #expect(
            try json(
                GovernanceVerification(
                    records: 2, headHash: Self.digest,
                    firstMismatch: .init(sequence: 2, problem: "hash does not match")))
                == #"{"firstMismatch":{"problem":"hash does not match","sequence":2},"headHash":"abababababababababababababababababababababababababababababababab","ok":false,"records":2}"#
        )
    }

    @Test func aStatementListingAndAPublication() throws {
        let listing = StatementListing(
            number: "S-0002", period: "FY2025-Q1", state: .published, hash: Self.digest,
            previousHash: Self.otherDigest, publishedAt: Self.instant, publishedBy: "lead@example.org",
            supersedes: "S-0001", reason: "a late invoice",
            signatures: [.init(partner: "slam", key: 4, at: Self.instant)], signedBy: 1, partners: 2)
        #expect(
            try json(listing)
                == #"{"cosignedByAll":false,"hash":"abababababababababababababababababababababababababababababababab","number":"S-0002","partners":2,"period":"FY2025-Q1","previousHash":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f","publishedAt":"2025-04-01T00:00:00.123456Z","publishedBy":"lead@example.org","reason":"a late invoice","signatures":[{"key":4,"partner":"slam","signedAt":"2025-04-01T00:00:00.123456Z"}],"signedBy":1,"state":"published","supersedes":"S-0001"}"#
        )
        let first = StatementListing(
            number: "S-0001", period: "FY2025-Q1", state: .superseded, hash: Self.otherDigest,
            previousHash: nil, publishedAt: Self.instant, publishedBy: "lead@example.org", supersedes: nil,
            reason: nil, signatures: [], signedBy: 0, partners: 0)
        #expect(
            try json(first)
                == #"{"cosignedByAll":true,"hash":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f","number":"S-0001","partners":0,"period":"FY2025-Q1","previousHash":null,"publishedAt":"2025-04-01T00:00:00.123456Z","publishedBy":"lead@example.org","reason":null,"signatures":[],"signedBy":0,"state":"superseded","supersedes":null}"#
        )
        let pending = Publication(
            id: 9, period: "FY2025", supersedes: nil, reason: nil, state: .pending,
            requestedBy: "lead@example.org",
            requestedAt: Self.instant, finishedAt: nil, statement: nil, failure: nil)
        #expect(
            try json(pending)
                == #"{"failure":null,"finishedAt":null,"id":9,"period":"FY2025","reason":null,"requestedAt":"2025-04-01T00:00:00.123456Z","requestedBy":"lead@example.org","state":"pending","statement":null,"supersedes":null}"#
        )
        let failed = Publication(
            id: 10, period: "FY2025", supersedes: "S-0001", reason: "restated", state: .failed,
            requestedBy: "lead@example.org", requestedAt: Self.instant, finishedAt: Self.instant,
            statement: "S-0003",
            failure: .init(
                status: 409, type: "https://example.org/problems/x", title: "No", detail: "Because"))
        #expect(
            try json(failed)
                == #"{"failure":{"detail":"Because","status":409,"title":"No","type":"https://example.org/problems/x"},"finishedAt":"2025-04-01T00:00:00.123456Z","id":10,"period":"FY2025","reason":"restated","requestedAt":"2025-04-01T00:00:00.123456Z","requestedBy":"lead@example.org","state":"failed","statement":"S-0003","supersedes":"S-0001"}"#
        )
    }

    @Test func aStatementsBudgetSectionAndMeasures() throws {
        let total = Statement.BudgetTotal(key: nil, budget: 1000, actual: 400, fullYear: nil)
        let section = Statement.BudgetSection(
            from: Self.day, to: Self.lastDay,
            rows: [
                .init(
                    partner: "slam", budgetLine: "STAFF", budget: 1000, actual: 400, decisions: ["D-0001"],
                    yearOriginal: 900, yearRevised: 1000, fullYear: 4000)
            ],
            byPartner: [.init(key: "slam", budget: 1000, actual: 400, fullYear: 4000)], byLine: [],
            total: total)
        #expect(
            try json(section)
                == #"{"byLine":[],"byPartner":[{"actual":400,"budget":1000,"fullYearBudget":4000,"key":"slam","remaining":3600,"variance":600}],"from":"2025-04-01","rows":[{"actual":400,"budget":1000,"budgetLine":"STAFF","decisions":["D-0001"],"fullYearBudget":4000,"partner":"slam","remaining":3600,"variance":600,"yearBudget":{"original":900,"revised":1000}}],"to":"2026-03-31","total":{"actual":400,"budget":1000,"fullYearBudget":null,"key":null,"remaining":null,"variance":600}}"#
        )
        var reviewed = Statement.MeasureLine(
            code: "M1", name: "Recovery", unit: "%", direction: "higher", rule: "threshold", weight: 5000,
            target: "60", measurement: "61.5", attainment: 10000, available: 500, earned: 500)
        reviewed.state = "validated"
        reviewed.reporter = "slam"
        reviewed.reviewer = .init(kind: "finance", partner: "lambeth")
        #expect(
            try json(reviewed)
                == #"{"attainment":10000,"available":500,"code":"M1","direction":"higher","earned":500,"measurement":"61.5","name":"Recovery","reporter":"slam","reviewer":{"kind":"finance","partner":"lambeth"},"rule":"threshold","state":"validated","target":"60","unearned":0,"unit":"%","weight":5000}"#
        )
        reviewed.reviewer = .init(kind: "migration", partner: nil)
        #expect(
            try json(reviewed)
                == #"{"attainment":10000,"available":500,"code":"M1","direction":"higher","earned":500,"measurement":"61.5","name":"Recovery","reporter":"slam","reviewer":{"kind":"migration","partner":null},"rule":"threshold","state":"validated","target":"60","unearned":0,"unit":"%","weight":5000}"#
        )
        let unmeasured = Statement.MeasureLine(
            code: "M2", name: "Waits", unit: "days", direction: "lower", rule: "linear", weight: 5000,
            target: "30", measurement: nil, attainment: 0, available: 500, earned: 0)
        #expect(
            try json(unmeasured)
                == #"{"attainment":0,"available":500,"code":"M2","direction":"lower","earned":0,"measurement":null,"name":"Waits","reporter":null,"reviewer":null,"rule":"linear","state":null,"target":"30","unearned":500,"unit":"days","weight":5000}"#
        )
    }

    @Test func aTrialBalanceAndItsRows() throws {
        let cost = Account(
            id: 1, alliance: AllianceID(7), code: try AccountCode("partner:slam:cost:STAFF"), type: .expense,
            floor: nil)
        let funding = Account(
            id: 2, alliance: AllianceID(7), code: try AccountCode("partner:slam:funding"), type: .liability,
            floor: 0)
        let balances = [
            AccountBalance(account: cost, balance: 1250), AccountBalance(account: funding, balance: -1250),
        ]
        #expect(
            try json(TrialBalance(asOf: Self.lastDay, balances: balances))
                == #"{"asOf":"2026-03-31","balanced":true,"lines":[{"account":"partner:slam:cost:STAFF","credit":0,"debit":1250,"type":"expense"},{"account":"partner:slam:funding","credit":1250,"debit":0,"type":"liability"}],"totalCredits":1250,"totalDebits":1250}"#
        )
        #expect(
            try json(TrialBalance(asOf: nil, balances: []))
                == #"{"asOf":null,"balanced":true,"lines":[],"totalCredits":0,"totalDebits":0}"#)
        #expect(
            try json(balances[1])
                == #"{"balance":-1250,"code":"partner:slam:funding","floor":0,"normalBalance":1250,"type":"liability"}"#
        )
    }

    @Test func aSpend() throws {
        let plain = Spend(
            id: 12, partner: "slam", budgetLine: "STAFF", amount: 125_000, incurredOn: Self.day,
            description: "Agency staff", supplier: "Acme Ltd", reference: "INV-1", expenseType: nil,
            supplierType: nil, supplierID: "", irrecoverableVAT: nil, recordedBy: "lead@example.org",
            recordedAt: Self.instant, hash: Self.digest, reversedBy: nil, replayed: false)
        #expect(
            try json(plain)
                == #"{"amount":125000,"budgetLine":"STAFF","description":"Agency staff","expenseType":null,"hash":"abababababababababababababababababababababababababababababababab","id":12,"incurredOn":"2025-04-01","irrecoverableVat":null,"partner":"slam","recordedAt":"2025-04-01T00:00:00.123456Z","recordedBy":"lead@example.org","reference":"INV-1","reversedBy":null,"sequence":12,"supplier":"Acme Ltd","supplierId":"","supplierType":null}"#
        )
        let classified = Spend(
            id: 14, partner: "slam", budgetLine: "STAFF", amount: -300, incurredOn: Self.lastDay,
            description: "", supplier: "Council", reference: "",
            expenseType: try ExpenseType(code: "5100", label: "Agency"),
            supplierType: .publicBody, supplierID: "GB-123", irrecoverableVAT: 50,
            recordedBy: "lead@example.org",
            recordedAt: Self.instant, hash: Self.otherDigest, reversedBy: 15, replayed: true)
        #expect(
            try json(classified)
                == #"{"amount":-300,"budgetLine":"STAFF","description":"","expenseType":{"code":"5100","label":"Agency"},"hash":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f","id":14,"incurredOn":"2026-03-31","irrecoverableVat":50,"partner":"slam","recordedAt":"2025-04-01T00:00:00.123456Z","recordedBy":"lead@example.org","reference":"","reversedBy":15,"sequence":14,"supplier":"Council","supplierId":"GB-123","supplierType":"public-body"}"#
        )
    }

    @Test func aMeasurement() throws {
        let provisional = OutcomeMeasurement(
            id: 3, measure: "CARE_PLANS", period: "FY2025-Q1", value: try MeasureValue(parsing: "61.5"),
            evidence: "register extract", recordedBy: "lead@example.org", recordedAt: Self.instant,
            current: true)
        #expect(
            try json(provisional)
                == #"{"current":true,"evidence":"register extract","id":3,"measure":"CARE_PLANS","period":"FY2025-Q1","recordedAt":"2025-04-01T00:00:00.123456Z","recordedBy":"lead@example.org","reporter":null,"review":null,"state":"provisional","value":61.5}"#
        )
        let reviewed = OutcomeMeasurement(
            id: 4, measure: "CARE_PLANS", period: "FY2025-Q2", value: try MeasureValue(parsing: "-0.0125"),
            evidence: "", recordedBy: "lead@example.org", reporter: "slam", recordedAt: Self.instant,
            current: false,
            review: MeasurementReview(
                verdict: .rejected, note: "wrong quarter", reviewedBy: "audit@example.org", partner: nil,
                role: .auditor, reviewedAt: Self.instant))
        #expect(
            try json(reviewed)
                == #"{"current":false,"evidence":"","id":4,"measure":"CARE_PLANS","period":"FY2025-Q2","recordedAt":"2025-04-01T00:00:00.123456Z","recordedBy":"lead@example.org","reporter":"slam","review":{"note":"wrong quarter","partner":null,"reviewedAt":"2025-04-01T00:00:00.123456Z","reviewedBy":"audit@example.org","role":"auditor","verdict":"rejected"},"state":"rejected","value":-0.0125}"#
        )
    }

    @Test func aDecisionAndItsTally() throws {
        let votes = [
            DecisionVote(
                partner: "slam", person: "board@slam.example", vote: .object, reason: "too soon",
                castAt: Self.instant, current: false),
            DecisionVote(
                partner: "slam", person: "board@slam.example", vote: .approve, reason: nil,
                castAt: Self.instant,
                current: true),
            DecisionVote(
                partner: "lambeth", person: "board@lambeth.example", vote: .abstain, reason: nil,
                castAt: Self.instant, current: true),
        ]
        let electorate = ["lambeth", "slam", "mind"]
        #expect(
            try json(DecisionTally(votes: votes, electorate: electorate))
                == #"{"abstain":1,"approve":1,"electorate":3,"notVoted":1,"object":0}"#)
        let open = Decision(
            id: 41, number: 7, title: "Minutes", description: "", action: nil, proposer: "board@slam.example",
            proposedAt: Self.instant, closesAt: Self.instant, abstention: .blocks, state: .open,
            closedAt: nil,
            failure: nil, electorate: electorate, votes: votes, effect: nil)
        #expect(
            try json(open)
                == #"{"abstention":"blocks","action":null,"closedAt":null,"closesAt":"2025-04-01T00:00:00.123456Z","description":"","effect":null,"electorate":["lambeth","slam","mind"],"failure":null,"id":41,"number":"D-0007","proposedAt":"2025-04-01T00:00:00.123456Z","proposer":"board@slam.example","state":"open","tally":{"abstain":1,"approve":1,"electorate":3,"notVoted":1,"object":0},"title":"Minutes","votes":[{"castAt":"2025-04-01T00:00:00.123456Z","current":false,"partner":"slam","person":"board@slam.example","reason":"too soon","vote":"object"},{"castAt":"2025-04-01T00:00:00.123456Z","current":true,"partner":"slam","person":"board@slam.example","reason":null,"vote":"approve"},{"castAt":"2025-04-01T00:00:00.123456Z","current":true,"partner":"lambeth","person":"board@lambeth.example","reason":null,"vote":"abstain"}]}"#
        )
        let failed = Decision(
            id: 42, number: 12_345, title: "Budget", description: "FY2025",
            action: .budgetSet(
                year: 2025, figures: [try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 1000)]),
            proposer: "board@slam.example", proposedAt: Self.instant, closesAt: Self.instant,
            abstention: .standsAside, state: .failed, closedAt: Self.instant,
            failure: "budget line STAFF does not exist in this alliance", electorate: ["slam"], votes: [],
            effect: nil)
        #expect(
            try json(failed)
                == #"{"abstention":"stands-aside","action":{"lines":[{"amount":1000,"budgetLine":"STAFF","partner":"slam"}],"type":"budget.set","year":"FY2025"},"closedAt":"2025-04-01T00:00:00.123456Z","closesAt":"2025-04-01T00:00:00.123456Z","description":"FY2025","effect":null,"electorate":["slam"],"failure":"budget line STAFF does not exist in this alliance","id":42,"number":"D-12345","proposedAt":"2025-04-01T00:00:00.123456Z","proposer":"board@slam.example","state":"failed","tally":{"abstain":0,"approve":0,"electorate":1,"notVoted":1,"object":0},"title":"Budget","votes":[]}"#
        )
    }

    @Test func outcomeTermsAPaymentAndARiskShareStatement() throws {
        func value(_ text: String) throws -> MeasureValue { try MeasureValue(parsing: text) }
        let terms = try OutcomeTerms(
            year: 2025, frequency: .quarter, pool: 100_000,
            measures: [
                try OutcomeMeasure(
                    code: "CARE_PLANS", name: "Care plans", unit: "%", direction: .higher,
                    target: try value("90"),
                    weight: 6000, rule: .linear(floor: try value("80"), cap: nil), reporter: "trust",
                    periods: try ["80", "85", "90", "95"].enumerated().map { index, target in
                        .init(
                            period: "FY2025-Q\(index + 1)", target: try value(target),
                            rule: .linear(floor: try value("75"), cap: index == 3 ? try value("99.5") : nil))
                    }),
                try OutcomeMeasure(
                    code: "WAITS", name: "Waits", unit: "days", direction: .lower, baseline: try value("40"),
                    target: try value("30"), weight: 3000,
                    rule: .bands([
                        try PaymentBand(from: try value("35"), factor: 5000),
                        try PaymentBand(from: try value("30"), factor: 10_000),
                    ])),
                try OutcomeMeasure(
                    code: "PEERS", name: "Peer hours", unit: "hours", direction: .higher,
                    target: try value("12.5"),
                    weight: 1000, rule: .threshold),
            ],
            shares: [
                try OutcomeShare(partner: "council", share: 3333),
                try OutcomeShare(partner: "trust", share: 6667),
            ])
        #expect(
            try json(terms)
                == #"{"frequency":"quarter","measures":[{"baseline":null,"code":"CARE_PLANS","direction":"higher","name":"Care plans","periods":[{"cap":null,"floor":75,"period":"FY2025-Q1","target":80},{"cap":null,"floor":75,"period":"FY2025-Q2","target":85},{"cap":null,"floor":75,"period":"FY2025-Q3","target":90},{"cap":99.5,"floor":75,"period":"FY2025-Q4","target":95}],"reporter":"trust","rule":{"cap":null,"floor":80,"type":"linear"},"target":90,"unit":"%","weight":6000},{"baseline":40,"code":"WAITS","direction":"lower","name":"Waits","periods":[],"reporter":null,"rule":{"bands":[{"factor":5000,"from":35},{"factor":10000,"from":30}],"type":"bands"},"target":30,"unit":"days","weight":3000},{"baseline":null,"code":"PEERS","direction":"higher","name":"Peer hours","periods":[],"reporter":null,"rule":{"type":"threshold"},"target":12.5,"unit":"hours","weight":1000}],"pool":100000,"shares":[{"partner":"council","share":3333},{"partner":"trust","share":6667}],"year":"FY2025"}"#
        )
        let payment = OutcomePayment(
            period: "FY2025-Q1", year: 2025, termsDecision: "D-0002", pool: 25_000, terms: terms,
            actuals: ["CARE_PLANS": try value("85"), "WAITS": try value("33")],
            posted: SettlementPosting(decision: "D-0003", entry: 40, postedAt: Self.instant))
        #expect(
            try json(payment)
                == #"{"allocations":[{"amount":6249,"partner":"council","share":3333},{"amount":12501,"partner":"trust","share":6667}],"earned":18750,"measured":false,"measures":[{"actual":85,"attainment":10000,"code":"CARE_PLANS","direction":"higher","earned":15000,"flag":null,"measurement":null,"name":"Care plans","reported":null,"reporter":"trust","state":null,"target":80,"unit":"%","weight":6000},{"actual":33,"attainment":5000,"code":"WAITS","direction":"lower","earned":3750,"flag":null,"measurement":null,"name":"Waits","reported":null,"reporter":null,"state":null,"target":30,"unit":"days","weight":3000},{"actual":null,"attainment":0,"code":"PEERS","direction":"higher","earned":0,"flag":null,"measurement":null,"name":"Peer hours","reported":null,"reporter":null,"state":null,"target":12.5,"unit":"hours","weight":1000}],"period":"FY2025-Q1","pool":25000,"posted":{"decision":"D-0003","entry":40,"postedAt":"2025-04-01T00:00:00.123456Z"},"termsDecision":"D-0002","unearned":6250,"validated":false,"year":"FY2025"}"#
        )

        let riskTerms = try RiskShareTerms(
            year: 2025,
            gain: [
                try RiskShare(partner: "trust", share: 6000, cap: 500),
                try RiskShare(partner: "council", share: 4000),
            ],
            pain: [
                try RiskShare(partner: "trust", share: 7000),
                try RiskShare(partner: "charity", share: 3000, cap: 90),
            ])
        let gain = RiskShareStatement(
            termsDecision: "D-0001", terms: riskTerms,
            position: riskTerms.position(target: 10_000, actual: 8_000),
            settled: nil)
        #expect(
            try json(gain)
                == #"{"actual":8000,"allocations":[{"amount":500,"cap":500,"capped":true,"partner":"trust","share":6000},{"amount":1500,"cap":null,"capped":false,"partner":"council","share":4000}],"difference":2000,"fee":null,"ownerPays":null,"ownerSide":0,"partnerSide":2000,"partnerSideBeforeCap":2000,"partnersReceive":null,"settled":null,"target":10000,"terms":{"gain":[{"cap":500,"partner":"trust","share":6000},{"cap":null,"partner":"council","share":4000}],"pain":[{"cap":null,"partner":"trust","share":7000},{"cap":90,"partner":"charity","share":3000}],"partnerSide":{"fee":null,"gainBands":[{"share":10000,"upTo":null}],"gainCap":null,"painBands":[{"share":10000,"upTo":null}],"painCap":null},"year":"FY2025"},"termsDecision":"D-0001","unallocated":0,"year":"FY2025"}"#
        )
        let pain = RiskShareStatement(
            termsDecision: "D-0001", terms: riskTerms,
            position: riskTerms.position(target: 10_000, actual: 10_900),
            settled: SettlementPosting(decision: "D-0004", entry: 12, postedAt: Self.instant))
        #expect(
            try json(pain)
                == #"{"actual":10900,"allocations":[{"amount":-810,"cap":null,"capped":false,"partner":"trust","share":7000},{"amount":-90,"cap":90,"capped":true,"partner":"charity","share":3000}],"difference":-900,"fee":null,"ownerPays":null,"ownerSide":0,"partnerSide":-900,"partnerSideBeforeCap":-900,"partnersReceive":null,"settled":{"decision":"D-0004","entry":12,"postedAt":"2025-04-01T00:00:00.123456Z"},"target":10000,"terms":{"gain":[{"cap":500,"partner":"trust","share":6000},{"cap":null,"partner":"council","share":4000}],"pain":[{"cap":null,"partner":"trust","share":7000},{"cap":90,"partner":"charity","share":3000}],"partnerSide":{"fee":null,"gainBands":[{"share":10000,"upTo":null}],"gainCap":null,"painBands":[{"share":10000,"upTo":null}],"painCap":null},"year":"FY2025"},"termsDecision":"D-0001","unallocated":0,"year":"FY2025"}"#
        )
    }

    @Test func riskShareTermsWithBandsCapsAndAFee() throws {
        let terms = try RiskShareTerms(
            year: 2026,
            gain: [try RiskShare(partner: "trust", share: 10_000, cap: 1_000_000)],
            pain: [try RiskShare(partner: "trust", share: 10_000)],
            partnerSide: try RiskSharePartnerSide(
                gainBands: [
                    try RiskShareBand(upTo: 1000, share: 5000), try RiskShareBand(upTo: nil, share: 2500),
                ],
                painBands: [try RiskShareBand(upTo: nil, share: 10_000)], gainCap: 2_000_000, painCap: nil,
                fee: 300_000))
        #expect(
            try json(terms)
                == #"{"gain":[{"cap":1000000,"partner":"trust","share":10000}],"pain":[{"cap":null,"partner":"trust","share":10000}],"partnerSide":{"fee":300000,"gainBands":[{"share":5000,"upTo":1000},{"share":2500,"upTo":null}],"gainCap":2000000,"painBands":[{"share":10000,"upTo":null}],"painCap":null},"year":"FY2026"}"#
        )
    }
}
