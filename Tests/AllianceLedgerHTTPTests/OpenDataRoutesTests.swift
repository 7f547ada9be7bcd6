import Crypto
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// A published statement's files over HTTP, for anyone without a token: each file with its
/// hash as ETag, all of them as a zip, and one 404 for whatever is not there.
@Suite(.timeLimit(.perTest)) struct OpenDataRoutesTests {
    static let files = "/public/alliances/\(AllianceSetUp.slug)/statements/S-0001"

    @Test func anyoneDownloadsTheFilesAndTheZip() async throws {
        try await GovernedSetUp.with { governed in
            let api = governed.api
            try await StatementRoutesTests.books(governed)
            let finance = try governed.setUp.token("finance-slam")
            // Nothing is public before publication: the same 404 as a route that does not exist.
            try await api.get("\(Self.files)/spend.csv", token: nil).expectProblem(404, "/problems/not-found")
            let published = try await api.post(
                "\(AllianceSetUp.base)/statements", #"{"period":"FY2025"}"#, token: finance)
            #expect(published.status == 201, "\(published.body)")

            let sums = try await api.get("\(Self.files)/SHA256SUMS", token: nil)
            #expect(sums.status == 200 && sums.headers["content-type"] == "text/plain; charset=utf-8")
            let spend = try await api.get("\(Self.files)/spend.csv", token: nil)
            #expect(spend.status == 200, "\(spend.body)")
            #expect(spend.headers["content-type"] == "text/csv; charset=utf-8; header=present")
            let hash = Digest(Array(SHA256.hash(data: Data(spend.body.utf8)))).description
            #expect(spend.headers["etag"] == "\"\(hash)\"")
            #expect(sums.body.contains("\(hash)  spend.csv\n"))
            let unchanged = try await api.request(
                "GET", "\(Self.files)/spend.csv", token: nil, headers: ["If-None-Match": "\"\(hash)\""])
            #expect(unchanged.status == 304 && unchanged.body.isEmpty)
            let statement = try await api.get("\(Self.files)/statement.json", token: nil)
            #expect(
                statement.headers["etag"] == "\"\(try #require(try published.json()["hash"] as? String))\"")
            let checkpoint = try await api.get("\(Self.files)/checkpoint.txt", token: nil)
            let sumsHash = Digest(Array(SHA256.hash(data: Data(sums.body.utf8)))).description
            #expect(checkpoint.body.hasSuffix("files sha256:\(sumsHash)\n"))

            let zip = try await api.get("\(Self.files).zip", token: nil)
            #expect(zip.status == 200)
            #expect(zip.headers["content-type"] == "application/zip")
            #expect(zip.headers["content-disposition"] == "attachment; filename=\"S-0001.zip\"")
            // The same archive as the library writes of the same files.
            let pool = api.database.makeServicePool()
            let statements = Statements(pool: pool)
            let alliance = try await AllianceDirectory(pool: pool).find(slug: AllianceSetUp.slug)
            let listing = try await statements.listing("S-0001", in: alliance.id)
            let files = try await statements.files(of: "S-0001", in: alliance.id)
            await pool.close()
            let expected = try ZipArchive.archive(files, modified: listing.publishedAt)
            #expect(zip.headers["etag"] == "\"\(Digest(Array(SHA256.hash(data: expected))))\"")
            #expect(zip.headers["content-length"] == String(expected.count))
        }
    }

    @Test func whateverIsNotThereIsOneAndTheSame404() async throws {
        try await GovernedSetUp.with { governed in
            let api = governed.api
            try await StatementRoutesTests.books(governed)
            let finance = try governed.setUp.token("finance-slam")
            _ = try await api.post(
                "\(AllianceSetUp.base)/statements", #"{"period":"FY2025"}"#, token: finance)
            let missing = [
                "\(Self.files)/nothing.csv", "\(Self.files)/..%2F..%2Fetc%2Fpasswd", "\(Self.files)/%2E%2E",
                "\(Self.files)/../S-0001/spend.csv", "\(Self.files)/statement.json%00",
                "/public/alliances/\(AllianceSetUp.slug)/statements/S-0002/spend.csv",
                "/public/alliances/\(AllianceSetUp.slug)/statements/S-0002.zip",
                "/public/alliances/\(AllianceSetUp.slug)/statements/1/spend.csv",
                "/public/alliances/nobody/statements/S-0001/spend.csv",
                "/public/alliances/nobody/statements/S-0001.zip",
            ]
            for path in missing {
                let answer = try await api.get(path, token: nil)
                #expect(answer.status == 404, "\(path): \(answer.status) \(answer.body)")
                let problem = try? answer.json()
                #expect(problem?["type"] as? String == "/problems/not-found", "\(path): \(answer.body)")
                #expect(
                    !answer.body.contains("statement") || answer.body.contains("not an operation"), "\(path)")
            }
        }
    }
}
