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
}
