import AllianceLedger
import Dates
import Foundation
import Postgres
import TestSupport
import Testing

/// A leaked operator token is found by id and revoked over HTTP; a person's token may be issued
/// to expire.
@Suite(.timeLimit(.perTest)) struct TokenRoutesTests {
    typealias SetUp = AllianceSetUp

    @Test func theOperatorListsAndRevokesOperatorTokensByID() async throws {
        try await SetUp.with(credentialLifetime: .zero) { setUp in
            let api = setUp.api
            let root = api.operatorToken
            let pool = api.database.makeServicePool(maximumConnections: 1)
            let leaked = try await TokenStore(pool: pool).issueOperator()
            await pool.close()

            let listed = try await api.get("/v1/tokens", token: root)
            #expect(listed.status == 200, "\(listed.body)")
            let items = try listed.items()
            #expect(items.count == 2)
            #expect(items.last?["id"] as? Int == Int(leaked.id))
            #expect(
                items.allSatisfy { $0["person"] is NSNull && $0["token"] == nil && $0["revokedAt"] is NSNull }
            )
            #expect(!listed.body.contains("alt_"), "never a secret")
            #expect(try listed.json()["nextCursor"] is NSNull)

            let person = try setUp.token("admin")
            try await api.get("/v1/tokens", token: person).expectProblem(403, "/problems/forbidden")
            try await api.post("/v1/tokens/\(leaked.id)/revocation", "{}", token: person)
                .expectProblem(403, "/problems/forbidden")
            #expect(try await api.get("/v1/tokens", token: leaked.token).status == 200)

            let revoked = try await api.post("/v1/tokens/\(leaked.id)/revocation", "{}", token: root)
            #expect(revoked.status == 200, "\(revoked.body)")
            #expect(try revoked.json()["revokedAt"] is String)
            try await api.get("/v1/tokens", token: leaked.token)
                .expectProblem(401, "/problems/unauthenticated")

            // People's tokens are revoked under their alliance; none is found here.
            let issued = try await api.post(
                "\(SetUp.base)/people/\(setUp.personIDs["auditor"] ?? 0)/tokens", "{}", token: root)
            let location = try #require(issued.headers["location"])
            let personTokenID = try #require(location.split(separator: "/").last)
            try await api.post("/v1/tokens/\(personTokenID)/revocation", "{}", token: root)
                .expectProblem(404, "/problems/token-not-found")
            try await api.post("/v1/tokens/abc/revocation", "{}", token: root)
                .expectProblem(404, "/problems/token-not-found")
        }
    }

    @Test func aPersonsTokenMayBeIssuedToExpire() async throws {
        try await SetUp.with(credentialLifetime: .zero) { setUp in
            let api = setUp.api
            let root = api.operatorToken
            let path = "\(SetUp.base)/people/\(setUp.personIDs["auditor"] ?? 0)/tokens"
            for body in [#"{"expiresAt":"2000-01-01T00:00:00Z"}"#, #"{"expiresAt":"tomorrow"}"#] {
                try await api.post(path, body, token: root)
                    .expectProblem(422, "/problems/invalid-field", field: "expiresAt")
            }
            let later = Timestamp(Date(timeIntervalSinceNow: 3600))
            let issued = try await api.post(path, #"{"expiresAt":"\#(later)"}"#, token: root)
            #expect(issued.status == 201, "\(issued.body)")
            let token = try #require(try issued.json()["token"] as? String)
            let record = try await api.get(try #require(issued.headers["location"]), token: root)
            #expect(try record.json()["expiresAt"] as? String == later.description)
            #expect(try await api.get(SetUp.base, token: token).status == 200)
            // One that expired an hour ago, written as only the schema's owner could.
            let expired = "alt_expired-\(UUID().uuidString)"
            try await api.database.pool.withConnection { connection in
                _ = try await connection.execute(
                    """
                    INSERT INTO api_tokens (token_hash, issuer, created_at, expires_at)
                    VALUES (sha256(convert_to(\(expired), 'UTF8')), 'operator',
                            now() - interval '2 hours', now() - interval '1 hour')
                    """)
            }
            let refused = try await api.get(SetUp.base, token: expired)
            try refused.expectProblem(401, "/problems/unauthenticated")
            #expect(try refused.json()["detail"] as? String == "the token has expired")
        }
    }
}
