import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// Publications asked for in the background (SQL/0014): checked when asked, carried out once as
/// the person who asked, failed with the refusal they meet, and kept as they finished.
@Suite(.timeLimit(.perTest)) struct PublicationTests {
    static let origin = "ledger.example.org/alliances/statements"

    /// How the test answers a refusal: every LedgerError is one, anything else is not.
    static let refusal: @Sendable (any Error) -> Publication.Failure? = { error in
        (error as? LedgerError).map {
            Publication.Failure(
                status: 409, type: "/problems/refused", title: "Refused", detail: $0.description)
        }
    }

    static func ask(
        _ fixture: StatementFixture, _ period: String, supersedes: String? = nil, reason: String? = nil,
        by person: String = "finance-slam"
    ) async throws -> Publication {
        try await fixture.board.pool.withTransaction { connection in
            try await fixture.statements.requestPublication(
                try PublicationRequest(period: period, supersedes: supersedes, reason: reason),
                origin: origin,
                in: fixture.alliance, by: try fixture.board.directory.caller(person), on: connection)
        }
    }

    @Test func aPublicationAskedForIsCarriedOutOnceAsThePersonWhoAsked() async throws {
        try await StatementFixture.with { fixture in
            let statements = fixture.statements
            let asked = try await Self.ask(fixture, "FY2025")
            #expect(asked.state == .pending && asked.statement == nil && asked.finishedAt == nil)
            #expect(asked.requestedBy == "finance-slam@example.org" && asked.period == "FY2025")
            #expect(try await statements.pendingPublications().map(\.id) == [asked.id])

            // Checked as publishing checks, when asked; and one at a time in an alliance.
            await #expect(throws: LedgerError.self) { _ = try await Self.ask(fixture, "2025-06") }
            await #expect(throws: LedgerError.self) { _ = try await Self.ask(fixture, "FY2099") }
            await #expect(throws: LedgerError.self) {
                _ = try await Self.ask(fixture, "2025-06", by: "auditor")
            }
            await #expect(throws: LedgerError.self) {
                _ = try await statements.publication(asked.id + 1, in: fixture.alliance.id)
            }

            let done = try #require(
                try await statements.carryOut(asked.id, in: fixture.alliance.id, failure: Self.refusal))
            #expect(done.state == .published && done.statement == "S-0001" && done.failure == nil)
            #expect(done.finishedAt != nil)
            let listed = try await statements.list(in: fixture.alliance.id)
            #expect(listed.map(\.number) == ["S-0001"])
            #expect(listed.first?.publishedBy == "finance-slam@example.org")
            #expect(try await statements.publication(asked.id, in: fixture.alliance.id) == done)

            // Carried out once: nothing is pending, and a second carrying-out does nothing.
            #expect(
                try await statements.carryOut(asked.id, in: fixture.alliance.id, failure: Self.refusal) == nil
            )
            #expect(try await statements.pendingPublications().isEmpty)
            #expect(try await statements.list(in: fixture.alliance.id).count == 1)

            // A finished request never changes again.
            try await fixture.board.directory.expectDatabaseRefuses([
                "UPDATE statement_publications SET state = 'pending', finished_at = NULL, statement_number = NULL",
                "UPDATE statement_publications SET state = 'failed', statement_number = NULL, failure = '{\"status\":409,\"type\":\"/problems/x\",\"title\":\"x\",\"detail\":\"x\"}'",
                "UPDATE statement_publications SET period = '2025-06'",
                "DELETE FROM statement_publications",
                "TRUNCATE statement_publications",
            ])
        }
    }

    @Test func aPublicationRefusedWhenCarriedOutFailsWithTheRefusal() async throws {
        try await StatementFixture.with { fixture in
            let statements = fixture.statements
            let asked = try await Self.ask(fixture, "FY2025")
            // Published at once by someone else while the request waited.
            _ = try await fixture.publish("FY2025")
            let failed = try #require(
                try await statements.carryOut(asked.id, in: fixture.alliance.id, failure: Self.refusal))
            #expect(failed.state == .failed && failed.statement == nil && failed.finishedAt != nil)
            #expect(failed.failure?.status == 409 && failed.failure?.type == "/problems/refused")
            #expect(failed.failure?.detail.contains("has statement S-0001") == true, "\(failed)")
            #expect(try await statements.list(in: fixture.alliance.id).map(\.number) == ["S-0001"])

            // An error the service does not answer as a refusal leaves the request pending, to be
            // carried out again; the refusal, when told as one, fails it.
            let restated = try await Self.ask(
                fixture, "FY2025", supersedes: "S-0001", reason: "A late invoice")
            #expect(restated.supersedes == "S-0001" && restated.reason == "A late invoice")
            _ = try await fixture.publish("FY2025", supersedes: "S-0001", reason: "Restated at once")
            await #expect(throws: LedgerError.self) {
                _ = try await statements.carryOut(restated.id, in: fixture.alliance.id, failure: { _ in nil })
            }
            #expect(try await statements.publication(restated.id, in: fixture.alliance.id).state == .pending)
            let refused = try #require(
                try await statements.carryOut(restated.id, in: fixture.alliance.id, failure: Self.refusal))
            #expect(
                refused.state == .failed && refused.failure?.detail.contains("S-0002") == true, "\(refused)")
            #expect(try await statements.list(in: fixture.alliance.id).map(\.number) == ["S-0002", "S-0001"])
        }
    }

    @Test func theDatabaseTakesRequestsFromFinanceLeadsAndBoardMembersOneAtATime() async throws {
        try await StatementFixture.with { fixture in
            _ = try await Self.ask(fixture, "FY2025")
            try await fixture.board.directory.expectDatabaseRefuses([
                // an auditor, and a second pending request of the alliance
                """
                INSERT INTO statement_publications (alliance_id, period, origin, requested_by)
                SELECT alliance_id, '2025-06', 'x', id FROM people WHERE email = 'auditor@example.org'
                """,
                """
                INSERT INTO statement_publications (alliance_id, period, origin, requested_by)
                SELECT alliance_id, '2025-06', 'x', id FROM people WHERE email = 'finance-lambeth@example.org'
                """,
                // finished by fiat: published without a statement, failed without a reason
                "UPDATE statement_publications SET state = 'published', finished_at = now(), statement_number = 1",
                "UPDATE statement_publications SET state = 'failed', finished_at = now(), failure = '{}'",
            ])
        }
    }
}
