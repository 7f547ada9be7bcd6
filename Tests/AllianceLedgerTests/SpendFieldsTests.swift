import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The optional spend fields the transparency files need: expense type, supplier type and id,
/// irrecoverable VAT. Recorded, imported and read back; refused by the library and by the
/// database alike; absent from spend recorded without them.
@Suite(.timeLimit(.perTest)) struct SpendFieldsTests {
    static func request(
        supplierType: SupplierType? = .company, supplierID: String = "01234567", vat: Int64? = 2_469
    ) throws -> SpendRequest {
        try SpendRequest(
            partner: "slam", budgetLine: "STAFF", amount: 12_345, incurredOn: date(2025, 5, 14),
            description: "agency nurses", supplier: "Acme Staffing Ltd", reference: "INV-1",
            expenseType: try ExpenseType(code: "5201", label: "Agency staff"), supplierType: supplierType,
            supplierID: supplierID, irrecoverableVAT: vat)
    }

    @Test func recordedFieldsAreKeptInTheEntryAndReadBack() async throws {
        try await DirectoryFixture.with { fixture in
            let book = SpendBook(ledger: Ledger(pool: fixture.pool))
            let spend = try await book.record(
                try Self.request(), in: fixture.alliance, by: try fixture.caller("finance-slam"))
            let read = try await book.spend(spend.id, in: fixture.alliance.id)
            #expect(read.expenseType == (try ExpenseType(code: "5201", label: "Agency staff")))
            #expect(read.supplierType == .company)
            #expect(read.supplierID == "01234567")
            #expect(read.irrecoverableVAT == 2_469)
            let entry = try await book.ledger.entry(spend.id, in: fixture.alliance.id)
            #expect(
                entry.metadata == [
                    "partner": "slam", "budgetLine": "STAFF", "supplier": "Acme Staffing Ltd",
                    "reference": "INV-1", "expenseType": "5201", "expenseTypeLabel": "Agency staff",
                    "supplierType": "company", "supplierId": "01234567", "irrecoverableVat": "2469",
                ])

            // Without them, the metadata is what it always was: the entry hashes as before.
            let plain = try await book.record(
                try SpendRequest(
                    partner: "slam", budgetLine: "STAFF", amount: 100, incurredOn: date(2025, 5, 15),
                    description: "tea", reference: "INV-2"),
                in: fixture.alliance, by: try fixture.caller("finance-slam"))
            #expect(
                try await book.ledger.entry(plain.id, in: fixture.alliance.id).metadata.keys.sorted() == [
                    "budgetLine", "partner", "reference", "supplier",
                ])
            #expect(plain.expenseType == nil && plain.supplierType == nil && plain.irrecoverableVAT == nil)
        }
    }

    @Test func badFieldsAreRefusedByTheLibrary() throws {
        #expect(
            throws: LedgerError.invalidField(
                "supplierId", reason: "is not recorded for an individual: it would be personal data")
        ) {
            try Self.request(supplierType: .individual)
        }
        #expect(throws: LedgerError.self) { try Self.request(supplierType: nil) }
        #expect(throws: LedgerError.self) { try Self.request(supplierID: "01 234") }
        #expect(throws: LedgerError.self) { try Self.request(supplierID: "-0123") }
        #expect(throws: LedgerError.self) { try Self.request(vat: -1) }
        #expect(throws: LedgerError.self) { try Self.request(vat: Money.maximumAmount + 1) }
        #expect(throws: LedgerError.self) { try ExpenseType(code: " ") }
        #expect(throws: LedgerError.self) { try SupplierType(parsing: "person", field: "supplierType") }
        #expect((try Self.request(supplierType: .individual, supplierID: "")).supplierType == .individual)
        #expect((try Self.request(vat: 0)).irrecoverableVAT == 0)
    }

    /// Entries posted around the library's checks: the database refuses the same.
    @Test func theDatabaseRefusesWhatTheLibraryRefuses() async throws {
        try await DirectoryFixture.with { fixture in
            let ledger = Ledger(pool: fixture.pool)
            let before = try await fixture.snapshot()
            for (metadata, constraint) in [
                (["supplierType": "person"], "journal_entries_spend_supplier_type"),
                (
                    ["supplierType": "individual", "supplierId": "01234567"],
                    "journal_entries_spend_supplier_id"
                ),
                (["supplierId": "01234567"], "journal_entries_spend_supplier_id"),
                (
                    ["supplierType": "company", "supplierId": "0123 4567"],
                    "journal_entries_spend_supplier_id"
                ),
                (["irrecoverableVat": "-1"], "journal_entries_spend_irrecoverable_vat"),
                (["irrecoverableVat": "1000000000001"], "journal_entries_spend_irrecoverable_vat"),
                (["irrecoverableVat": "01"], "journal_entries_spend_irrecoverable_vat"),
                (["expenseTypeLabel": "Agency staff"], "journal_entries_spend_expense_type"),
                (["expenseType": " "], "journal_entries_spend_expense_type"),
            ] {
                let request = try EntryRequest(
                    kind: .spend, effectiveOn: date(2025, 5, 14), description: "agency nurses",
                    metadata: ["partner": "slam", "budgetLine": "STAFF"].merging(metadata) { $1 },
                    postings: [
                        .init(try AccountCode("partner:slam:cost:STAFF"), 100),
                        .init(try AccountCode("partner:slam:funding"), -100),
                    ],
                    recordedBy: "operator")
                do {
                    _ = try await ledger.post(request, to: fixture.alliance.id)
                    Issue.record("the database accepted \(metadata)")
                } catch {
                    #expect(String(reflecting: error).contains(constraint), "\(metadata): \(error)")
                }
            }
            #expect(try await fixture.snapshot() == before)
        }
    }

    // MARK: CSV

    static let header = "date,partner,budget_line,amount,description,supplier,reference"

    @Test func theImportFileMayAddTheOptionalColumnsInAnyOrder() async throws {
        let text =
            Self.header + ",irrecoverable_vat,supplier_type,expense_type,supplier_id,expense_type_label\r\n"
            + "2025-05-14,slam,STAFF,123.45,Agency nurses,Acme,INV-1,24.69,company,5201,01234567,Agency staff\r\n"
            + "2025-05-15,slam,STAFF,10,Tea,,INV-2,,,,,\r\n"
        let rows = try await SpendCSVTests.read(text)
        #expect(rows.count == 2)
        let first = try rows[0].get()
        #expect(first.irrecoverableVAT == 2_469)
        #expect(first.supplierType == .company)
        #expect(first.supplierID == "01234567")
        #expect(first.expenseType == (try ExpenseType(code: "5201", label: "Agency staff")))
        let second = try rows[1].get()
        #expect(second.irrecoverableVAT == nil && second.supplierType == nil && second.expenseType == nil)
        #expect(second.supplierID == "")
    }

    @Test func badOptionalColumnsAndValuesAreNamed() async throws {
        await #expect(
            throws: SpendCSVError.badHeader(
                reason:
                    "column 8 is \"vat\", not one of the optional columns expense_type, expense_type_label, supplier_type, supplier_id, irrecoverable_vat"
            )
        ) { try await SpendCSVTests.read(Self.header + ",vat\n") }
        await #expect(throws: SpendCSVError.badHeader(reason: "column 9 repeats supplier_type")) {
            try await SpendCSVTests.read(Self.header + ",supplier_type,supplier_type\n")
        }
        let rows = try await SpendCSVTests.read(
            Self.header + ",supplier_type,supplier_id,irrecoverable_vat,expense_type_label\n"
                + "2025-05-14,slam,STAFF,1,x,Jo Bloggs,R1,person,,-1,\n"
                + "2025-05-14,slam,STAFF,1,x,Jo Bloggs,R2,individual,AB123,0.001,Staff\n"
                + "2025-05-14,slam,STAFF,1,x,Jo Bloggs,R3,individual,,0,\n"
                + "2025-05-14,slam,STAFF,1,x,Acme,R4,company\n")
        #expect(
            rows == [
                SpendCSVTests.failure(
                    2,
                    "supplier_type must be one of company, charity, public-body, individual, not \"person\"; irrecoverable_vat -1 is negative; it must be zero or more"
                ),
                SpendCSVTests.failure(
                    3,
                    "expense_type_label needs an expense_type code; supplier_id \"AB123\" is not recorded for an individual: it would be personal data; irrecoverable_vat 0.001 has 3 decimal places, but GBP has 2"
                ),
                .success(
                    {
                        var row = SpendImportRow(
                            line: 4, incurredOn: date(2025, 5, 14), partner: "slam", budgetLine: "STAFF",
                            amount: 100, description: "x", supplier: "Jo Bloggs", reference: "R3")
                        row.supplierType = .individual
                        row.irrecoverableVAT = 0
                        return row
                    }()),
                SpendCSVTests.failure(5, "the line has 8 fields, not 11"),
            ])
    }

    @Test func anImportRecordsTheOptionalFieldsAsRecordingWould() async throws {
        try await DirectoryFixture.with { fixture in
            let report = try await SpendImportTests.importing(
                Array(
                    (Self.header
                        + ",expense_type,expense_type_label,supplier_type,supplier_id,irrecoverable_vat\n"
                        + "2025-05-14,slam,STAFF,123.45,agency nurses,Acme Staffing Ltd,INV-1,5201,Agency staff,company,01234567,24.69\n"
                        + "2025-05-15,slam,STAFF,1,tea,,INV-2,,,,,\n").utf8), fixture)
            #expect(report.recorded == 2)
            let book = SpendBook(ledger: Ledger(pool: fixture.pool))
            let imported = try await book.spend(try #require(report.firstSequence), in: fixture.alliance.id)
            let recorded = try await book.record(
                try SpendRequest(
                    partner: "slam", budgetLine: "STAFF", amount: 12_345, incurredOn: date(2025, 5, 14),
                    description: "agency nurses", supplier: "Acme Staffing Ltd", reference: "INV-9",
                    expenseType: try ExpenseType(code: "5201", label: "Agency staff"), supplierType: .company,
                    supplierID: "01234567", irrecoverableVAT: 2_469),
                in: fixture.alliance, by: .commandLine)
            let importedMetadata = try await book.ledger.entry(imported.id, in: fixture.alliance.id).metadata
            var recordedMetadata = try await book.ledger.entry(recorded.id, in: fixture.alliance.id).metadata
            recordedMetadata["reference"] = "INV-1"
            #expect(importedMetadata == recordedMetadata)
            let plain = try await book.spend(try #require(report.lastSequence), in: fixture.alliance.id)
            #expect(
                try await book.ledger.entry(plain.id, in: fixture.alliance.id).metadata.keys.sorted() == [
                    "budgetLine", "partner", "reference", "supplier",
                ])
        }
    }
}
