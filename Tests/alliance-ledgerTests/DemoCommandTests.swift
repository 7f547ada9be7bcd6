import AllianceLedger
import Foundation
import Postgres
import TestSupport
import Testing

/// `demo` loads a five-partner alliance whose books balance and verify, with tokens that work,
/// and refuses to load it twice.
@Suite struct DemoCommandTests {
    @Test func theDemoAllianceLoadsOnceAndItsBooksVerify() async throws {
        try await TestDatabase.with { database in
            let environment: [String: String?] = ["DATABASE_URL": database.connectionString.rawValue]
            let loaded = try await CommandRunner.run(["demo", "--tokens"], environment: environment)
            #expect(loaded.status == 0, "\(loaded.standardError)")
            #expect(
                loaded.standardOutput.contains("5 partners, 2 budget lines, 12 people, 120 spend entries"))
            let tokens = loaded.standardOutput.split(separator: "\n").compactMap { line in
                line.split(separator: " ").last.map(String.init).flatMap { $0.hasPrefix("alt_") ? $0 : nil }
            }
            #expect(tokens.count == 8)
            let pool = database.makeServicePool()
            for token in tokens {
                _ = try await TokenStore(pool: pool).authenticate(token)
            }
            let alliance = try await AllianceDirectory(pool: pool).find(slug: "lambeth-living-well")
            let partners = try await AllianceDirectory(pool: pool).partners(in: alliance.id)
            #expect(
                Set(partners.map(\.kind)) == [.commissioner, .nhsProvider, .localAuthority, .vcse]
                    && partners.count == 5)
            let report = try await Ledger(pool: pool).verify(alliance.id)
            #expect(report.isIntact)
            #expect(report.entries == 121)
            #expect(try await Ledger(pool: pool).trialBalance(in: alliance.id).isBalanced)
            await pool.close()

            let again = try await CommandRunner.run(["demo"], environment: environment)
            #expect(again.status == 4, "\(again.standardError)")
            #expect(again.standardError.contains("already exists"))
        }
    }
}
