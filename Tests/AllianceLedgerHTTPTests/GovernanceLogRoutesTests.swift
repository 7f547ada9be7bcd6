import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The governance log over HTTP: a whole walkthrough leaves one record per governing act, in
/// order, each naming who did it (person and partner, the operator, a decision) and the request
/// it was made in, chained so that both the service and the library verify it.
@Suite(.timeLimit(.perTest)) struct GovernanceLogRoutesTests {
    static let base = "/v1/alliances/audited"

    /// What the walkthrough must leave in the log, act by act: the kind, who did it and for
    /// which partner, and the request (by the number of its `X-Request-ID`, `walk-<n>`).
    struct Expected {
        let kind: String
        let actor: String
        let partner: String?
        let request: Int
    }

    /// Sends one act of the walkthrough as request `walk-<number>` and requires it to succeed.
    static func act(
        _ api: APIHarness, _ number: Int, _ method: String, _ path: String, _ body: String, token: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> APIHarness.Answer {
        let answer = try await api.request(
            method, path, json: body, token: token, headers: ["X-Request-ID": "walk-\(number)"])
        #expect(
            (200..<300).contains(answer.status), "\(path): \(answer.body)", sourceLocation: sourceLocation)
        #expect(answer.headers["x-request-id"] == "walk-\(number)", sourceLocation: sourceLocation)
        return answer
    }

    @Test func theLogHoldsEveryActOfAWalkthroughInOrderAndItsChainVerifies() async throws {
        try await APIHarness.with(credentialLifetime: .zero) { api in
            let root = api.operatorToken
            let operatorTokenID = try #require(
                try await TokenStore(pool: api.database.pool).authenticate(root).tokenID)
            // The operator sets the alliance up: two partners, a line, each partner's admin.
            _ = try await Self.act(
                api, 1, "POST", "/v1/alliances",
                #"{"slug":"audited","name":"Audited Alliance","contractStart":"2025-04-01"}"#, token: root)
            _ = try await Self.act(
                api, 2, "POST", "\(Self.base)/partners", #"{"slug":"a","name":"A","kind":"vcse"}"#,
                token: root)
            _ = try await Self.act(
                api, 3, "POST", "\(Self.base)/partners", #"{"slug":"b","name":"B","kind":"vcse"}"#,
                token: root)
            _ = try await Self.act(
                api, 4, "POST", "\(Self.base)/budget-lines", #"{"code":"STAFF","name":"Staff"}"#, token: root)
            var members: [String: (id: Int, token: String)] = [:]
            var request = 5
            for (name, partner, roles, appointer) in [
                ("admin-a", "a", ["admin"], "operator"), ("admin-b", "b", ["admin"], "operator"),
                ("board-a", "a", ["board"], "admin-a"), ("board-b", "b", ["board"], "admin-b"),
            ] {
                let token = appointer == "operator" ? root : try #require(members[appointer]).token
                let person = try await Self.act(
                    api, request, "POST", "\(Self.base)/people",
                    GovernedSetUp.person(name, of: partner, roles: roles), token: token
                ).json()
                let id = try #require(person["id"] as? Int)
                let issued = try await Self.act(
                    api, request + 1, "POST", "\(Self.base)/people/\(id)/tokens", "{}", token: token
                ).json()
                members[name] = (id, try #require(issued["token"] as? String))
                request += 2
            }
            let adminA = try #require(members["admin-a"])
            let adminB = try #require(members["admin-b"])
            let boardA = try #require(members["board-a"])
            let boardB = try #require(members["board-b"])

            // The board sets a budget; an admin changes a role; another removes a board member;
            // the operator revokes a token (an incident), in a request whose id it makes itself.
            let decision = try await Self.act(
                api, 13, "POST", "\(Self.base)/decisions",
                DecisionRoutesTests.budgetProposal("Budget", [("a", "STAFF", 100_000)]), token: boardA.token
            ).json()
            let votes = "\(Self.base)/decisions/\(try #require(decision["id"] as? Int))/votes"
            _ = try await Self.act(api, 14, "POST", votes, #"{"vote":"approve"}"#, token: boardA.token)
            let carried = try await Self.act(
                api, 15, "POST", votes, #"{"vote":"approve"}"#, token: boardB.token)
            #expect(try carried.json()["state"] as? String == "carried")
            _ = try await Self.act(
                api, 16, "PATCH", "\(Self.base)/people/\(boardA.id)", #"{"roles":["board","finance"]}"#,
                token: adminA.token)
            _ = try await Self.act(
                api, 17, "POST", "\(Self.base)/people/\(boardB.id)/removal", "{}", token: adminB.token)
            let adminATokenID = try #require(
                try await TokenStore(pool: api.database.pool).authenticate(adminA.token).tokenID)
            let incident = try await api.post(
                "\(Self.base)/people/\(adminA.id)/tokens/\(adminATokenID)/revocation", "{}", token: root)
            #expect(incident.status == 200, "\(incident.body)")
            let madeID = try #require(incident.headers["x-request-id"])

            let expected: [Expected] = [
                .init(kind: "alliance.created", actor: "operator", partner: nil, request: 1),
                .init(kind: "partner.added", actor: "operator", partner: nil, request: 2),
                .init(kind: "partner.added", actor: "operator", partner: nil, request: 3),
                .init(kind: "budgetLine.added", actor: "operator", partner: nil, request: 4),
                .init(kind: "person.added", actor: "operator", partner: nil, request: 5),
                .init(kind: "role.granted", actor: "operator", partner: nil, request: 5),
                .init(kind: "token.issued", actor: "operator", partner: nil, request: 6),
                .init(kind: "person.added", actor: "operator", partner: nil, request: 7),
                .init(kind: "role.granted", actor: "operator", partner: nil, request: 7),
                .init(kind: "token.issued", actor: "operator", partner: nil, request: 8),
                .init(kind: "person.added", actor: "person", partner: "a", request: 9),
                .init(kind: "role.granted", actor: "person", partner: "a", request: 9),
                .init(kind: "token.issued", actor: "person", partner: "a", request: 10),
                .init(kind: "person.added", actor: "person", partner: "b", request: 11),
                .init(kind: "role.granted", actor: "person", partner: "b", request: 11),
                .init(kind: "token.issued", actor: "person", partner: "b", request: 12),
                .init(kind: "decision.proposed", actor: "person", partner: "a", request: 13),
                .init(kind: "vote.cast", actor: "person", partner: "a", request: 14),
                .init(kind: "vote.cast", actor: "person", partner: "b", request: 15),
                .init(kind: "budget.changed", actor: "decision", partner: nil, request: 15),
                .init(kind: "decision.closed", actor: "person", partner: "b", request: 15),
                .init(kind: "role.granted", actor: "person", partner: "a", request: 16),
                .init(kind: "token.revoked", actor: "person", partner: "b", request: 17),
                .init(kind: "role.ended", actor: "person", partner: "b", request: 17),
                .init(kind: "person.removed", actor: "person", partner: "b", request: 17),
                .init(kind: "token.revoked", actor: "operator", partner: nil, request: 18),
            ]

            // Read a page at a time, oldest first, by each kind of reader.
            var records: [[String: Any]] = []
            var path = "\(Self.base)/audit?limit=4"
            while true {
                let page = try await api.get(path, token: adminB.token)
                #expect(page.status == 200, "\(page.body)")
                records += try page.items()
                guard let cursor = try page.json()["nextCursor"] as? String else { break }
                path = "\(Self.base)/audit?limit=4&cursor=\(cursor)"
            }
            let whole = try await api.get("\(Self.base)/audit?limit=1000", token: root)
            #expect(try whole.items().count == records.count)
            #expect(records.map { $0["kind"] as? String } == expected.map(\.kind))
            #expect(records.map { $0["sequence"] as? Int } == Array(1...expected.count))
            for (record, expected) in zip(records, expected) {
                let actor = try #require(record["actor"] as? [String: Any])
                let name = "\(record["sequence"] ?? "?") \(expected.kind)"
                #expect(actor["kind"] as? String == expected.actor, "\(name)")
                #expect(actor["partner"] as? String == expected.partner, "\(name)")
                let requestID = expected.request == 18 ? madeID : "walk-\(expected.request)"
                #expect(record["requestId"] as? String == requestID, "\(name)")
                #expect(record["recordedAt"] is String && record["details"] is [String: String], "\(name)")
            }
            // Who exactly: the operator's token, a person with the token they used, a decision by
            // its number.
            #expect((records[0]["actor"] as? [String: Any])?["token"] as? Int == Int(operatorTokenID))
            let proposed = try #require(records[16]["actor"] as? [String: Any])
            #expect(proposed["person"] as? Int == boardA.id && proposed["token"] is Int)
            #expect(
                records[19]["details"] as? [String: String] == [
                    "decision": "D-0001", "year": "FY2025", "partner": "a", "budgetLine": "STAFF",
                    "amount": "100000", "previous": "",
                ])
            #expect((records[20]["details"] as? [String: String])?["state"] == "carried")
            #expect(
                records[25]["details"] as? [String: String] == [
                    "person": String(adminA.id), "token": String(adminATokenID),
                ])
            // Each record links to the one before.
            #expect(records[0]["previousHash"] is NSNull)
            for (earlier, later) in zip(records, records.dropFirst()) {
                #expect(later["previousHash"] as? String == earlier["hash"] as? String)
            }

            let verified = try await api.get("\(Self.base)/audit/verify", token: adminB.token)
            #expect(verified.status == 200, "\(verified.body)")
            let report = try verified.json()
            #expect(report["ok"] as? Bool == true && report["firstMismatch"] is NSNull)
            #expect(report["records"] as? Int == expected.count)
            #expect(report["headHash"] as? String == records.last?["hash"] as? String)
            let alliance = try await AllianceDirectory(pool: api.database.pool).find(slug: "audited")
            let library = try await GovernanceLog(pool: api.database.pool).verify(
                alliance.id, by: .commandLine)
            #expect(library.ok && library.records == Int64(expected.count))
            #expect(library.headHash?.description == report["headHash"] as? String)

            // A board member reads no log; a refused request leaves no record.
            try await api.get("\(Self.base)/audit", token: boardA.token).expectProblem(
                403, "/problems/forbidden")
            try await api.get("\(Self.base)/audit/verify", token: boardA.token)
                .expectProblem(403, "/problems/forbidden")
            try await api.get("\(Self.base)/audit?colour=red", token: root)
                .expectProblem(400, "/problems/invalid-query", field: "colour")
            try await api.get("\(Self.base)/audit?cursor=bogus", token: root)
                .expectProblem(400, "/problems/invalid-query", field: "cursor")
            try await api.get("\(Self.base)/audit/verify?full=1", token: root)
                .expectProblem(400, "/problems/invalid-query", field: "full")
            #expect(
                try await api.get("\(Self.base)/audit?limit=1000", token: root).items().count
                    == expected.count)
        }
    }
}
