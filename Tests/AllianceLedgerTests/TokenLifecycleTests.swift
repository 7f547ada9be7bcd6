import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// A leaked token must be findable and revocable by its id, whoever it belongs to; a token may
/// expire; a revocation is final; and reads do not each write "last used".
@Suite(.timeLimit(.perTest)) struct TokenLifecycleTests {
    /// Operator tokens once could not be revoked at all, and nothing showed any token's id.
    @Test func operatorTokensAreListedAndRevokedByTheirIdAlone() async throws {
        try await DirectoryFixture.with { fixture in
            let tokens = TokenStore(pool: fixture.pool)
            let issued = try await tokens.issueOperator()
            let other = try await tokens.issueOperator()
            let listed = try await tokens.operatorTokens(by: .commandLine)
            #expect(listed.map(\.id) == [issued.id, other.id])
            #expect(listed.allSatisfy { $0.person == nil && $0.revokedAt == nil && $0.expiresAt == nil })

            let finance = try fixture.caller("finance-slam")
            await #expect(throws: LedgerError.self) { try await tokens.operatorTokens(by: finance) }
            // To a person, an operator token is as unknown as a missing one.
            await #expect(throws: LedgerError.tokenNotFound(issued.id)) {
                try await tokens.revoke(issued.id, by: finance)
            }
            #expect(try await tokens.authenticate(issued.token).identity == .operator)

            // An operator token revokes another, or itself.
            let holder = try await tokens.authenticate(other.token)
            let revoked = try await tokens.revoke(issued.id, by: holder)
            #expect(revoked.revokedAt != nil)
            await #expect(throws: LedgerError.unauthenticated("the token is unknown or revoked")) {
                try await tokens.authenticate(issued.token)
            }
            #expect(try await tokens.revoke(issued.id, by: .commandLine) == revoked, "once only")
            await #expect(throws: LedgerError.tokenNotFound(other.id + 100)) {
                try await tokens.revoke(other.id + 100, by: .commandLine)
            }
        }
    }

    @Test func aPersonsTokenIsRevokedByItsIdAloneAsTheLibrarysRulesSay() async throws {
        try await DirectoryFixture.with { fixture in
            let tokens = TokenStore(pool: fixture.pool)
            let finance = try #require(fixture.people["finance-slam"])
            let board = try #require(fixture.people["board-slam"])
            let financeToken = try await tokens.issue(for: finance)
            let boardToken = try await tokens.issue(for: board)
            let financeCaller = try await tokens.authenticate(financeToken)
            let boardCaller = try await tokens.authenticate(boardToken)
            let boardTokenID = try #require(boardCaller.tokenID)
            // Not an admin: another person's token is not theirs to revoke.
            await #expect(throws: LedgerError.self) {
                try await tokens.revoke(boardTokenID, by: financeCaller)
            }
            let own = try await tokens.revoke(try #require(financeCaller.tokenID), by: financeCaller)
            #expect(own.revokedAt != nil && own.person == finance.id)
            let logged = try await GovernanceLog(pool: fixture.pool).records(
                in: fixture.alliance.id, page: try PageRequest(limit: 500, order: .newestFirst, cursor: nil),
                by: .commandLine)
            #expect(
                logged.items.contains { $0.kind == "token.revoked" && $0.details["token"] == String(own.id) })
            _ = try await tokens.revoke(boardTokenID, by: .commandLine)
            await #expect(throws: LedgerError.self) { try await tokens.authenticate(boardToken) }
        }
    }

    @Test func eachSeesTheTokensTheyMayAndNeverASecret() async throws {
        try await DirectoryFixture.with { fixture in
            let tokens = TokenStore(pool: fixture.pool)
            var ids: [String: Int64] = [:]
            for key in ["finance-slam", "board-slam", "admin"] {
                let token = try await tokens.issue(for: try #require(fixture.people[key]))
                ids[key] = try await tokens.authenticate(token).tokenID
            }
            _ = try await tokens.issueOperator()
            let all = try await tokens.tokens(in: fixture.alliance, by: .commandLine)
            #expect(all.map(\.id) == [ids["finance-slam"], ids["board-slam"], ids["admin"]])
            let own = try await tokens.tokens(in: fixture.alliance, by: try fixture.caller("finance-slam"))
            #expect(own.map(\.id) == [ids["finance-slam"]])
            // sel-icb's admin manages sel-icb's people, not slam's.
            let admin = try await tokens.tokens(in: fixture.alliance, by: try fixture.caller("admin"))
            #expect(admin.map(\.id) == [ids["admin"]])
        }
    }

    @Test func anExpiredTokenIsRefusedByTheLibraryAndTheDatabase() async throws {
        try await DirectoryFixture.with { fixture in
            let tokens = TokenStore(pool: fixture.pool, usage: TokenUsage(interval: .zero))
            let person = try #require(fixture.people["finance-slam"])
            let past = Timestamp(Date(timeIntervalSinceNow: -60))
            await #expect(
                throws: LedgerError.invalidField("expiresAt", reason: "must be in the future")
            ) {
                try await tokens.issueOperator(expiresAt: past)
            }
            let later = Timestamp(Date(timeIntervalSinceNow: 3600))
            let issued = try await fixture.pool.withTransaction { connection in
                try await tokens.issue(
                    for: person, in: fixture.alliance, by: .commandLine, expiresAt: later, on: connection)
            }
            #expect(try await tokens.authenticate(issued.token).tokenID == issued.id)
            #expect(try await tokens.token(issued.id, of: person).expiresAt == later)
            // One that expired an hour ago, written as only the schema's owner could (the
            // service's role cannot date a token's creation, and no one can issue it expired).
            let expiredToken = "alt_expired-\(UUID().uuidString)"
            let expiredID = try await fixture.database.pool.withConnection { connection in
                try await connection.query(
                    """
                    INSERT INTO api_tokens (token_hash, issuer, created_at, expires_at)
                    VALUES (sha256(convert_to(\(expiredToken), 'UTF8')), 'operator',
                            now() - interval '2 hours', now() - interval '1 hour')
                    RETURNING id
                    """
                ).single().decode("id", as: Int64.self)
            }
            await #expect(throws: LedgerError.unauthenticated("the token has expired")) {
                try await tokens.authenticate(expiredToken)
            }

            try await fixture.expectDatabaseRefuses([
                // Issued already expired.
                """
                INSERT INTO api_tokens (token_hash, issuer, expires_at)
                VALUES (sha256('x'), 'operator', now() - interval '1 hour')
                """,
                // Used after its expiry.
                "UPDATE api_tokens SET last_used_at = now() WHERE id = \(expiredID)",
                // Given more time: an expiry is set once, at issue.
                "UPDATE api_tokens SET expires_at = NULL WHERE id = \(issued.id)",
            ])
        }
    }

    /// The service's role could once set revoked_at back to NULL in principle; the database
    /// refuses any change to a revoked token, whatever the library would have checked.
    @Test func aRevocationIsFinalEvenForTheServiceRole() async throws {
        try await DirectoryFixture.with { fixture in
            let tokens = TokenStore(pool: fixture.pool)
            let issued = try await tokens.issueOperator()
            _ = try await tokens.revoke(issued.id, by: .commandLine)
            try await fixture.expectDatabaseRefuses([
                """
                UPDATE api_tokens SET revoked_at = NULL, revoker = NULL, revoker_person_id = NULL,
                                      revoker_token_id = NULL
                WHERE id = \(issued.id)
                """,
                "UPDATE api_tokens SET revoked_at = revoked_at + interval '1 day' WHERE id = \(issued.id)",
            ])
        }
    }

    /// Every authentication once wrote "last used" (at most once a minute per token, but a busy
    /// service has many tokens): uses are now noted in memory and written in one statement per
    /// interval.
    @Test func usesAreWrittenInBatchesNotOnEachRead() async throws {
        try await DirectoryFixture.with { fixture in
            let tokens = TokenStore(pool: fixture.pool, usage: TokenUsage(interval: .seconds(3600)))
            let first = try await tokens.issueOperator()
            let second = try await tokens.issueOperator()
            func lastUsed() async throws -> [Date?] {
                try await fixture.pool.withConnection { connection in
                    try await connection.query(
                        "SELECT last_used_at FROM api_tokens WHERE id IN (\(first.id), \(second.id)) ORDER BY id"
                    ).map { try $0.decode("last_used_at", as: Date?.self) }
                }
            }
            for _ in 0..<5 {
                _ = try await tokens.authenticate(first.token)
                _ = try await tokens.authenticate(second.token)
            }
            #expect(try await lastUsed() == [nil, nil])
            try await tokens.flushUsage()
            let written = try await lastUsed()
            #expect(written.allSatisfy { $0 != nil })

            // Once the interval has passed, the next authentication writes the batch.
            let eager = TokenStore(pool: fixture.pool, usage: TokenUsage(interval: .zero))
            _ = try await tokens.revoke(second.id, by: .commandLine)
            _ = try await eager.authenticate(first.token)
            let after = try await lastUsed()
            #expect(try #require(after[0]) > (try #require(written[0])))
            #expect(after[1] == written[1])
        }
    }
}
