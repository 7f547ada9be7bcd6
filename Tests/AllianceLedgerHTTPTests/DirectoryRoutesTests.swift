import AllianceLedger
import Foundation
import Postgres
import TestSupport
import Testing

/// Alliances, partners, lines, people and tokens over HTTP: the operator sets up, admins manage
/// their own partner's people; everyone reads; tokens authenticate and roles bound what each may
/// do.
@Suite(.timeLimit(.perTest)) struct DirectoryRoutesTests {
    typealias SetUp = AllianceSetUp

    @Test func anAllianceIsSetUpAndReadBack() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let alliance = try await api.get(SetUp.base, token: try setUp.token("board-slam"))
            #expect(alliance.status == 200)
            let fields = try alliance.json()
            #expect(fields["slug"] as? String == SetUp.slug)
            #expect(fields["currency"] as? String == "GBP")
            #expect(fields["financialYearStartMonth"] as? Int == 4)
            #expect(fields["contractStart"] as? String == "2025-04-01")
            #expect(fields["contractEnd"] as? String == "2030-03-31")
            #expect(fields["abstention"] as? String == "blocks")
            #expect(fields["id"] is Int && fields["createdAt"] is String)

            let partners = try await api.get("\(SetUp.base)/partners", token: try setUp.token("finance-slam"))
            #expect(partners.status == 200)
            #expect(try partners.json()["nextCursor"] is NSNull)
            #expect(try partners.items().map { $0["slug"] as? String } == SetUp.partners.map(\.slug))
            #expect(try partners.items().map { $0["kind"] as? String } == SetUp.partners.map(\.kind))
            #expect(try partners.items().allSatisfy { $0["joinedOn"] as? String == "2025-04-01" })

            let lines = try await api.get("\(SetUp.base)/budget-lines", token: try setUp.token("auditor"))
            #expect(try lines.items().map { $0["code"] as? String } == ["STAFF", "PREMISES"])

            let people = try await api.get("\(SetUp.base)/people", token: try setUp.token("auditor"))
            let byName = Dictionary(
                uniqueKeysWithValues: try people.items().map { ($0["name"] as? String ?? "", $0) })
            #expect(byName["finance-lambeth"]?["roles"] as? [String] == ["board", "finance"])
            #expect(byName["finance-lambeth"]?["partner"] as? String == "lambeth")
            #expect(byName["admin"]?["email"] as? String == "admin@example.org")
        }
    }

    @Test func listsArePagedByCursor() async throws {
        try await SetUp.with { setUp in
            let token = try setUp.token("admin")
            var slugs: [String] = []
            var path = "\(SetUp.base)/partners?limit=2"
            var pages = 0
            while true {
                let page = try await setUp.api.get(path, token: token)
                #expect(page.status == 200, "\(page.body)")
                slugs += try page.items().compactMap { $0["slug"] as? String }
                pages += 1
                guard let cursor = try page.json()["nextCursor"] as? String else { break }
                path = "\(SetUp.base)/partners?limit=2&cursor=\(cursor)"
            }
            #expect(pages == 3)
            #expect(slugs == SetUp.partners.map(\.slug))

            try await setUp.api.get("\(SetUp.base)/partners?limit=0", token: token)
                .expectProblem(400, "/problems/invalid-query", field: "limit")
            try await setUp.api.get("\(SetUp.base)/partners?cursor=bogus", token: token)
                .expectProblem(400, "/problems/invalid-query", field: "cursor")
            try await setUp.api.get("\(SetUp.base)/partners?colour=red", token: token)
                .expectProblem(400, "/problems/invalid-query", field: "colour")
        }
    }

    @Test func tokensAuthenticateAndRolesBoundWhatEachMayDo() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let before = try await api.database.stateSnapshot()
            let partner = #"{"slug":"newcomer","name":"Newcomer","kind":"vcse"}"#

            let missing = try await api.post("\(SetUp.base)/partners", partner, token: nil)
            try missing.expectProblem(401, "/problems/unauthenticated")
            #expect(missing.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
            try await api.post("\(SetUp.base)/partners", partner, token: "alt_not-a-real-token")
                .expectProblem(401, "/problems/unauthenticated")
            try await api.request("GET", SetUp.base, headers: ["Authorization": "Basic YWRtaW46YWRtaW4="])
                .expectProblem(401, "/problems/unauthenticated")

            for key in ["finance-slam", "board-slam", "auditor"] {
                try await api.post("\(SetUp.base)/partners", partner, token: try setUp.token(key))
                    .expectProblem(403, "/problems/forbidden")
                try await api.post(
                    "\(SetUp.base)/budget-lines", #"{"code":"IT","name":"IT"}"#, token: try setUp.token(key)
                )
                .expectProblem(403, "/problems/forbidden")
                try await api.post(
                    "\(SetUp.base)/people/\(setUp.personIDs["admin"] ?? 0)/tokens", "{}",
                    token: try setUp.token(key)
                ).expectProblem(403, "/problems/forbidden")
            }
            // Partners and lines are the operator's to add, not even an admin's (issue 13).
            try await api.post("\(SetUp.base)/partners", partner, token: try setUp.token("admin"))
                .expectProblem(403, "/problems/forbidden")
            try await api.post(
                "\(SetUp.base)/budget-lines", #"{"code":"IT","name":"IT"}"#, token: try setUp.token("admin")
            ).expectProblem(403, "/problems/forbidden")
            try await api.get("\(SetUp.base)/people", token: try setUp.token("finance-slam"))
                .expectProblem(403, "/problems/forbidden")
            // Only the operator creates alliances, even an alliance's admin may not.
            try await api.post(
                "/v1/alliances", #"{"slug":"other","name":"Other"}"#, token: try setUp.token("admin")
            )
            .expectProblem(403, "/problems/forbidden")
            #expect(try await api.database.stateSnapshot() == before)

            // A person of one alliance is a stranger to another.
            try await api.create(
                "/v1/alliances", #"{"slug":"other","name":"Other Alliance"}"#, token: api.operatorToken)
            try await api.get("/v1/alliances/other", token: try setUp.token("admin"))
                .expectProblem(403, "/problems/forbidden")
            try await api.get("/v1/alliances/nowhere", token: try setUp.token("admin"))
                .expectProblem(404, "/problems/alliance-not-found")
            // Unknown alliances are not revealed to callers without a valid token.
            try await api.get("/v1/alliances/nowhere", token: nil).expectProblem(
                401, "/problems/unauthenticated")
        }
    }

    /// The service trusts an authenticated token for its credential lifetime (2 s by default),
    /// so a revocation takes effect within that, and never later.
    @Test func aRevokedTokenStopsWorkingWithinTheCredentialLifetime() async throws {
        try await SetUp.with { setUp in
            let token = try setUp.token("auditor")
            #expect(try await setUp.api.get(SetUp.base, token: token).status == 200)
            let pool = setUp.api.database.makeServicePool()
            let caller = try await TokenStore(pool: pool).authenticate(token)
            let alliance = try await AllianceDirectory(pool: pool).find(slug: SetUp.slug)
            _ = try await TokenStore(pool: pool).revoke(
                try #require(caller.tokenID), in: alliance, by: .commandLine)
            await pool.close()
            let revoked = ContinuousClock.now
            var answer = try await setUp.api.get(SetUp.base, token: token)
            while answer.status == 200, ContinuousClock.now - revoked < .seconds(10) {
                try await Task.sleep(for: .milliseconds(250))
                answer = try await setUp.api.get(SetUp.base, token: token)
            }
            // Within the lifetime plus the time a request takes on a loaded machine.
            try answer.expectProblem(401, "/problems/unauthenticated")
        }
    }

    @Test func duplicatesAndUnknownsAreRefused() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let admin = try setUp.token("admin")
            // Partners, lines and people of any partner are the operator's while setting up.
            let root = api.operatorToken
            let before = try await api.database.stateSnapshot()
            try await api.post(
                "/v1/alliances", #"{"slug":"\#(SetUp.slug)","name":"Again"}"#, token: api.operatorToken
            )
            .expectProblem(409, "/problems/exists")
            try await api.post(
                "\(SetUp.base)/partners", #"{"slug":"slam","name":"Again","kind":"vcse"}"#, token: root
            )
            .expectProblem(409, "/problems/exists")
            try await api.post(
                "\(SetUp.base)/budget-lines", #"{"code":"STAFF","name":"Again"}"#, token: root
            )
            .expectProblem(409, "/problems/exists")
            try await api.post(
                "\(SetUp.base)/people",
                #"{"name":"Again","email":"ADMIN@example.org","partner":"sel-icb","roles":["board"]}"#,
                token: admin
            ).expectProblem(409, "/problems/exists")
            try await api.post(
                "\(SetUp.base)/people",
                #"{"name":"X","email":"x@example.org","partner":"nobody","roles":["board"]}"#,
                token: root
            ).expectProblem(404, "/problems/partner-not-found")
            try await api.post("\(SetUp.base)/people/99999/tokens", "{}", token: admin)
                .expectProblem(404, "/problems/person-not-found")
            try await api.post("\(SetUp.base)/people/abc/tokens", "{}", token: admin)
                .expectProblem(404, "/problems/person-not-found")
            try await api.post(
                "\(SetUp.base)/people",
                #"{"name":"X","email":"x@example.org","partner":"slam","roles":["boss"]}"#,
                token: admin
            ).expectProblem(422, "/problems/invalid-field", field: "roles[0]")
            try await api.post(
                "\(SetUp.base)/people",
                #"{"name":"X","email":"x@example.org","partner":"slam","roles":["board","board"]}"#,
                token: admin
            ).expectProblem(422, "/problems/invalid-field", field: "roles[1]")
            try await api.post(
                "\(SetUp.base)/partners", #"{"slug":"new","name":"New","kind":"charity"}"#, token: root
            )
            .expectProblem(422, "/problems/invalid-field", field: "kind")
            try await api.post(
                "\(SetUp.base)/people/\(setUp.personIDs["admin"] ?? 0)/tokens", #"{"ttl":5}"#, token: admin
            )
            .expectProblem(422, "/problems/unknown-field", field: "ttl")
            #expect(try await api.database.stateSnapshot() == before)
        }
    }
}
