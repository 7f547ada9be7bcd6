import Dates
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// Where a row is read back, a value the program does not know is a decoding error naming its
/// column, never a silent default or a silently dropped element. Each test reads the row once as
/// written, then writes a value no version of the program wrote, straight through SQL as the
/// owner with triggers off and the column's check, where its table has one, dropped (in the
/// test's own database), and reads again.
@Suite(.timeLimit(.perTest)) struct StoredValueReadTests {
    /// Runs `sql` as the owner with triggers off, and the named check, if any, dropped.
    static func tamper(
        _ database: TestDatabase, dropping constraint: (table: String, name: String)?, _ sql: PostgresQuery
    )
        async throws
    {
        try await database.pool.withConnection { connection in
            if let constraint {
                try await connection.execute(
                    "ALTER TABLE \(identifier: constraint.table) DROP CONSTRAINT \(identifier: constraint.name)"
                )
            }
            try await connection.execute("SET session_replication_role = replica")
            try await connection.execute(sql)
            try await connection.execute("RESET session_replication_role")
        }
    }

    static func isDecodingError(_ error: any Error, column: String) -> Bool {
        guard let error = error as? PostgresError else { return false }
        return error.kind == .decoding && error.column == column
    }

    @Test func aRoleThisProgramDoesNotKnowIsAnErrorNotADroppedRole() async throws {
        try await DirectoryFixture.with { fixture in
            let person = try #require(fixture.people["finance-lambeth"])
            #expect(
                try await fixture.directory.person(person.id, in: fixture.alliance.id).roles == [
                    .finance, .board,
                ])
            try await Self.tamper(
                fixture.database, dropping: ("role_grants", "role_grants_role"),
                "UPDATE role_grants SET role = 'treasurer' WHERE person_id = \(person.id) AND role = 'finance'"
            )
            await #expect {
                try await fixture.directory.person(person.id, in: fixture.alliance.id)
            } throws: { Self.isDecodingError($0, column: "roles") }
            await #expect {
                try await fixture.directory.people(in: fixture.alliance.id)
            } throws: { Self.isDecodingError($0, column: "roles") }
        }
    }

    /// A validated measurement read back with a verdict, then a reviewer's role, that this
    /// program does not know.
    @Test func aReviewThisProgramDoesNotKnowIsAnErrorNotAProvisionalFigure() async throws {
        try await BoardFixture.with { board in
            let outcomes = OutcomeBook(pool: board.pool)
            try await Board.carry(
                .outcomesSetTerms(try WorkedExampleTests.o1Terms()), in: board.alliance, pool: board.pool)
            let recorded = try await outcomes.record(
                try OutcomeTests.measurement("CARE_PLANS", "FY2025", 85), in: board.alliance,
                by: try board.directory.caller("finance-slam"))
            _ = try await outcomes.validate(
                recorded.id, in: board.alliance, by: try board.directory.caller("auditor"))
            let validated = try await outcomes.measurement(recorded.id, in: board.alliance)
            #expect(validated.state == .validated)
            #expect(validated.review?.role == .auditor)

            try await Self.tamper(
                board.directory.database,
                dropping: ("outcome_measurement_reviews", "outcome_measurement_reviews_reviewer"),
                "UPDATE outcome_measurement_reviews SET reviewer_role = 'treasurer' WHERE measurement_id = \(recorded.id)"
            )
            await #expect {
                try await outcomes.measurement(recorded.id, in: board.alliance)
            } throws: { Self.isDecodingError($0, column: "reviewer_role") }

            try await Self.tamper(
                board.directory.database,
                dropping: ("outcome_measurement_reviews", "outcome_measurement_reviews_verdict"),
                """
                UPDATE outcome_measurement_reviews SET verdict = 'disputed', note = 'unclear', reviewer_role = 'auditor'
                WHERE measurement_id = \(recorded.id)
                """)
            await #expect {
                try await outcomes.measurement(recorded.id, in: board.alliance)
            } throws: { Self.isDecodingError($0, column: "verdict") }
        }
    }

    @Test func aPaymentRuleThisProgramDoesNotKnowIsAnErrorNotAThreshold() async throws {
        try await BoardFixture.with { board in
            let outcomes = OutcomeBook(pool: board.pool)
            try await Board.carry(
                .outcomesSetTerms(try WorkedExampleTests.o1Terms()), in: board.alliance, pool: board.pool)
            let rules = try await outcomes.terms(year: 2025, in: board.alliance).terms.measures.map(\.rule)
            #expect(rules == (try WorkedExampleTests.o1Terms()).measures.map(\.rule))
            try await Self.tamper(
                board.directory.database, dropping: ("outcome_measures", "outcome_measures_rule"),
                "UPDATE outcome_measures SET rule = 'stepped' WHERE code = 'CARE_PLANS'")
            await #expect {
                try await outcomes.terms(year: 2025, in: board.alliance)
            } throws: { Self.isDecodingError($0, column: "rule") }
        }
    }

    /// The open data's spend rows: a supplier type, then an irrecoverable VAT, that this
    /// program does not know.
    @Test func aSupplierTypeOrVATThisProgramDoesNotKnowIsAnErrorInTheOpenData() async throws {
        try await StatementFixture.with { fixture in
            let recorded = try await fixture.spend.record(
                try SpendRequest(
                    partner: "slam", budgetLine: "STAFF", amount: 30_000_00, incurredOn: date(2025, 7, 1),
                    description: "Agency nurses, July", supplier: "Acme Staffing Ltd", reference: "E",
                    supplierType: .company, irrecoverableVAT: 6_000_00),
                in: fixture.alliance, by: try fixture.board.directory.caller("finance-slam"))
            let alliance = fixture.alliance
            /// The supplier type and VAT of the recorded spend, as the open data reads them.
            func spendLine() async throws -> (supplierType: SupplierType?, irrecoverableVAT: Int64?)? {
                try await fixture.board.pool.withConnection { connection in
                    let period = try Period(
                        parsing: "FY2025", financialYearStartMonth: alliance.financialYearStartMonth)
                    let statement = try await StatementBuilder.build(period, in: alliance, on: connection)
                    return try await OpenDataSource.read(
                        statement, alliance: alliance,
                        thresholds: try await TransparencyThresholds.of(alliance.id, on: connection),
                        on: connection
                    ).spend.first { $0.sequence == recorded.id }.map {
                        ($0.supplierType, $0.irrecoverableVAT)
                    }
                }
            }
            let line = try #require(try await spendLine())
            #expect(line.supplierType == .company)
            #expect(line.irrecoverableVAT == 6_000_00)
            let database = fixture.board.directory.database

            // An entry's values are checked as it is appended (SQL/0027), which an UPDATE under
            // the replica role is not: nothing to drop.
            try await Self.tamper(
                database, dropping: nil,
                """
                UPDATE journal_entries SET metadata = jsonb_set(metadata, '{supplierType}', '"partnership"')
                WHERE alliance_id = \(alliance.id.rawValue) AND sequence = \(recorded.id)
                """)
            await #expect { try await spendLine() } throws: {
                Self.isDecodingError($0, column: "supplier_type")
            }

            try await Self.tamper(
                database, dropping: nil,
                """
                UPDATE journal_entries
                SET metadata = jsonb_set(jsonb_set(metadata, '{supplierType}', '"company"'), '{irrecoverableVat}', '"6000.00"')
                WHERE alliance_id = \(alliance.id.rawValue) AND sequence = \(recorded.id)
                """)
            await #expect { try await spendLine() } throws: {
                Self.isDecodingError($0, column: "irrecoverable_vat")
            }
        }
    }
}
