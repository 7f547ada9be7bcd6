import AllianceLedgerHTTP
import Crypto
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The public open book, as a member of the public would read it with no token: the home page,
/// the alliance's page, a published statement as a page and as its exact JSON; caching by ETag,
/// CORS for any origin, HEAD; and nothing more: no preview, no unpublished number, no other
/// method, no way out of the public paths.
@Suite(.timeLimit(.perTest)) struct PublicRoutesTests {
    static let base = GovernedSetUp.base
    static let slug = AllianceSetUp.slug
    static let statementPage = "/public/alliances/\(AllianceSetUp.slug)/statements/S-0001"
    static let browser = ["Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"]

    @Test func aPublishedStatementIsReadByAnyoneWithItsFigures() async throws {
        try await GovernedSetUp.with { governed in
            let api = governed.api
            try await StatementRoutesTests.books(governed)
            // Before anything is published, nothing is public: not the statement, not a preview.
            try await api.get(Self.statementPage, token: nil).expectProblem(
                404, "/problems/statement-not-found")
            try await api.get("/public/alliances/\(Self.slug)/statements/preview", token: nil)
                .expectProblem(404, "/problems/statement-not-found")
            let emptyHome = try await api.get("/", token: nil)
            #expect(emptyHome.status == 200 && !emptyHome.body.contains("/public/alliances/\(Self.slug)\""))
            #expect(emptyHome.body.contains("No alliance has published a statement yet."))

            try await api.create(
                "\(Self.base)/statements", #"{"period":"FY2025"}"#,
                token: try governed.setUp.token("finance-slam"))
            let published = try await api.get(
                "\(Self.base)/statements/S-0001", token: try governed.setUp.token("auditor"))

            // The JSON: the exact published bytes, cacheable for good.
            let json = try await api.get("\(Self.statementPage).json", token: nil)
            #expect(json.status == 200)
            #expect(json.body == published.body)
            #expect(json.headers["etag"] == published.headers["etag"])
            #expect(json.headers["content-type"] == "application/json")
            #expect(json.headers["access-control-allow-origin"] == "*")
            #expect(json.headers["cache-control"] == "public, max-age=31536000, immutable")
            let cached = try await api.request(
                "GET", "\(Self.statementPage).json",
                headers: ["If-None-Match": try #require(json.headers["etag"])])
            #expect(cached.status == 304 && cached.body.isEmpty)

            // The page: every headline figure, the data's point, its state.
            let page = try await api.get(Self.statementPage, token: nil)
            #expect(page.status == 200)
            #expect(page.headers["content-type"] == "text/html; charset=utf-8")
            #expect(page.headers["access-control-allow-origin"] == "*")
            #expect(page.headers["cache-control"] == "public, no-cache")
            #expect(page.headers["content-security-policy"]?.contains("default-src 'none'") == true)
            let html = page.body
            // £120,000.00 budgeted for slam's staff; £1,500.00 and £250.00 spent.
            #expect(html.contains(#"<span data-figure="budget.total.budget">£120,000</span>"#))
            #expect(html.contains(#"<td class="numeric" data-figure="budget.total.actual">£1,750</td>"#))
            #expect(html.contains(#"data-figure="budget.total.variance">£118,250</td>"#))
            #expect(html.contains("Open-book statement for FY2025: 1 April 2025 to 31 March 2026"))
            #expect(html.contains("Awaiting co-signature: 0 of 5 partners have signed"))
            #expect(html.contains("South London and Maudsley NHS FT"))
            #expect(html.contains("<svg") && html.contains("<title id=\"chart-byPartner-title\">"))
            #expect(!html.contains("<script"))
            #expect(!html.contains("Example data"))
            let etag = try #require(page.headers["etag"])
            let unchanged = try await api.request("GET", Self.statementPage, headers: ["If-None-Match": etag])
            #expect(unchanged.status == 304 && unchanged.body.isEmpty)
            #expect(unchanged.headers["etag"] == etag)

            // HEAD answers GET's head, without a body.
            let head = try await api.request("HEAD", Self.statementPage)
            #expect(head.status == 200 && head.body.isEmpty && head.headers["etag"] == etag, "\(head)")

            // A co-signature changes the page, so its ETag changes; the JSON's does not.
            let checkpoint = try await api.get(
                "\(Self.base)/statements/S-0001/checkpoint", token: try governed.setUp.token("auditor"))
            let key = Curve25519.Signing.PrivateKey()
            let board = try governed.boardMember("slam").token
            try await api.create(
                "\(Self.base)/partners/slam/keys",
                #"{"publicKey":"\#(key.publicKey.rawRepresentation.base64EncodedString())"}"#, token: board)
            try await api.create(
                "\(Self.base)/statements/S-0001/signatures",
                #"{"key":"\#(key.publicKey.rawRepresentation.base64EncodedString())","#
                    + #""signature":"\#(try key.signature(for: Data(checkpoint.body.utf8)).base64EncodedString())"}"#,
                token: board)
            let signed = try await api.request("GET", Self.statementPage, headers: ["If-None-Match": etag])
            #expect(signed.status == 200 && signed.headers["etag"] != etag)
            #expect(signed.body.contains("Awaiting co-signature: 1 of 5 partners have signed"))
            let jsonAgain = try await api.get("\(Self.statementPage).json", token: nil)
            #expect(jsonAgain.headers["etag"] == json.headers["etag"] && jsonAgain.body == json.body)

            // The alliance's page and the home page list it.
            let alliance = try await api.get("/public/alliances/\(Self.slug)", token: nil)
            #expect(alliance.status == 200 && alliance.headers["etag"] != nil)
            #expect(
                alliance.body.contains(
                    #"<a href="/public/alliances/lambeth-living-well/statements/S-0001">S-0001</a>"#))
            #expect(alliance.body.contains("1 of 5 partners") && alliance.body.contains("Thames Reach"))
            #expect(alliance.body.contains(key.publicKey.rawRepresentation.base64EncodedString()))
            let home = try await api.get("/", token: nil)
            #expect(home.status == 200)
            #expect(home.body.contains(#"<a href="/public/alliances/lambeth-living-well">"#))
        }
    }

    /// A page is served as rendered for `publicPageLifetime` without reading again what it
    /// shows: a co-signature within that time is not on it yet (the bound docs/auditor-and-public.md states),
    /// and the frozen JSON is unaffected.
    @Test func aPageIsServedAsRenderedForItsLifetime() async throws {
        let longLife: APIHarness.Tuning = { $0.publicPageLifetime = .seconds(600) }
        try await GovernedSetUp.with(tuning: longLife) { governed in
            let api = governed.api
            try await StatementRoutesTests.books(governed)
            try await api.create(
                "\(Self.base)/statements", #"{"period":"FY2025"}"#,
                token: try governed.setUp.token("finance-slam"))
            let page = try await api.get(Self.statementPage, token: nil)
            #expect(page.body.contains("Awaiting co-signature: 0 of 5 partners have signed"))
            let checkpoint = try await api.get(
                "\(Self.base)/statements/S-0001/checkpoint", token: try governed.setUp.token("auditor"))
            let key = Curve25519.Signing.PrivateKey()
            let board = try governed.boardMember("slam").token
            try await api.create(
                "\(Self.base)/partners/slam/keys",
                #"{"publicKey":"\#(key.publicKey.rawRepresentation.base64EncodedString())"}"#, token: board)
            try await api.create(
                "\(Self.base)/statements/S-0001/signatures",
                #"{"key":"\#(key.publicKey.rawRepresentation.base64EncodedString())","#
                    + #""signature":"\#(try key.signature(for: Data(checkpoint.body.utf8)).base64EncodedString())"}"#,
                token: board)
            let again = try await api.get(Self.statementPage, token: nil)
            #expect(again.status == 200 && again.headers["etag"] == page.headers["etag"])
            #expect(again.body == page.body)
            // An unknown statement is still looked up, never served from what is kept.
            try await api.get("/public/alliances/\(Self.slug)/statements/S-0002", token: nil).expectProblem(
                404, "/problems/statement-not-found")
        }
    }

    @Test func aRestatementMarksTheOldStatementSuperseded() async throws {
        try await GovernedSetUp.with { governed in
            let api = governed.api
            try await StatementRoutesTests.books(governed)
            let finance = try governed.setUp.token("finance-slam")
            try await api.create("\(Self.base)/statements", #"{"period":"FY2025"}"#, token: finance)
            try await api.create(
                "\(Self.base)/statements",
                #"{"period":"FY2025","supersedes":"S-0001","reason":"A missing invoice"}"#, token: finance)
            let old = try await api.get(Self.statementPage, token: nil)
            #expect(old.status == 200 && old.body.contains("Superseded"))
            let new = try await api.get("/public/alliances/\(Self.slug)/statements/S-0002", token: nil)
            #expect(new.body.contains("This statement restates") && new.body.contains("A missing invoice"))
            let alliance = try await api.get("/public/alliances/\(Self.slug)", token: nil)
            #expect(alliance.body.contains("Restates S-0001"))
            // Newest first.
            let newer = try #require(alliance.body.range(of: ">S-0002</a>"))
            let older = try #require(alliance.body.range(of: ">S-0001</a>"))
            #expect(newer.lowerBound < older.lowerBound)
        }
    }

    @Test func nothingElseIsPublic() async throws {
        try await GovernedSetUp.with { governed in
            let api = governed.api
            try await StatementRoutesTests.books(governed)
            try await api.create(
                "\(Self.base)/statements", #"{"period":"FY2025"}"#,
                token: try governed.setUp.token("finance-slam"))
            for path in [
                "/public/alliances/nowhere", "/public/alliances/nowhere/statements/S-0001",
                "/public/alliances/\(Self.slug)/statements/S-0002",
                "/public/alliances/\(Self.slug)/statements/S-0002.json",
                "/public/alliances/\(Self.slug)/statements/1",
                "/public/alliances/\(Self.slug)/statements/S-0001.xml",
                "/public/alliances/../v1/alliances/\(Self.slug)/statements/S-0001",
                "/public/alliances/%2e%2e/statements/S-0001",
                "/public/alliances/\(Self.slug)/statements/..%2fS-0001",
                "/public/alliances/\(Self.slug)/statements/S-0001/..", "/public/%2e%2e/%2e%2e/etc/passwd",
                "/public", "/public/alliances",
            ] {
                let answer = try await api.get(path, token: nil)
                #expect(answer.status == 404, "\(path): \(answer.status)")
                #expect(answer.headers["content-type"] == "application/problem+json", "\(path)")
                #expect(!answer.body.contains("S-0001\","), "\(path)")
                // A browser is shown a page, with the same status and no more said.
                let page = try await api.request("GET", path, headers: Self.browser)
                #expect(page.status == 404, "\(path)")
                #expect(page.headers["content-type"] == "text/html; charset=utf-8", "\(path)")
                #expect(page.body.contains("<h1>Page not found</h1>"), "\(path)")
            }
            for method in ["POST", "PUT", "PATCH", "DELETE"] {
                for path in [
                    "/", "/public/alliances/\(Self.slug)", Self.statementPage, "\(Self.statementPage).json",
                ] {
                    let answer = try await api.request(method, path, json: "{}")
                    try answer.expectProblem(405, "/problems/method-not-allowed")
                    #expect(answer.headers["allow"] == "GET, HEAD", "\(method) \(path)")
                    let page = try await api.request(method, path, json: "{}", headers: Self.browser)
                    #expect(page.status == 405 && page.headers["content-type"] == "text/html; charset=utf-8")
                }
            }
        }
    }
}
