import Dates
import TestSupport
import Testing

@testable import AllianceLedger

/// The rules a spend must satisfy, and the entry it becomes and is read back from, alone with
/// no database: what `SpendBook.record` posts once the directory has found the partner.
@Suite(.timeLimit(.perTest)) struct SpendRulesTests {
    static let alliance = Alliance(
        id: AllianceID(7), slug: "south-london", name: "South London", currency: "GBP",
        financialYearStartMonth: 4, contractStart: date(2025, 4, 1), contractEnd: date(2030, 3, 31),
        abstention: .blocks, createdAt: Timestamp(microsecondsSince1970: 0))

    static func partner(joined: CalendarDate = date(2025, 4, 1), left: CalendarDate? = nil) -> Partner {
        Partner(
            id: 3, slug: "slam", name: "South London and Maudsley", kind: .nhsProvider, joinedOn: joined,
            leftOn: left, createdAt: Timestamp(microsecondsSince1970: 0))
    }

    /// The journal entry the ledger would record for `request`, as it reads back.
    static func recorded(_ request: EntryRequest, sequence: Int64 = 41) -> JournalEntry {
        JournalEntry(
            alliance: alliance.id, sequence: sequence, kind: request.kind, effectiveOn: request.effectiveOn,
            recordedAt: Timestamp(microsecondsSince1970: 1_748_736_000_000_000),
            recordedBy: request.recordedBy,
            description: request.description, metadata: request.metadata,
            idempotencyKey: request.idempotencyKey,
            requestHash: Digest(Array(repeating: 1, count: 32)), reverses: nil,
            previousHash: Digest(Array(repeating: 2, count: 32)),
            hash: Digest(Array(repeating: 3, count: 32)),
            postings: request.postings.enumerated().map { index, line in
                Posting(
                    line: index + 1, accountID: Int64(index + 1), account: line.account, amount: line.amount)
            })
    }

    @Test func aSpendDebitsTheLinesCostAndCreditsThePartnersFunding() throws {
        let request = try SpendRequest(
            partner: "slam", budgetLine: "STAFF", amount: 1250_00, incurredOn: date(2025, 6, 3),
            description: "Agency nurses", supplier: "NHS Professionals", reference: "INV-1")
        let entry = try request.entry(
            for: Self.partner(), in: Self.alliance, recordedBy: "finance@slam", idempotencyKey: "k-1")
        #expect(entry.kind == .spend)
        #expect(entry.effectiveOn == date(2025, 6, 3))
        #expect(
            entry.postings.map(\.account.rawValue) == ["partner:slam:cost:STAFF", "partner:slam:funding"])
        #expect(entry.postings.map(\.amount) == [1250_00, -1250_00])
        #expect(entry.idempotencyKey == "k-1")
        #expect(entry.metadata == SpendBook.metadata(request))
    }

    @Test func aSpendIsIncurredWithinThePartnersMembershipAndTheContract() throws {
        func request(_ day: CalendarDate) throws -> SpendRequest {
            try SpendRequest(
                partner: "slam", budgetLine: "STAFF", amount: 1, incurredOn: day, description: "x")
        }
        let member = Self.partner(joined: date(2025, 6, 1), left: date(2026, 3, 31))
        for day in [date(2025, 6, 1), date(2026, 3, 31)] {
            _ = try request(day).entry(
                for: member, in: Self.alliance, recordedBy: "f@slam", idempotencyKey: nil)
        }
        #expect(
            throws: LedgerError.invalidField(
                "incurredOn",
                reason: "2025-05-31 is outside slam's membership (from 2025-06-01 to 2026-03-31)")
        ) {
            try request(date(2025, 5, 31)).entry(
                for: member, in: Self.alliance, recordedBy: "f@slam", idempotencyKey: nil)
        }
        #expect(
            throws: LedgerError.invalidField(
                "incurredOn",
                reason: "2026-04-01 is outside slam's membership (from 2025-06-01 to 2026-03-31)")
        ) {
            try request(date(2026, 4, 1)).entry(
                for: member, in: Self.alliance, recordedBy: "f@slam", idempotencyKey: nil)
        }
        // A partner of the alliance since before the contract still spends only within it.
        let founder = Self.partner(joined: date(2020, 1, 1))
        #expect(
            throws: LedgerError.invalidField(
                "incurredOn", reason: "2030-04-01 is outside the contract's dates")
        ) {
            try request(date(2030, 4, 1)).entry(
                for: founder, in: Self.alliance, recordedBy: "f@slam", idempotencyKey: nil)
        }
        #expect(
            throws: LedgerError.invalidField(
                "incurredOn", reason: "2025-03-31 is outside the contract's dates")
        ) {
            try request(date(2025, 3, 31)).entry(
                for: founder, in: Self.alliance, recordedBy: "f@slam", idempotencyKey: nil)
        }
    }

    @Test func everySpendReadsBackAsItWasRecorded() throws {
        var random = SplitMix(seed: 17_2301)
        let types: [SupplierType?] = [nil] + SupplierType.allCases
        for index in 0..<1000 {
            let supplierType = types[Int.random(in: 0..<types.count, using: &random)]
            let request = try SpendRequest(
                partner: "slam", budgetLine: ["STAFF", "PREMISES", "PEER"][index % 3],
                amount: Int64.random(in: 1...1_000_000_000_00, using: &random),
                incurredOn: date(
                    2025, Int.random(in: 4...12, using: &random), Int.random(in: 1...28, using: &random)),
                description: "spend \(index)", supplier: Bool.random(using: &random) ? "Acme Ltd" : "",
                reference: Bool.random(using: &random) ? "INV-\(index)" : "",
                expenseType: Bool.random(using: &random)
                    ? try ExpenseType(
                        code: "E\(index % 7)", label: Bool.random(using: &random) ? "Agency staff" : "")
                    : nil,
                supplierType: supplierType,
                supplierID: supplierType == .company && Bool.random(using: &random) ? "SC012345" : "",
                irrecoverableVAT: Bool.random(using: &random)
                    ? Int64.random(in: 0...1_000_000, using: &random) : nil)
            let entry = try request.entry(
                for: Self.partner(), in: Self.alliance, recordedBy: "finance@slam", idempotencyKey: nil)
            let spend = try Spend(entry: Self.recorded(entry), reversedBy: nil, replayed: false)
            #expect(spend.id == 41)
            #expect(spend.partner == request.partner)
            #expect(spend.budgetLine == request.budgetLine)
            #expect(spend.amount == request.amount)
            #expect(spend.incurredOn == request.incurredOn)
            #expect(spend.description == request.description)
            #expect(spend.supplier == request.supplier)
            #expect(spend.reference == request.reference)
            #expect(spend.expenseType == request.expenseType)
            #expect(spend.supplierType == request.supplierType)
            #expect(spend.supplierID == request.supplierID)
            #expect(spend.irrecoverableVAT == request.irrecoverableVAT)
            #expect(spend.recordedBy == "finance@slam")
        }
    }

    /// A field the entry holds but this program cannot read is refused, never read as absent.
    @Test func aStoredFieldThisProgramDoesNotKnowIsAnError() throws {
        let request = try SpendRequest(
            partner: "slam", budgetLine: "STAFF", amount: 100, incurredOn: date(2025, 6, 3), description: "x",
            supplierType: .company, irrecoverableVAT: 20)
        let entry = Self.recorded(
            try request.entry(
                for: Self.partner(), in: Self.alliance, recordedBy: "f@slam", idempotencyKey: nil))
        func reading(_ key: String, as value: String) -> JournalEntry {
            var metadata = entry.metadata
            metadata[key] = value
            return JournalEntry(
                alliance: entry.alliance, sequence: entry.sequence, kind: entry.kind,
                effectiveOn: entry.effectiveOn,
                recordedAt: entry.recordedAt, recordedBy: entry.recordedBy, description: entry.description,
                metadata: metadata, idempotencyKey: nil, requestHash: entry.requestHash, reverses: nil,
                previousHash: entry.previousHash, hash: entry.hash, postings: entry.postings)
        }
        #expect(try Spend(entry: entry, reversedBy: nil, replayed: false).irrecoverableVAT == 20)
        for vat in ["twenty", "-5", "", "20.00"] {
            #expect(
                throws: LedgerError.invalidMetadata(
                    "irrecoverableVat of spend entry 41 is not a whole number of minor units")
            ) { try Spend(entry: reading("irrecoverableVat", as: vat), reversedBy: nil, replayed: false) }
        }
        #expect(throws: LedgerError.self) {
            try Spend(entry: reading("supplierType", as: "partnership"), reversedBy: nil, replayed: false)
        }
    }
}
