import Foundation
import TestSupport
import Testing

/// With `database.readUrl`, the public pages and files, and only they, read through a
/// connection of their own (a standby's): what anyone reads scales out to replicas, while a
/// finance lead reads on the primary what they have just recorded.
@Suite(.timeLimit(.perTest)) struct PublicReadsTests {
    static let statement = "/public/alliances/\(AllianceSetUp.slug)/statements/S-0001"
    static let publicPaths = [
        "/", "/public/alliances/\(AllianceSetUp.slug)", statement, "\(statement).json",
        "\(statement)/spend.csv", "\(statement).zip",
    ]

    /// The books of the statement tests, and FY2025 published through the primary: the finance
    /// lead's token.
    static func publishFY2025(_ governed: GovernedSetUp) async throws -> String {
        try await StatementRoutesTests.books(governed)
        let finance = try governed.setUp.token("finance-slam")
        let published = try await governed.api.post(
            "\(AllianceSetUp.base)/statements", #"{"period":"FY2025"}"#, token: finance)
        #expect(published.status == 201, "\(published.body)")
        return finance
    }

    /// With the read connection down, every public path is 503 with `Retry-After`, while
    /// recording, publishing and authenticated reads carry on through the primary.
    @Test func theReadConnectionServesThePublicPathsAndNothingElse() async throws {
        try await GovernedSetUp.with(publicReads: .unreachable) { governed in
            let api = governed.api
            let finance = try await Self.publishFY2025(governed)
            let read = try await api.get("\(AllianceSetUp.base)/statements/S-0001", token: finance)
            #expect(read.status == 200, "\(read.body)")
            for path in Self.publicPaths {
                let answer = try await api.get(path, token: nil)
                try answer.expectProblem(503, "/problems/database-unavailable")
                #expect(answer.headers["retry-after"] == "2", "\(path): \(answer.headers)")
            }
        }
    }

    /// The public paths only read: they work on sessions that cannot write, as a standby's.
    @Test func thePublicPathsWorkOnSessionsThatCannotWrite() async throws {
        try await GovernedSetUp.with(publicReads: .readOnlySessions) { governed in
            let api = governed.api
            let finance = try await Self.publishFY2025(governed)
            for path in Self.publicPaths {
                let answer = try await api.get(path, token: nil)
                #expect(answer.status == 200, "\(path): \(answer.body.prefix(300))")
            }
            let frozen = try await api.get("\(Self.statement).json", token: nil)
            let authenticated = try await api.get("\(AllianceSetUp.base)/statements/S-0001", token: finance)
            #expect(frozen.body == authenticated.body)
        }
    }
}
