import Crypto
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger
@testable import AllianceLedgerHTTP

/// Statements over HTTP, as a new user would go: preview, publish, read the exact bytes with
/// their ETag, restate with a reason, register keys and co-sign as every partner's board.
@Suite(.timeLimit(.perTest)) struct StatementRoutesTests {
    static let base = GovernedSetUp.base

    /// The budget and two invoices of FY2025: £120,000.00 of staff for slam, and £1,500.00 and
    /// £250.00 spent on it.
    static func books(_ governed: GovernedSetUp) async throws {
        try await governed.carry(
            #"{"title":"FY2025 budget","action":{"type":"budget.set","year":"FY2025","lines":["#
                + #"{"partner":"slam","budgetLine":"STAFF","amount":12000000}]}}"#)
        let finance = try governed.setUp.token("finance-slam")
        try await governed.api.create(
            "\(base)/spend", AllianceSetUp.spend(amount: "150000", incurredOn: "2025-05-14", reference: "A"),
            token: finance)
        try await governed.api.create(
            "\(base)/spend", AllianceSetUp.spend(amount: "25000", incurredOn: "2025-11-02", reference: "B"),
            token: finance)
    }

    @Test func previewPublishReadAndRestate() async throws {
        try await GovernedSetUp.with { governed in
            let api = governed.api
            try await Self.books(governed)
            let auditor = try governed.setUp.token("auditor")
            let finance = try governed.setUp.token("finance-slam")

            let preview = try await api.get(
                "\(Self.base)/statements/preview?period=FY2025-Q1", token: auditor)
            #expect(preview.status == 200, "\(preview.body)")
            let budget = try #require(try preview.json()["budget"] as? [String: Any])
            let total = try #require(budget["total"] as? [String: Any])
            // April–June of £120,000.00 in twelfths, against £1,500.00 spent in May.
            #expect(total["budget"] as? Int == 3_000_000 && total["actual"] as? Int == 150_000)
            #expect(total["variance"] as? Int == 2_850_000)
            #expect(try preview.json()["number"] is NSNull)

            try await api.get("\(Self.base)/statements/preview", token: auditor).expectProblem(
                400, "/problems/invalid-query")
            try await api.get("\(Self.base)/statements/preview?period=2025-04-01..2025-04-30", token: auditor)
                .expectProblem(422, "/problems/invalid-field", field: "period")
            try await api.get("\(Self.base)/statements/preview?period=FY2025", token: nil).expectProblem(
                401, "/problems/unauthenticated")

            // Publishing is a finance lead's or a board member's, once the period has ended.
            let key = ["Idempotency-Key": "publish-fy2025"]
            try await api.post("\(Self.base)/statements", #"{"period":"FY2025"}"#, token: auditor)
                .expectProblem(403, "/problems/forbidden")
            try await api.post("\(Self.base)/statements", #"{"period":"FY2030"}"#, token: finance)
                .expectProblem(422, "/problems/invalid-field", field: "period")
            let published = try await api.post(
                "\(Self.base)/statements", #"{"period":"FY2025"}"#, token: finance, headers: key)
            #expect(published.status == 201, "\(published.body)")
            let listing = try published.json()
            #expect(listing["number"] as? String == "S-0001" && listing["state"] as? String == "published")
            #expect(listing["cosignedByAll"] as? Bool == false && listing["partners"] as? Int == 5)
            let hash = try #require(listing["hash"] as? String)
            let location = try #require(published.headers["location"])
            #expect(location == "\(Self.base)/statements/S-0001")
            let replay = try await api.post(
                "\(Self.base)/statements", #"{"period":"FY2025"}"#, token: finance, headers: key)
            #expect(replay.status == 201 && replay.body == published.body)
            #expect(replay.headers["idempotent-replayed"] == "true")

            let body = try await api.get(location, token: auditor)
            #expect(body.status == 200)
            #expect(body.headers["etag"] == "\"\(hash)\"")
            #expect(Digest(Array(SHA256.hash(data: Data(body.body.utf8)))).description == hash)
            let statement = try body.json()
            #expect(statement["format"] as? String == "alliance-ledger-statement/1")
            let unchanged = try await api.request(
                "GET", location, token: auditor, headers: ["If-None-Match": "\"\(hash)\""])
            #expect(unchanged.status == 304 && unchanged.body.isEmpty)
            try await api.get("\(Self.base)/statements/S-0099", token: auditor).expectProblem(
                404, "/problems/statement-not-found")

            // The period has a statement: a second needs to name it, with a reason.
            try await api.post("\(Self.base)/statements", #"{"period":"FY2025"}"#, token: finance)
                .expectProblem(409, "/problems/exists")
            try await api.post(
                "\(Self.base)/statements", #"{"period":"FY2025","supersedes":"S-0001"}"#, token: finance
            ).expectProblem(422, "/problems/invalid-field")
            let restated = try await api.create(
                "\(Self.base)/statements",
                #"{"period":"FY2025","supersedes":"S-0001","reason":"A missing invoice"}"#, token: finance)
            #expect(restated["number"] as? String == "S-0002" && restated["previousHash"] as? String == hash)
            let list = try await api.get("\(Self.base)/statements", token: auditor)
            let entries = try #require(
                try JSONSerialization.jsonObject(with: Data(list.body.utf8)) as? [[String: Any]])
            #expect(entries.map { $0["state"] as? String } == ["published", "superseded"])
        }
    }

    @Test func everyPartnersBoardCoSignsOverHTTP() async throws {
        try await GovernedSetUp.with { governed in
            let api = governed.api
            try await Self.books(governed)
            try await api.create(
                "\(Self.base)/statements", #"{"period":"FY2025"}"#,
                token: try governed.setUp.token("finance-slam"))
            let checkpoint = try await api.get(
                "\(Self.base)/statements/S-0001/checkpoint", token: try governed.setUp.token("auditor"))
            #expect(checkpoint.status == 200)
            #expect(checkpoint.headers["content-type"]?.hasPrefix("text/plain") == true)
            // The origin is the public base URL's host, without its scheme, and the alliance.
            let origin = checkpoint.body.split(separator: "\n").first.map(String.init) ?? ""
            #expect(origin.hasSuffix("/alliances/\(AllianceSetUp.slug)") && !origin.contains("://"))

            var keys: [String: Curve25519.Signing.PrivateKey] = [:]
            for partner in GovernedSetUp.partners {
                let key = Curve25519.Signing.PrivateKey()
                keys[partner] = key
                let body = #"{"publicKey":"\#(key.publicKey.rawRepresentation.base64EncodedString())"}"#
                if partner == "slam" {
                    // Another partner's board member cannot register slam's keys.
                    try await api.post(
                        "\(Self.base)/partners/slam/keys", body,
                        token: try governed.boardMember("lambeth").token
                    ).expectProblem(403, "/problems/forbidden")
                    try await api.post(
                        "\(Self.base)/partners/slam/keys", #"{"publicKey":"c2hvcnQ="}"#,
                        token: try governed.boardMember("slam").token
                    ).expectProblem(422, "/problems/invalid-field", field: "publicKey")
                }
                try await api.create(
                    "\(Self.base)/partners/\(partner)/keys", body,
                    token: try governed.boardMember(partner).token)
            }
            func signature(_ partner: String, over text: String) throws -> String {
                let key = try #require(keys[partner])
                return #"{"key":"\#(key.publicKey.rawRepresentation.base64EncodedString())","#
                    + #""signature":"\#(try key.signature(for: Data(text.utf8)).base64EncodedString())"}"#
            }
            let signatures = "\(Self.base)/statements/S-0001/signatures"
            try await api.post(
                signatures, try signature("slam", over: checkpoint.body + "x"),
                token: try governed.boardMember("slam").token
            ).expectProblem(422, "/problems/invalid-field", field: "signature")
            try await api.post(
                signatures, try signature("slam", over: checkpoint.body),
                token: try governed.boardMember("lambeth").token
            ).expectProblem(403, "/problems/forbidden")
            var last: [String: Any] = [:]
            for partner in GovernedSetUp.partners {
                #expect(last["cosignedByAll"] as? Bool != true)
                last = try await api.create(
                    signatures, try signature(partner, over: checkpoint.body),
                    token: try governed.boardMember(partner).token)
            }
            #expect(last["cosignedByAll"] as? Bool == true && last["signedBy"] as? Int == 5)
            let listed = try await api.get(signatures, token: try governed.setUp.token("auditor"))
            let items = try #require(
                try JSONSerialization.jsonObject(with: Data(listed.body.utf8)) as? [[String: Any]])
            #expect(items.count == 5)
            // Each signature verifies over the checkpoint with the key it names.
            for item in items {
                let publicKey = try #require(item["publicKey"] as? String)
                let key = try Curve25519.Signing.PublicKey(
                    rawRepresentation: try #require(Data(base64Encoded: publicKey)))
                let text = try #require(item["signature"] as? String)
                let signature = try #require(Data(base64Encoded: text))
                #expect(key.isValidSignature(signature, for: Data(checkpoint.body.utf8)))
            }
        }
    }

    @Test func proofsOfInclusionAndConsistencyCheckAgainstTheRFC() async throws {
        try await GovernedSetUp.with { governed in
            let api = governed.api
            try await Self.books(governed)
            let finance = try governed.setUp.token("finance-slam")
            for index in 0..<5 {
                try await api.create(
                    "\(Self.base)/spend", AllianceSetUp.spend(amount: "100", reference: "P\(index)"),
                    token: finance)
            }
            let auditor = try governed.setUp.token("auditor")
            let journal = try await api.get("\(Self.base)/journal?limit=100", token: auditor)
            let hashes = try journal.items().map { item in
                try Digest(hex: try #require(item["hash"] as? String))
            }
            #expect(hashes.count == 7)
            let leaves = hashes.map { MerkleTree.leafHash($0.bytes) }
            for size in [1, 5, 7] {
                for sequence in 1...size {
                    let answer = try await api.get(
                        "\(Self.base)/journal/\(sequence)/inclusion?treeSize=\(size)", token: auditor)
                    #expect(answer.status == 200, "\(answer.body)")
                    let proof = try answer.json()
                    let path = try #require(proof["proof"] as? [String]).map { try Digest(hex: $0) }
                    let answeredRoot = try Digest(hex: try #require(proof["root"] as? String))
                    #expect(proof["leafHash"] as? String == leaves[sequence - 1].description)
                    try MerkleTree.verifyInclusion(
                        leafHash: leaves[sequence - 1], leafIndex: Int64(sequence - 1), treeSize: Int64(size),
                        proof: path, root: answeredRoot)
                }
            }
            let consistency = try await api.get(
                "\(Self.base)/journal/consistency?from=3&to=7", token: auditor)
            #expect(consistency.status == 200, "\(consistency.body)")
            let proof = try consistency.json()
            try MerkleTree.verifyConsistency(
                oldSize: 3, oldRoot: try Digest(hex: try #require(proof["fromRoot"] as? String)), newSize: 7,
                newRoot: try Digest(hex: try #require(proof["toRoot"] as? String)),
                proof: try #require(proof["proof"] as? [String]).map { try Digest(hex: $0) })

            // A tree larger than the journal, an entry outside the tree, a size that is no number.
            try await api.get("\(Self.base)/journal/1/inclusion?treeSize=8", token: auditor).expectProblem(
                422, "/problems/invalid-field", field: "treeSize")
            try await api.get("\(Self.base)/journal/6/inclusion?treeSize=5", token: auditor).expectProblem(
                422, "/problems/invalid-field", field: "sequence")
            try await api.get("\(Self.base)/journal/1/inclusion?treeSize=x", token: auditor).expectProblem(
                400, "/problems/invalid-query")
            try await api.get("\(Self.base)/journal/consistency?from=3&to=9", token: auditor).expectProblem(
                422, "/problems/invalid-field", field: "to")
            try await api.get("\(Self.base)/journal/consistency", token: auditor).expectProblem(
                400, "/problems/invalid-query")
        }
    }

    /// A publication too large for its request, or asked for with `Prefer: respond-async`, is
    /// accepted (202) and followed through its status to the statement it published; a failed
    /// one says why, as the request would have been answered.
    @Test func aPublicationInTheBackgroundIsFollowedToItsStatement() async throws {
        // FY2025 holds the two invoices; 2025-05 only the first.
        let oneEntryAtOnce: APIHarness.Tuning = { $0.synchronousPublicationLimit = 1 }
        try await GovernedSetUp.with(tuning: oneEntryAtOnce) { governed in
            let api = governed.api
            try await Self.books(governed)
            let finance = try governed.setUp.token("finance-slam")
            let auditor = try governed.setUp.token("auditor")

            let small = try await api.post(
                "\(Self.base)/statements", #"{"period":"2025-05"}"#, token: finance)
            #expect(small.status == 201, "\(small.body)")

            let key = ["Idempotency-Key": "publish-fy2025-in-the-background"]
            let accepted = try await api.post(
                "\(Self.base)/statements", #"{"period":"FY2025"}"#, token: finance, headers: key)
            #expect(accepted.status == 202, "\(accepted.body)")
            #expect(accepted.headers["preference-applied"] == nil && accepted.headers["retry-after"] == "5")
            let location = try #require(accepted.headers["location"])
            #expect(location.hasPrefix("\(Self.base)/statements/publications/"))
            #expect(try accepted.json()["state"] as? String == "pending")
            #expect(try accepted.json()["period"] as? String == "FY2025")
            let published = try await Self.follow(location, token: auditor, on: api)
            #expect(published.json["state"] as? String == "published", "\(published.json)")
            #expect(published.json["statement"] as? String == "S-0002")
            #expect(published.headers["content-location"] == "\(Self.base)/statements/S-0002")
            #expect(published.headers["retry-after"] == nil)
            #expect(try await api.get("\(Self.base)/statements/S-0002", token: auditor).status == 200)
            let replay = try await api.post(
                "\(Self.base)/statements", #"{"period":"FY2025"}"#, token: finance, headers: key)
            #expect(replay.status == 202 && replay.body == accepted.body)

            // Asked for in the background whatever its size, and checked at once all the same.
            let async = ["Prefer": "wait=10, respond-async"]
            try await api.post(
                "\(Self.base)/statements", #"{"period":"FY2025"}"#, token: finance, headers: async
            )
            .expectProblem(409, "/problems/exists")
            let june = try await api.post(
                "\(Self.base)/statements", #"{"period":"2025-06"}"#, token: finance, headers: async)
            #expect(june.status == 202 && june.headers["preference-applied"] == "respond-async")
            let junePublished = try await Self.follow(
                try #require(june.headers["location"]), token: finance, on: api)
            #expect(junePublished.json["statement"] as? String == "S-0003", "\(junePublished.json)")

            // A Prefer longer than the document allows is refused, and nothing published.
            let long = ["Prefer": "respond-async, " + String(repeating: "x", count: 200)]
            try await api.post(
                "\(Self.base)/statements", #"{"period":"2025-07"}"#, token: finance, headers: long
            )
            .expectProblem(422, "/problems/invalid-field", field: "Prefer")
            #expect(try await api.get("\(Self.base)/statements/S-0004", token: auditor).status == 404)
            // What is refused when asked is refused at once, as publishing now would be.
            try await api.post(
                "\(Self.base)/statements", #"{"period":"FY2099"}"#, token: finance, headers: async
            )
            .expectProblem(422, "/problems/invalid-field", field: "period")
            try await api.post(
                "\(Self.base)/statements", #"{"period":"2025-06"}"#, token: auditor, headers: async
            )
            .expectProblem(403, "/problems/forbidden")
            try await api.get("\(Self.base)/statements/publications/999", token: auditor).expectProblem(
                404, "/problems/publication-not-found")
            try await api.get("\(Self.base)/statements/publications/x1", token: auditor).expectProblem(
                404, "/problems/publication-not-found")
            try await api.get(location, token: nil).expectProblem(401, "/problems/unauthenticated")
        }
    }

    /// Reads a publication's status until it is no longer pending (at most a minute).
    static func follow(_ location: String, token: String, on api: APIHarness) async throws
        -> (json: [String: Any], headers: [String: String])
    {
        for _ in 0..<600 {
            let answer = try await api.get(location, token: token)
            #expect(answer.status == 200, "\(answer.body)")
            if try answer.json()["state"] as? String != "pending" {
                return (try answer.json(), answer.headers)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("\(location) stayed pending for a minute")
        return ([:], [:])
    }

    /// A refusal met in the background is kept as the problem a request would have answered;
    /// anything else (the database lost, the service stopping) leaves the publication pending.
    @Test func aRefusalInTheBackgroundIsKeptAsItsProblem() {
        let exists = StatementPublisher.failure(LedgerError.exists("2025-06 has statement S-0003"))
        #expect(
            exists?.status == 409 && exists?.type == "/problems/exists"
                && exists?.title == "It exists already")
        #expect(exists?.detail == "2025-06 has statement S-0003")
        let forbidden = StatementPublisher.failure(LedgerError.forbidden("not a finance lead"))
        #expect(forbidden?.status == 403 && forbidden?.type == "/problems/forbidden")
        #expect(StatementPublisher.failure(CancellationError()) == nil)
        #expect(StatementPublisher.failure(Problem.databaseUnavailable("gone")) == nil)
    }
}
