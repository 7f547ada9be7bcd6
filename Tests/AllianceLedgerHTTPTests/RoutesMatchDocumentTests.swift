import Foundation
import HTTPTypes
import Hummingbird
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger
@testable import AllianceLedgerHTTP

/// The operations the server registers are exactly the operations the OpenAPI document
/// describes, and the document the server answers with is that document.
@Suite(.timeLimit(.perTest)) struct RoutesMatchDocumentTests {
    @Test func everyRegisteredRouteIsDocumentedAndEveryDocumentedOneRegistered() async throws {
        let pool = try TestCluster.unreachablePool(maximumConnections: 1)
        // What Hummingbird itself registered, not a list kept beside it.
        let registered = Set(
            HTTPService.router(ledger: Ledger(pool: pool)).routes.map { "\($0.method.rawValue) \($0.path)" })
        await pool.close()
        let document = try OpenAPIDocumentTests.document()
        let documented = Set(
            try OpenAPIDocumentTests.operations(document).map { "\($0.method.uppercased()) \($0.path)" })
        #expect(registered.subtracting(documented).sorted() == [], "registered but not documented")
        #expect(documented.subtracting(registered).sorted() == [], "documented but not registered")
        #expect(registered.count >= 44)
    }

    @Test func theServerAnswersWithTheDocument() async throws {
        try await APIHarness.with { api in
            let served = try await api.get("/openapi.json", token: nil)
            #expect(served.status == 200)
            #expect(served.headers["content-type"] == "application/json")
            #expect(served.body == OpenAPIDocument.json)
        }
    }

    /// Each problem type the service can answer with appears in the document's table.
    @Test func everyProblemTypeIsDocumented() throws {
        let document = try OpenAPIDocumentTests.document()
        let table = try #require(
            try OpenAPIDocumentTests.schema("Problem", in: document)["description"] as? String)
        let errors: [LedgerError] = [
            .allianceNotFound("x"), .partnerNotFound("x"), .budgetLineNotFound("x"), .personNotFound("x"),
            .spendNotFound(1), .entryNotFound(sequence: 1), .exists("x"),
            .alreadyReversed(sequence: 1, by: 2),
            .cannotReverseReversal(sequence: 1), .idempotencyConflict(key: "k", sequence: 1),
            .floorCrossed(account: AccountCode(trusted: "a"), balance: -1, floor: 0), .amountOverflow,
            .invalidField("f", reason: "r"), .invalidPage("p"), .forbidden("f"), .unauthenticated("u"),
            .decisionNotFound("D-0001"), .measurementNotFound(1), .tokenNotFound(1),
            .decisionClosed(reference: "D-0001", state: "carried"),
            .voteConflict(reference: "D-0001", partner: "slam"), .statementNotFound("S-0001"),
            .keyNotFound(1), .writerQueueFull(limit: 1),
        ]
        var types = Set(errors.map { Problem($0).type })
        types.formUnion([
            "/problems/malformed-json", "/problems/unknown-field", "/problems/body-too-large",
            "/problems/unsupported-media-type", "/problems/request-in-progress", "/problems/token-shown-once",
            "/problems/database-unavailable", "/problems/internal", "/problems/not-found",
            "/problems/method-not-allowed", "/problems/request-timeout", "/problems/too-many-imports",
            "/problems/imports-busy",
        ])
        for type in types.sorted() {
            #expect(table.contains("`\(type)`"), "\(type) is not in the Problem schema's table")
        }
    }

    @Test func aFullWriterQueueIsA503ToRetry() {
        let problem = Problem(LedgerError.writerQueueFull(limit: 10_000))
        #expect(problem.status == .serviceUnavailable)
        #expect(problem.type == "/problems/writes-busy")
        #expect(problem.headers[.retryAfter] == "1")
    }
}
