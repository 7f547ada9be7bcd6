import TestSupport
import Testing

/// A path that exists with other methods is 405, and `Allow` names the methods of the operation
/// the router would take there, not of a template the path only seems to fit.
@Suite(.timeLimit(.perTest)) struct AllowHeaderTests {
    typealias SetUp = AllianceSetUp

    /// Imports take POST only, and say so: a GET there is not a spend named "imports".
    @Test func importsAllowPostOnly() async throws {
        try await SetUp.with { setUp in
            let answer = try await setUp.api.get(
                ImportRoutesTests.path, token: try setUp.token("finance-slam"))
            try answer.expectProblem(405, "/problems/method-not-allowed")
            #expect(answer.headers["allow"] == "POST")
        }
    }
}
